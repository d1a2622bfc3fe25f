"""Start and stop the five server configurations: the one way the probe and the tests run a server.

`SERVERS` lists them: uvicorn with each of its two WebSocket backends,
Hypercorn, Daphne and Granian's ASGI interface. `Process` starts one as a
subprocess on 127.0.0.1 with a free port (in a session of its own, its output
in a log file), waits, bounded, until it answers an HTTP request, and stops it
by its own pid: SIGINT, then SIGKILL of its process group after `STOP_WAIT`
seconds, and a check through /proc that none of its child processes is left.
`running` does all of that in a `with` block, from synchronous code.

`running_server` runs uvicorn in a thread of this process instead, for the
tests that look inside the app (its module state, the server's tasks).

Used by `doctests/measure/probe.py` (the comparison table),
`doctests/measure/load.py` (the chat's burst and stall rounds on every
server) and `tests/servers/` (every example on every server).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib.metadata
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from doctests import ROOT

BACKENDS = ("websockets-sansio", "wsproto")
STARTUP = 20.0  # Seconds a server may take to answer its first request (two cores, five servers).
STOP_WAIT = 8.0  # Seconds a server may take to exit after the signal before it is killed.

Json = dict[str, Any]
T = TypeVar("T")


@contextlib.contextmanager
def running_server(app: Any, ws: str, **config: Any) -> Iterator[tuple[str, uvicorn.Server]]:
    """Run uvicorn in a thread on 127.0.0.1 with a free port, and stop it on exit.

    Args:
        app: The ASGI app.
        ws: The uvicorn WebSocket backend, e.g. "websockets-sansio" or "wsproto".
        **config: More `uvicorn.Config` options.

    Yields:
        `("127.0.0.1:PORT", server)`.

    Raises:
        RuntimeError: The server did not start, or did not stop, within 5 seconds.
    """
    # Binding port 0 ourselves and handing uvicorn the socket means no port is
    # ever fixed and there is no race between picking a port and binding it.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    options: dict[str, Any] = {"lifespan": "off", "log_level": "warning", "timeout_graceful_shutdown": 2}
    server = uvicorn.Server(uvicorn.Config(app, ws=ws, **(options | config)))
    # Signal handlers are only installed from the main thread, so a thread is safe.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{ws}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn ({ws}) did not start")
            time.sleep(0.005)
        yield f"127.0.0.1:{port}", server
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
        if thread.is_alive():
            raise RuntimeError(f"uvicorn ({ws}) did not stop within 5 s")


# The servers -----------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    """One server configuration.

    Attributes:
        id: A short name, used as the key in the JSON, in test ids and in the
            servers page's row anchors.
        name: The column heading.
        package: The distribution whose installed version is recorded.
        module: What `python -m` runs.
        options: The command-line options, with `{port}` or `{fd}` filled in at start.
        by_fd: Whether the caller binds 127.0.0.1:0 itself and passes the socket;
            otherwise it picks a free port and the server binds it.
    """

    id: str
    name: str
    package: str
    module: str
    options: tuple[str, ...]
    by_fd: bool

    def command(self, where: int, app: str) -> list[str]:
        """The command line that serves `app` ("module:attribute") on port or descriptor `where`."""
        filled = [option.format(port=where, fd=where) for option in self.options]
        return [sys.executable, "-m", self.module, *filled, app]


# uvicorn has `--fd`, but wraps the descriptor as an AF_UNIX socket (uvicorn/config.py), which would
# garble `scope["server"]`; Granian has no descriptor option. Those two get a free port instead.
SERVERS = (
    *(
        Server(
            f"uvicorn-{backend.split('-')[-1]}",
            f"uvicorn ({backend})",
            "uvicorn",
            "uvicorn",
            ("--host", "127.0.0.1", "--port", "{port}", "--ws", backend, "--log-level", "warning"),
            by_fd=False,
        )
        for backend in BACKENDS
    ),
    Server("hypercorn", "Hypercorn", "hypercorn", "hypercorn", ("--bind", "fd://{fd}"), by_fd=True),
    Server("daphne", "Daphne", "daphne", "daphne", ("--fd", "{fd}"), by_fd=True),
    Server(
        "granian",
        "Granian (ASGI)",
        "granian",
        "granian",
        ("--interface", "asgi", "--host", "127.0.0.1", "--port", "{port}", "--workers", "1", "--log-level", "warning"),
        by_fd=False,
    ),
)
BY_ID = {server.id: server for server in SERVERS}


def version(package: str) -> str | None:
    """The installed version of `package`, from its metadata, or None."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def proc_stat(pid: int) -> tuple[str, int, int] | None:
    """`(state, parent pid, process group)` of a live process, or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    return fields[0], int(fields[1]), int(fields[2])


def alive(pid: int) -> bool:
    stat = proc_stat(pid)
    return stat is not None and stat[0] != "Z"


def descendants(pid: int) -> list[int]:
    """Every live process below `pid`, found through /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := proc_stat(int(entry.name))) and stat[0] != "Z":
            parents.setdefault(stat[1], []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return sorted(found)


def group_members(group: int) -> list[int]:
    """Live processes in process group `group`."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := proc_stat(int(entry.name))) and stat[0] != "Z" and stat[2] == group:
            members.append(int(entry.name))
    return members


async def answers(port: int, request: bytes, window: float) -> bool:
    """Whether 127.0.0.1:`port` answers `request` with an HTTP status line within `window` seconds."""
    try:
        async with asyncio.timeout(window):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                writer.write(request)
                line = await reader.readline()
            finally:
                writer.transport.abort()  # No close handshake: the request was only a knock.
    except (OSError, TimeoutError):
        return False
    return line.startswith(b"HTTP/1.1 ")


def http_get(path: str) -> bytes:
    """A plain `GET path` request, for `Process.ready`."""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()


class Process:
    """One server process: started in its own session, stopped by its own pid, checked for leftovers.

    Args:
        server: The configuration.
        folder: Where the log goes (`<id>.<role>.log`); also the working directory.
        role: A word for the log's name and the record.
        app: What the server serves, "module:attribute", importable from the repository root.
        env: More environment variables for the server.
    """

    def __init__(self, server: Server, folder: Path, role: str, app: str, env: dict[str, str] | None = None) -> None:
        self.server, self.folder, self.role = server, folder, role
        self.log = folder / f"{server.id}.{role}.log"
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        self.port = listener.getsockname()[1]
        if server.by_fd:
            listener.listen(128)
            listener.set_inheritable(True)
            where = listener.fileno()
        else:
            listener.close()  # A free port now; the server binds it a moment later.
            where = self.port
        self.command = server.command(where, app)
        environment = os.environ | (env or {})
        environment |= {
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
        }
        with self.log.open("wb") as log:
            self.popen = subprocess.Popen(
                self.command,
                cwd=folder,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                pass_fds=(where,) if server.by_fd else (),
                start_new_session=True,
            )
        if server.by_fd:
            listener.close()
        self.started = time.monotonic()
        self.record: Json = {"role": role, "pid": self.popen.pid}

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    async def ready(self, request: bytes) -> None:
        """Wait until the server answers `request` (any status). Raises RuntimeError after `STARTUP` s."""
        deadline = self.started + STARTUP
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                break
            if await answers(self.port, request, window=1.0):
                self.record["startup_seconds"] = round(time.monotonic() - self.started, 2)
                return
            await asyncio.sleep(0.1)
        await self.stop()
        raise RuntimeError(f"{self.server.name} did not start within {STARTUP:g} s: {self.log_text()[-600:]}")

    async def stop(self, signum: int = signal.SIGINT) -> Json:
        """Signal the server's own pid; after `STOP_WAIT` s, kill its group. Check no process is left."""
        children = descendants(self.popen.pid)
        signalled = time.monotonic()
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signum)
        for _ in range(int(STOP_WAIT / 0.02) + 1):
            if self.popen.poll() is not None or time.monotonic() - signalled > STOP_WAIT:
                break
            await asyncio.sleep(0.02)
        killed = self.popen.poll() is None
        if killed:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)
        for _ in range(150):  # Children get up to 3 s to follow their parent.
            if not any(alive(pid) for pid in children):
                break
            await asyncio.sleep(0.02)
        left_over = sorted({pid for pid in children if alive(pid)} | set(group_members(self.popen.pid)))
        for pid in left_over:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.record |= {
            "signal": signal.Signals(signum).name,
            "children": children,
            "exit_code": self.popen.returncode,
            "exit_seconds": round(time.monotonic() - signalled, 2),
            "killed": killed,
            "left_over": left_over,
        }
        return self.record


def run_to_end(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` in an event loop of its own: this thread's, or, when a loop already runs
    here (as under Playwright's synchronous API), a short-lived thread's."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@contextlib.contextmanager
def running(
    server: Server, app: str, folder: Path, ready: bytes, env: dict[str, str] | None = None, role: str = "run"
) -> Iterator[Process]:
    """`Process` for synchronous code: started and ready on entry, stopped and checked on exit.

    Its waits run in an event loop of their own (`run_to_end`).

    Raises:
        RuntimeError: The server did not answer `ready` within `STARTUP` seconds.
    """
    process = Process(server, folder, role, app, env)
    try:
        run_to_end(process.ready(ready))
        yield process
    finally:
        if "exit_code" not in process.record:
            try:
                run_to_end(process.stop())
            finally:
                if process.popen.poll() is None:  # `stop` itself failed: nothing may outlive the block.
                    os.killpg(process.popen.pid, signal.SIGKILL)
                    process.popen.wait(timeout=5)
