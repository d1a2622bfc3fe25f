"""Measure what a connected client and the app see when uvicorn is told to stop (SIGINT, SIGTERM).

For each backend, signal, app behaviour (`doctests/measure/shutdown_app.py`:
`listening` waits in `receive()`, `busy` works without reading) and
`--timeout-graceful-shutdown` (unset, or `GRACE` seconds), the program starts
the `uvicorn` command in a subprocess of its own process group, on a socket
bound here to 127.0.0.1 port 0 and handed down with `--fd`. A real
`websockets` client connects; once the app has accepted, the signal goes to
uvicorn. The program records the close frame the client received, what the
app wrote down (`SHUTDOWN_RECORD`), when uvicorn exited and with what status,
and uvicorn's log lines. Every wait is bounded (`WAIT`); a uvicorn still
running after it is recorded as such and killed. Run it with:

    python -m doctests.measure.shutdown    # see builddata.SHUTDOWN

`doctests/sitegen/pages/shutdown.py` shows the result on the "Shut down
gracefully" page. `uvicorn_process` is also what `tests/deploy/` uses to run
an app under the real `uvicorn` command.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from doctests import ROOT
from doctests.builddata import SHUTDOWN
from doctests.measure.probe import BACKENDS

SIGNALS = ("SIGINT", "SIGTERM")
APPS = ("listening", "busy")
GRACE = 1.0  # The --timeout-graceful-shutdown of the runs that set it.
WAIT = 5.0  # Seconds any single wait may take.
APP = "doctests.measure.shutdown_app:app"


@dataclass
class Uvicorn:
    """A running `uvicorn` command."""

    process: subprocess.Popen[bytes]
    address: str
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def signal(self, name: str) -> None:
        os.kill(self.process.pid, getattr(signal, name))

    def exited(self, within: float) -> int | None:
        """The exit status once uvicorn has exited within `within` seconds, else `None`."""
        try:
            return self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            return None


@contextlib.contextmanager
def uvicorn_process(
    app: str,
    backend: str,
    *options: str,
    env: dict[str, str] | None = None,
    app_dir: Path | None = None,
    port: int = 0,
) -> Iterator[Uvicorn]:
    """Run `uvicorn APP --ws BACKEND OPTIONS...` on a loopback socket; kill its process group on exit.

    The socket is bound and listening before uvicorn starts, so a client may
    connect at once: the connection waits in the backlog until uvicorn accepts.
    `port=0` picks a free port; a given port (one a stopped server had) is
    bound with `SO_REUSEADDR`, as uvicorn binds its own.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(16)
    address = f"127.0.0.1:{sock.getsockname()[1]}"
    with tempfile.TemporaryDirectory(prefix="uvicorn-") as folder:
        log_path = Path(folder) / "uvicorn.log"
        command = [sys.executable, "-m", "uvicorn", app, "--ws", backend, "--fd", str(sock.fileno()), *options]
        if app_dir is not None:
            command += ["--app-dir", str(app_dir)]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(sock.fileno(),),
                env=os.environ | (env or {}),
                start_new_session=True,
            )
        sock.close()  # uvicorn has its own copy.
        try:
            yield Uvicorn(process, address, log_path)
        finally:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=WAIT)


def read_record(path: Path) -> list[dict[str, Any]]:
    """The app's observations, in order."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


async def wait_for_event(path: Path, event: str, within: float = WAIT) -> bool:
    """Whether the app writes down `event` within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if any(entry["event"] == event for entry in read_record(path)):
            return True
        await asyncio.sleep(0.02)
    return False


def exit_text(status: int | None) -> str:
    """uvicorn's exit status in words."""
    if status is None:
        return f"still running after {WAIT:g} s (killed)"
    if status < 0:
        return f"ended by {signal.Signals(-status).name}"
    return f"exited with status {status}"


async def client_side(server: Uvicorn, record: Path, signal_name: str) -> dict[str, Any]:
    """Connect, wait for the app to accept, send the signal, and note what the client gets."""
    async with connect(f"ws://{server.address}/", open_timeout=10, ping_interval=None, close_timeout=WAIT) as client:
        if not await wait_for_event(record, "accepted", 10):
            raise RuntimeError(f"the app did not accept within 10 s:\n{server.log}")
        signalled = time.monotonic()
        server.signal(signal_name)
        try:
            while True:
                await asyncio.wait_for(client.recv(), WAIT)
        except ConnectionClosed:
            closed = time.monotonic() - signalled
        except TimeoutError:
            return {"signalled": signalled, "client": f"no close within {WAIT:g} s", "client_after": None}
        received = client.protocol.close_rcvd
        seen = f"close {received.code} {received.reason!r}" if received else "connection closed without a close frame"
        return {"signalled": signalled, "client": seen, "client_after": round(closed, 3)}


def shutdown_log(log: str) -> list[str]:
    """uvicorn's log lines from "Shutting down" on: a traceback keeps only its last line; process ids go."""
    lines = log.splitlines()
    start = next((index for index, line in enumerate(lines) if "Shutting down" in line), len(lines))
    kept = [line for line in lines[start:] if line.strip() and not line.startswith((" ", "Traceback"))]
    return [re.sub(r"process \[\d+\]", "process [PID]", line) for line in kept]


def one_case(backend: str, signal_name: str, app: str, grace: float | None) -> dict[str, Any]:
    """One run: start uvicorn, connect, signal, and note what each side saw."""
    options = ["--lifespan", "on"]
    if grace is not None:
        options += ["--timeout-graceful-shutdown", f"{grace:g}"]
    with tempfile.TemporaryDirectory(prefix="shutdown-") as folder:
        record = Path(folder) / "record.jsonl"
        env = {"SHUTDOWN_RECORD": str(record), "SHUTDOWN_APP": app}
        with uvicorn_process(APP, backend, *options, env=env) as server:
            seen = asyncio.run(client_side(server, record, signal_name))
            status = server.exited(WAIT)
            ended = time.monotonic()
            log = server.log
        notes = read_record(record)
    app_notes = [
        f"{entry['event']}: {entry['saw']}" if "saw" in entry else entry["event"]
        for entry in notes
        if entry["event"] not in ("lifespan.startup", "accepted", "lifespan.shutdown")
    ]
    shutdown = [entry for entry in notes if entry["event"] == "lifespan.shutdown"]
    return {
        "backend": backend,
        "signal": signal_name,
        "app": app,
        "timeout_graceful_shutdown": grace,
        "client": seen["client"],
        "client_after": seen["client_after"],
        "app_saw": app_notes,
        "lifespan_shutdown": (
            f"came with {shutdown[0]['open_connections']} connection(s) still open" if shutdown else "never came"
        ),
        "uvicorn": exit_text(status),
        "uvicorn_after": round(ended - seen["signalled"], 1) if status is not None else None,
        "log": shutdown_log(log),
    }


def measure(
    backends: tuple[str, ...] = BACKENDS,
    signals: tuple[str, ...] = SIGNALS,
    apps: tuple[str, ...] = APPS,
    graces: tuple[float | None, ...] = (None, GRACE),
) -> dict[str, Any]:
    """Every case; the JSON-ready data of `builddata.SHUTDOWN`."""
    cases = [
        one_case(backend, signal_name, app, grace)
        for backend in backends
        for app in apps
        for grace in graces
        for signal_name in signals
    ]
    return {"config": {"grace": GRACE, "wait": WAIT, "apps": list(apps)}, "cases": cases}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=None, help=f"where to write (default {SHUTDOWN.target})")
    args = parser.parse_args(argv)
    path = SHUTDOWN.write(measure(), args.output)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
