"""A reader can take it home: the install commands printed in README.md and the
tutorial work outside this repository, and the installed `InMemoryPeer` drives
a FastAPI app.

The test copies the repository to a temporary "clone" (so no build output lands
in the work tree), creates a fresh virtual environment outside the repository,
runs every printed command, and after each way of installing the package runs
a FastAPI app against the installed peer from a folder outside the repository.

What differs from the printed commands, and why:

- `pip` is the fresh environment's `python -m pip`; `path/to/clone` is the copy.
- `pip install fastapi "uvicorn[standard]"` gets `-c requirements/main.txt`, so
  FastAPI, Starlette and Pydantic are the versions the rest of the suite pins.
- `python -m pip wheel ...` runs with the current interpreter and gets
  `--no-build-isolation`, so the build needs no download of setuptools.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PINS = ROOT / "requirements" / "main.txt"
VERSION: str = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
WHEEL = f"asgi_websockets_reference-{VERSION}-py3-none-any.whl"

# The two blocks README.md and docs/tutorial/index.md print, character for character.
INSTALL = """\
pip install fastapi "uvicorn[standard]"
pip install path/to/clone
"""
BUILD_WHEEL = f"""\
python -m pip wheel --no-deps -w dist .
pip install dist/{WHEEL}
"""
PAGES = [ROOT / "README.md", ROOT / "docs" / "tutorial" / "index.md"]

# A FastAPI app as a reader writes it, driven by the installed peer.
SCRIPT = """\
import asyncio

import reference_impl
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from reference_impl import InMemoryPeer

app = FastAPI()
closed: list[tuple[int, str]] = []


@app.websocket("/items/{item_id}")
async def items(websocket: WebSocket, item_id: int, q: str | None = None) -> None:
    await websocket.accept()
    try:
        while True:
            data = await websocket.receive_json()
            await websocket.send_json({"item_id": item_id, "q": q, "data": data})
    except WebSocketDisconnect as disconnect:
        closed.append((disconnect.code, disconnect.reason))


async def main() -> None:
    peer = InMemoryPeer(path="/items/7", query_string=b"q=x")
    peer.feed_json({"n": 1})
    peer.feed_disconnect(1001, "bye")
    await peer.run(app)
    peer.print_transcript()
    print("closed", closed)
    print("reference_impl", reference_impl.__file__)


asyncio.run(main())
"""
TRANSCRIPT = """\
receive  {'type': 'websocket.connect'}
send     {'type': 'websocket.accept', 'subprotocol': None, 'headers': []}
receive  {'type': 'websocket.receive', 'text': '{"n": 1}'}
send     {'type': 'websocket.send', 'text': '{"item_id":7,"q":"x","data":{"n":1}}'}
receive  {'type': 'websocket.disconnect', 'code': 1001, 'reason': 'bye'}
closed [(1001, 'bye')]
"""

# What a clone has that the copy leaves out: environments, build output, caches.
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git",
    ".venv*",
    "build",
    "dist",
    "site",
    "artifacts",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    ".coverage*",
)


def clean_env() -> dict[str, str]:
    """This process's environment, minus what would point Python at the repository."""
    drop = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH", "PYTHONNOUSERSITE"}
    return {name: value for name, value in os.environ.items() if name not in drop}


def run(argv: Sequence[str | Path], cwd: Path, timeout: float) -> str:
    """Run `argv`; return its stdout, failing the test with its output if it fails."""
    command = [str(part) for part in argv]
    try:
        done = subprocess.run(
            command, cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"timed out after {timeout} s: {shlex.join(command)}")
    if done.returncode:
        pytest.fail(f"exit {done.returncode}: {shlex.join(command)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def lines(block: str) -> list[list[str]]:
    return [shlex.split(line) for line in block.splitlines()]


def test_pages_print_the_install_commands() -> None:
    for page in PAGES:
        text = page.read_text()
        for block in (INSTALL, BUILD_WHEEL):
            assert f"```sh\n{block}```" in text, f"{page.relative_to(ROOT)} does not print:\n{block}"


@pytest.mark.timeout(600)
def test_printed_commands_install_a_peer_that_drives_fastapi(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    shutil.copytree(ROOT, clone, ignore=NOT_IN_A_CLONE)
    venv = tmp_path / "venv"
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", venv], env=clean_env(), capture_output=True, timeout=120, check=True
        )
        python = venv / "bin" / "python"
        subprocess.run([python, "-m", "pip", "--version"], capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as error:
        pytest.skip(f"cannot create a virtual environment with pip here: {error}")
    pip = [python, "-m", "pip", "--no-input"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = elsewhere / "items_check.py"
    script.write_text(SCRIPT)

    def check_installed_peer() -> None:
        output = run([python, script], cwd=elsewhere, timeout=60)
        transcript, _, location = output.rpartition("reference_impl ")
        assert transcript == TRANSCRIPT
        assert Path(location.strip()).is_relative_to(venv), location

    # `pip install fastapi "uvicorn[standard]"`, then `pip install path/to/clone`.
    (fastapi, clone_install) = lines(INSTALL)
    assert fastapi[0] == clone_install[0] == "pip"
    assert clone_install[1:] == ["install", "path/to/clone"]
    run([*pip, *fastapi[1:], "-c", PINS], cwd=elsewhere, timeout=480)
    run([*pip, "install", clone], cwd=tmp_path, timeout=240)
    show = "import fastapi, starlette, pydantic; print(fastapi.__version__, starlette.__version__, pydantic.VERSION)"
    versions = run([python, "-c", show], cwd=elsewhere, timeout=60)
    pinned = dict(re.findall(r"^(fastapi|starlette|pydantic)==(\S+)$", PINS.read_text(), re.MULTILINE))
    assert versions.split() == [pinned["fastapi"], pinned["starlette"], pinned["pydantic"]]
    check_installed_peer()

    # In the clone: build the wheel, then install it in place of the first install.
    run([*pip, "uninstall", "--yes", "asgi-websockets-reference"], cwd=elsewhere, timeout=60)
    (build, wheel_install) = lines(BUILD_WHEEL)
    assert build[:3] == ["python", "-m", "pip"]
    run([sys.executable, *build[1:], "--no-build-isolation"], cwd=clone, timeout=240)
    wheel = clone / "dist" / WHEEL
    assert sorted(path.name for path in wheel.parent.iterdir()) == [WHEEL]
    dist_info = f"asgi_websockets_reference-{VERSION}.dist-info"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(f"{dist_info}/METADATA").decode()
    # The peer, and the spec check with the pages it runs (`asgi-ws-spec`, see test_spec_command.py).
    assert {name.split("/")[0] for name in names} == {"reference_impl", "doctests", "asgi_ws_spec", dist_info}
    assert {"reference_impl/__init__.py", "reference_impl/peer.py", "reference_impl/py.typed"} <= set(names)
    assert "Name: asgi-websockets-reference\n" in metadata
    assert wheel_install[0] == "pip"
    run([*pip, *wheel_install[1:]], cwd=clone, timeout=120)
    check_installed_peer()
