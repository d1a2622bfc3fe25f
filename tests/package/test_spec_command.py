"""An implementer can pip install the spec check: `asgi-ws-spec MODULE` runs with no clone.

The test builds the wheel from a copy of the repository, installs it with
the `[spec]` extra beside today's Starlette (the versions requirements/main.txt
pins) into a fresh virtual environment outside the repository, and runs the
command from another folder. It must print the same tables and closing lines
as `python -m doctests`, write `--report`, find the same divergences as the
in-repo run on every example both ran (the fresh environment has no FastAPI
and no httpx2 for Starlette's `TestClient`, so the examples needing those are
skipped there, with the reason), skip the coverage checks, and exit 2 with one line for a module it
cannot use or when sybil is missing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from .test_wheel import NOT_IN_A_CLONE, PINS, ROOT, WHEEL, clean_env, run

COMMAND = "asgi-ws-spec"


def pinned(name: str) -> str:
    match = re.search(rf"^{re.escape(name)}==(\S+)$", PINS.read_text(), re.MULTILINE)
    assert match, f"{name} is not pinned in {PINS}"
    return f"{name}=={match[1]}"


def command(argv: list[str | Path], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `argv` (not failing on a non-zero status: the statuses are what is tested)."""
    return subprocess.run(
        [str(part) for part in argv], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout
    )


def ran(data: dict[str, Any]) -> dict[tuple[str, int, str | None], str]:
    """(file, line, flavour) -> outcome of every selected example that ran (not skipped)."""
    found: dict[tuple[str, int, str | None], str] = {}
    for example in data["examples"]:
        if example["selected"] and example["outcome"] != "skipped":
            found[example["file"], example["line"], example["flavour"]] = example["outcome"]
    return found


@pytest.mark.timeout(900)
def test_the_installed_command_checks_starlette_as_the_checkout_does(tmp_path: Path) -> None:
    # The in-repo run, for comparison (a subprocess: a fresh interpreter, as `make compat` runs it).
    in_repo = tmp_path / "in-repo.json"
    done = command(
        [sys.executable, "-m", "doctests", "--impl", "starlette.websockets", "-q", "--exit-zero", "--report", in_repo],
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    clone = tmp_path / "clone"
    shutil.copytree(ROOT, clone, ignore=NOT_IN_A_CLONE)
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", dist, "."], clone, 240)
    wheel = dist / WHEEL
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {
        "asgi_ws_spec/__init__.py",
        "asgi_ws_spec/docs/tutorial/json.md",
        "asgi_ws_spec/docs/examples/echo.py",
        "doctests/runner/run.py",
        "doctests/spec/values.py",
        "reference_impl/websockets.py",
    } <= names
    assert not [name for name in names if name.startswith(("doctests/sitegen", "doctests/measure", "tests/"))]

    venv = tmp_path / "venv"
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", venv], env=clean_env(), capture_output=True, timeout=120, check=True
        )
    except (OSError, subprocess.SubprocessError) as error:
        pytest.skip(f"cannot create a virtual environment here: {error}")
    python, script = venv / "bin" / "python", venv / "bin" / COMMAND
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    install: list[str | Path] = [python, "-m", "pip", "install", "--no-input", "--disable-pip-version-check", "-q"]
    run([*install, f"{wheel}[spec]", pinned("starlette"), pinned("sybil"), "-c", PINS], elsewhere, 480)

    report = elsewhere / "report.json"
    done = command([script, "starlette.websockets", "--report", report], cwd=elsewhere)
    lines = done.stdout.splitlines()
    assert done.returncode == 1, done.stdout + done.stderr
    assert lines[0] == "implementation starlette.websockets (starlette " + pinned("starlette").split("==")[1] + ")"
    assert re.fullmatch(r"\d+ same, \d+ equivalent, \d+ different, \d+ missing", lines[-2])
    assert re.fullmatch(r"\d+ passed, \d+ failed", lines[-1])
    assert [line.split() for line in lines if line.startswith(("page ", "tag ", "flavour "))] == [
        [title, "same", "equivalent", "different", "missing", "skipped", "deselected"]
        for title in ("page", "tag", "flavour")
    ]
    assert not [line for line in lines if "covered" in line or "coverage" in line]
    data = json.loads(report.read_text())["data"]
    assert Path(data["examples"][0]["file"]).parts[0] in ("docs", "reference_impl")
    skipped = {e["message"].partition("skipped: ")[2] for e in data["examples"] if e["outcome"] == "skipped"}
    assert "fastapi examples need fastapi, which is not installed" in skipped
    assert "starlette examples need httpx2 or httpx, which is not installed" in skipped

    # The same divergences (and equivalents) as the checkout's run, on every example both ran.
    theirs, ours = ran(data), ran(json.loads(in_repo.read_text())["data"])
    both = theirs.keys() & ours.keys()
    assert len(both) > 1000
    assert {key: theirs[key] for key in both} == {key: ours[key] for key in both}
    assert {"equivalent", "different"} <= set(theirs.values())

    done = command([script, "no_such_module_here"], cwd=elsewhere)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        f"{COMMAND}: no_such_module_here: cannot import it (ModuleNotFoundError: No module named 'no_such_module_here')"
    ]

    # The reference itself conforms; the coverage checks (a checkout's) are skipped cleanly.
    done = command([script, "reference_impl.websockets", "-q", "docs/tutorial/echo.md"], cwd=elsewhere)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].endswith(" passed, 0 failed")
    assert "covered" not in done.stdout

    # Without the [spec] extra's sybil, one line says what to install.
    run([python, "-m", "pip", "uninstall", "--yes", "-q", "sybil"], elsewhere, 120)
    done = command([script, "starlette.websockets"], cwd=elsewhere)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f'{COMMAND}: the runner needs sybil: pip install "asgi-websockets-reference[spec]"\n'
