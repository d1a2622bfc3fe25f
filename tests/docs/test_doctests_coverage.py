"""The whole check: build the site, run every example, and demand full coverage.

`python -m doctests` with no arguments fails when a transition-table row or a
public name has no example, when a public name is missing from the rendered
reference, or when the examples cover under 98 % of reference_impl's branches.
This test builds the site into a temporary folder and runs exactly that.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from doctests.collect import ROOT


def test_every_example_passes_and_covers_every_row_name_and_rendered_name(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    site = tmp_path / "site"
    build = subprocess.run(
        [str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "--quiet", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    run = subprocess.run(
        [sys.executable, "-m", "doctests", "--quiet", "--site", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout
    assert run.returncode == 0, output + run.stderr
    counts = dict(line.rsplit(" ", 1) for line in output.splitlines() if " covered " in line or "rendered" in line)
    for label in ("rows covered", "public names covered", "names in rendered reference"):
        covered, total = counts[label].split("/")
        assert covered == total, output
    assert output.splitlines()[-1].endswith(" passed, 0 failed")
