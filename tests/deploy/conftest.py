"""Helpers for the deployment tests: real processes (uvicorn, redis-server, nginx) on loopback ports.

Every process starts in a session of its own and is stopped by killing its
process group, so nothing outlives a test, whatever fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from doctests import EXAMPLES

WAIT = 5.0  # Bound on any single wait of a client.
# Debian puts daemons in /usr/sbin, which a non-root PATH may lack.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", os.defpath), "/usr/sbin", "/sbin"])


def program(name: str) -> str | None:
    """The path of an installed program, or None."""
    return shutil.which(name, path=SEARCH_PATH)


def free_port() -> int:
    """A port free on 127.0.0.1 just now, for a server that binds it itself."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Process:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, command: list[str], log: Path, **options: Any) -> None:
        self.log = log
        self._log_file: IO[bytes] = log.open("ab")
        self.popen = subprocess.Popen(
            command, stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True, **options
        )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signum)

    def stop(self, graceful: float = 5.0) -> int | None:
        """SIGTERM, then SIGKILL after `graceful` seconds; return the exit code (None: it had to be killed)."""
        code: int | None = None
        if self.popen.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                code = self.popen.wait(timeout=graceful)
            except subprocess.TimeoutExpired:
                code = None
        else:
            code = self.popen.returncode
        self.signal(signal.SIGKILL)  # Whatever else is left in the group.
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)
        self._log_file.close()
        return code

    def kill(self) -> None:
        """SIGKILL the whole group and reap it: a crash, not a shutdown."""
        self.signal(signal.SIGKILL)
        self.popen.wait(timeout=5)


def wait_for_log(process: Process, text: str, within: float = 15.0) -> None:
    """Wait until `text` appears in the process's log."""
    deadline = time.monotonic() + within
    while text not in process.log_text():
        if process.popen.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no {text!r} in the log within {within} s:\n{process.log_text()}")
        time.sleep(0.02)


@contextlib.contextmanager
def uvicorn(
    spec: str, tmp_path: Path, *, ws: str = "websockets-sansio", app_dir: Path = EXAMPLES, **options: Any
) -> Iterator[tuple[str, Process]]:
    """Run `uvicorn --app-dir APP_DIR SPEC` on a fresh 127.0.0.1 port; yield ("127.0.0.1:PORT", process).

    `options` become flags (`proxy_headers=True` is `--proxy-headers`, `env=` sets
    the environment). On a clean exit of the block, the server must stop by
    itself on SIGTERM (lifespan shutdown included) with no traceback in its log.
    """
    env = {**os.environ, **options.pop("env", {})}
    flags: list[str] = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        flags += [flag] if value is True else [flag, str(value)]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), spec, "--fd", str(listener.fileno())]
    command += ["--ws", ws, "--timeout-graceful-shutdown", "3", *flags]
    log = tmp_path / f"uvicorn-{port}.log"
    process = Process(command, log, pass_fds=[listener.fileno()], env=env)
    listener.close()  # The child has its own copy.
    clean = False
    try:
        wait_for_log(process, "Uvicorn running")
        yield f"127.0.0.1:{port}", process
        clean = True
    finally:
        code = process.stop()
    if clean:
        text = process.log_text()
        # uvicorn re-raises the signal once it has shut down, hence -SIGTERM.
        assert code in (0, -signal.SIGTERM), f"uvicorn {spec} exited with {code}:\n{text}"
        assert "Finished server process" in text, text
        assert "Traceback" not in text, text


def dial(address: str, path: str = "/", **options: Any) -> Any:
    """The `websockets` client, every wait bounded, no client pings unless `options` say so."""
    return connect(
        f"ws://{address}{path}", **{"open_timeout": WAIT, "close_timeout": WAIT, "ping_interval": None} | options
    )


async def read_until_closed(client: ClientConnection, within: float = WAIT) -> tuple[list[str | bytes], int | None]:
    """Every message until the connection closes, and the code of the close frame received (None: none)."""
    messages: list[str | bytes] = []
    async with asyncio.timeout(within):
        with contextlib.suppress(ConnectionClosed):
            while True:
                messages.append(await client.recv())
    received = client.protocol.close_rcvd
    return messages, None if received is None else received.code
