"""The Examples page shows every app with its command, and that command works as printed."""

from __future__ import annotations

import asyncio
import os
import re
import select
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from doctests import EXAMPLES, ROOT

from .conftest import APPS

PAGE = (EXAMPLES / "index.md").read_text()
RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


def command(name: str) -> str:
    return f"uvicorn --app-dir docs/examples {name}:app"


def test_there_are_examples() -> None:
    assert {"echo", "chat", "auth", "subprotocol", "json_api", "push", "closing"} <= set(APPS)


@pytest.mark.parametrize("name", APPS)
def test_page_shows_the_command_and_the_file(name: str) -> None:
    assert f"```sh\n{command(name)}\n```" in PAGE
    assert f'```python title="docs/examples/{name}.py"\n--8<-- "docs/examples/{name}.py"\n```' in PAGE
    docstring = (EXAMPLES / f"{name}.py").read_text().split('"""')[1]
    assert f"    {command(name)}\n" in docstring


@pytest.mark.parametrize("name", APPS)
def test_importing_an_example_has_no_side_effects(name: str) -> None:
    # The docs harness runs the included files; they must only define things.
    script = f"import runpy; runpy.run_path({str(EXAMPLES / f'{name}.py')!r}); print('ok')"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=20, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok\n", "")


def uvicorn_command(name: str) -> list[str]:
    """The printed command, with `--host` and a free port added."""
    script = Path(sys.executable).with_name("uvicorn")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "uvicorn"]
    return [*program, *command(name).split()[1:], "--host", "127.0.0.1", "--port", "0"]


def started(process: subprocess.Popen[bytes], within: float = 10.0) -> str:
    """Read uvicorn's log until it names its port; return "127.0.0.1:PORT"."""
    assert process.stderr is not None
    deadline, seen = time.monotonic() + within, b""
    while time.monotonic() < deadline:
        # Raw reads on the descriptor: a buffered readline would hide lines from select.
        ready, _, _ = select.select([process.stderr], [], [], max(deadline - time.monotonic(), 0))
        chunk = os.read(process.stderr.fileno(), 4096) if ready else b""
        if not chunk:
            break
        seen += chunk
        if match := RUNNING.search(seen.decode(errors="replace")):
            return f"127.0.0.1:{match[1]}"
    pytest.fail(f"uvicorn did not start within {within} s: {seen.decode(errors='replace')}")


@pytest.fixture
def run() -> Iterator[Callable[[str], str]]:
    """`run("echo")` starts the printed command in a subprocess; every one is stopped afterwards."""
    processes: list[subprocess.Popen[bytes]] = []

    def run(name: str) -> str:
        process = subprocess.Popen(uvicorn_command(name), cwd=ROOT, stderr=subprocess.PIPE)
        processes.append(process)
        return started(process)

    yield run
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        assert process.stderr is not None
        process.stderr.close()


def test_echo_command(run: Callable[[str], str]) -> None:
    address = run("echo")

    async def talk() -> None:
        async with connect(f"ws://{address}/", open_timeout=5, ping_interval=None) as client:
            await client.send("hello")
            assert await asyncio.wait_for(client.recv(), 5) == "hello"
            await client.send(b"\x00")
            assert await asyncio.wait_for(client.recv(), 5) == b"\x00"

    asyncio.run(talk())


def test_chat_command(run: Callable[[str], str]) -> None:
    address = run("chat")
    with urllib.request.urlopen(f"http://{address}/", timeout=5) as response:
        assert response.status == 200
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert "<title>Chat</title>" in response.read().decode()

    async def talk() -> None:
        async with (
            connect(f"ws://{address}/", open_timeout=5, ping_interval=None) as one,
            connect(f"ws://{address}/", open_timeout=5, ping_interval=None) as two,
        ):
            await one.send("hi all")
            for client in (one, two):
                assert await asyncio.wait_for(client.recv(), 5) == "hi all"

    asyncio.run(talk())
