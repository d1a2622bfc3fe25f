"""A real run of the spec check, for the "Check your implementation" page.

`render()` runs `python -m doctests --impl docs/examples/spec_demo/websockets_demo.py` on two
tutorial pages in a subprocess (a fresh interpreter, as a user would run it)
and shows its output and one record of its JSON report, exactly as produced.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from doctests import ROOT, builddata

ARGS = ["--impl", "docs/examples/spec_demo/websockets_demo.py", "docs/tutorial/json.md", "docs/tutorial/echo.md"]


def run() -> tuple[str, int, dict[str, object]]:
    """The command's output, its exit status, and the report's first failing record."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        done = subprocess.run(
            [sys.executable, "-m", "doctests", *ARGS, "--report", str(report)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode not in (0, 1) or not report.exists():
            raise RuntimeError(f"python -m doctests {' '.join(ARGS)} failed:\n{done.stdout}{done.stderr}")
        examples = builddata.read_data(report)["examples"]
    failing: dict[str, object] = next((example for example in examples if example["status"] == "failed"), {})
    return done.stdout, done.returncode, failing


def render() -> str:
    output, status, failing = run()
    record = json.dumps(failing, indent=1, ensure_ascii=False)
    return (
        f"```console\n$ python -m doctests {' '.join(ARGS)}\n{output.rstrip()}\n$ echo $?\n{status}\n```\n\n"
        "The report's record for the first failure (`--report report.json`):\n\n"
        f"```json\n{record}\n```\n"
    )
