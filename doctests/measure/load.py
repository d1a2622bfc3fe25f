"""Load and fault rounds against `docs/examples/echo.py` and `chat.py` on a real uvicorn.

The server runs in a subprocess (`doctests/measure/load_server.py`) on a socket this
process bound to 127.0.0.1 port 0 and passed down, so its memory and file
descriptors are measured on their own. The clients are real `websockets`
asyncio clients, all in this process's one event loop. `serve_on` runs an
example on Hypercorn, Daphne or Granian instead (`doctests.measure.servers`),
with the same stats endpoint, so the chat's burst and stall rounds run on
every server.

Every message carries its sender and a sequence number (`"SENDER SEQ
PADDING"`), and every receiver keeps a `Ledger` per sender, so a message lost,
duplicated or delivered out of order is counted, never guessed. Each round
returns a JSON-ready dict whose `problems` list is empty when every check
passed; `tests/load/test_load.py` asserts that, and `doctests/measure/reliability.py`
exits 1 otherwise. Every loop is bounded by a count and every wait by a
deadline (`asyncio.timeout`), so a lost message ends a round as a reported
timeout instead of a hang.

The chat room drops a member that makes no progress for `CHAT_STALL_SECONDS`
or falls more than `CHAT_MAX_BACKLOG` bytes behind (`CHAT_LIMITS` sets both in
every server started here), never one that keeps reading. In the load and
fault rounds the senders share a window of `WINDOW` messages (a sender takes a
slot before sending; the slot is freed when every well-behaved receiver has the
message), so that those rounds measure steady throughput and memory, and the
fault round knows when the faulty clients' messages have arrived.
`chat_burst` has no window: every member sends all its messages at once, and
still nobody may be dropped. `chat_stall` stops one member reading while the
others talk: they must not notice, and it must be dropped with 1013.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from doctests.measure import servers
from doctests.measure.load_server import STATS_PATH

SERVER = Path(__file__).resolve().parent / "load_server.py"
BACKENDS = ("websockets-sansio", "wsproto")
PROGRESS_SECONDS: float | None = None  # When set (by stress.py), long rounds print their progress this often.
WINDOW = 32  # Chat messages in flight at once in the load and fault rounds; see the module docstring.
ECHO_WINDOW = 16  # Echo messages one client may have in flight.
# Log lines that mean the server failed somewhere, whatever the app.
# The chat's limits (docs/examples/chat.py reads them from the environment) in every server started
# here: a backlog of 1 MiB, so a never-reading member is dropped by it quickly, and a stall time
# longer than any quick round, so that member is still there to read its 1013 when it reads again.
CHAT_LIMITS = {"CHAT_STALL_SECONDS": "10", "CHAT_MAX_BACKLOG": str(2**20)}
BAD_LOG = ("Traceback", "ERROR", "Exception", "Task was destroyed", "was never awaited", "Unclosed")


def payload(sender: int, seq: int, size: int) -> str:
    """A message naming its sender and sequence number, padded to about `size` characters."""
    head = f"{sender} {seq} "
    return head + "x" * max(0, size - len(head))


def parse(message: str | bytes) -> tuple[int, int]:
    """The (sender, seq) of a `payload`."""
    text = message.decode() if isinstance(message, bytes) else message
    sender, seq, _ = text.split(" ", 2)
    return int(sender), int(seq)


@dataclass
class Ledger:
    """What one receiver got from one sender, checked against the sender's order."""

    next: int = 0  # The sequence number expected next.
    received: int = 0
    duplicated: int = 0  # A number at or below one already received.
    skipped: int = 0  # A number above the one expected: something was lost or reordered.
    altered: int = 0  # Not what was sent: an echo of another client, or text for bytes.

    def record(self, seq: int) -> None:
        self.received += 1
        if seq < self.next:
            self.duplicated += 1
            return
        if seq > self.next:
            self.skipped += 1
        self.next = seq + 1


def ledger_problems(who: str, ledgers: dict[int, Ledger], expected: dict[int, int]) -> list[str]:
    """Problems in `ledgers` (sender -> Ledger) when `expected` (sender -> count) should have arrived in order."""
    problems = []
    for sender, count in expected.items():
        ledger = ledgers.get(sender, Ledger())
        if ledger.duplicated or ledger.skipped or ledger.altered or ledger.received != count or ledger.next != count:
            problems.append(
                f"{who}: from sender {sender} expected {count} in order, got {ledger.received} "
                f"({ledger.duplicated} duplicated, {ledger.skipped} out of order, {ledger.altered} altered)"
            )
    problems += [f"{who}: messages from unexpected sender {sender}" for sender in ledgers.keys() - expected.keys()]
    return problems


# The server subprocess ------------------------------------------------------


@dataclass
class Server:
    """A running `doctests/measure/load_server.py` subprocess."""

    app: str
    ws: str
    process: subprocess.Popen[bytes]
    port: int
    log: Any  # The temporary file holding the subprocess's stdout and stderr.
    env: dict[str, str] = field(default_factory=dict)  # What the subprocess got on top of ours.
    log_text: str = ""
    handle: servers.Process | None = None  # Set by `serve_on`: stopped by signal, not by `STOP_PATH`.

    @property
    def max_backlog(self) -> int:
        """The chat's `MAX_BACKLOG` in this server, in bytes."""
        return int(self.env["CHAT_MAX_BACKLOG"])

    @property
    def uri(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def get(self, path: str, timeout: float = 10.0) -> dict[str, Any]:
        """GET one of the wrapper's endpoints (no proxy: http.client talks to the address given)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            # "Connection: close": Hypercorn keeps a closed keep-alive connection (a task, an fd) for seconds.
            connection.request("GET", path, headers={"Connection": "close"})
            response = connection.getresponse()
            return dict(json.loads(response.read()))
        finally:
            connection.close()

    def stats(self) -> dict[str, Any]:
        return self.get("/__load__/stats")

    def memory(self) -> dict[str, int]:
        """VmRSS and VmHWM (the peak since start or since `reset_peak`), in KiB, read from /proc."""
        fields = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0])
        return fields

    def reset_peak(self) -> bool:
        """Reset VmHWM to the current RSS (Linux `clear_refs` 5), so the next reading is this round's peak."""
        try:
            Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    async def wait_idle(self, baseline: dict[str, Any], within: float) -> dict[str, Any]:
        """Poll the stats until no app call runs and the task count is back to `baseline`; return the last stats."""
        deadline = time.monotonic() + within
        while True:
            stats = await asyncio.to_thread(self.stats)
            if not idle_problems("", stats, baseline, disconnects_allowed=True) or time.monotonic() > deadline:
                return stats
            await asyncio.sleep(0.05)

    async def wait_room(self, size: int, within: float) -> bool:
        """Wait until the chat room has `size` members (they are in the room, not just handshaken)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if (await asyncio.to_thread(self.stats))["room"] == size:
                return True
            await asyncio.sleep(0.02)
        return False

    def stop(self, within: float = 10.0) -> int | None:
        """Ask uvicorn to shut down gracefully; return the exit code (None if it had to be killed).

        A server of `serve_on` gets SIGINT instead (`servers.Process.stop`); None also when a process was left.
        """
        if self.handle is not None:
            record = asyncio.run(self.handle.stop())
            self.log_text = self.handle.log_text()
            return None if record["killed"] or record["left_over"] else record["exit_code"]
        with contextlib.suppress(OSError, http.client.HTTPException):
            self.get("/__load__/stop", timeout=within)
        try:
            code: int | None = self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=within)
            code = None
        self.log.seek(0)
        self.log_text = self.log.read().decode(errors="replace")
        return code


@contextlib.contextmanager
def serve(
    app: str, ws: str, startup: float = 15.0, mutate: str | None = None, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Start `doctests/measure/load_server.py APP` on a fresh 127.0.0.1 port; always kill it on exit.

    `mutate` names a deliberate fault for the server to inject (see `server.mutate`); `env`
    adds to (or overrides `CHAT_LIMITS` in) the subprocess's environment.
    """
    extra = CHAT_LIMITS | (env or {})
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(2048)  # Connections queue here even before uvicorn has started.
    port = listener.getsockname()[1]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the `finally` below, after the server has exited)
    command = [sys.executable, str(SERVER), app, "--ws", ws, "--fd", str(listener.fileno())]
    command += ["--mutate", mutate] if mutate else []
    process = subprocess.Popen(command, pass_fds=[listener.fileno()], stdout=log, stderr=log, env=os.environ | extra)
    listener.close()  # The child has its own copy.
    server = Server(app, ws, process, port, log, extra)
    try:
        deadline = time.monotonic() + startup
        while True:
            try:
                server.stats()
                break
            except (OSError, http.client.HTTPException):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server {app} ({ws}) did not start") from None
                time.sleep(0.05)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


@contextlib.contextmanager
def serve_on(app: str, config: servers.Server, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Serve example APP on any server of `servers.SERVERS`, through `doctests.measure.example_host`.

    The same `/__load__/stats` as `serve` (the example wrapped in `load_server.Watched`), so every
    round runs unchanged; the server is started, stopped and checked by `servers.running`.
    """
    extra = CHAT_LIMITS | (env or {})
    host = {"EXAMPLE_HOST_APPS": app, "EXAMPLE_HOST_IMPLS": "reference_impl"}
    with (
        tempfile.TemporaryDirectory(prefix="load-") as folder,
        servers.running(config, "doctests.measure.example_host:app", Path(folder), servers.http_get(STATS_PATH),
                        extra | host, role=app) as process,
        process.log.open("rb") as log,
    ):  # fmt: skip
        yield Server(app, config.id, process.popen, process.port, log, extra, handle=process)


def server_problems(server: Server, code: int | None) -> list[str]:
    """A failed shutdown or anything alarming in the server's log."""
    problems = [] if code == 0 else [f"server exit code {code} (None: killed after the shutdown timeout)"]
    bad = [line for line in server.log_text.splitlines() if any(word in line for word in BAD_LOG)]
    problems += [f"server log: {line}" for line in bad[:10]]
    return problems


def idle_problems(
    when: str, stats: dict[str, Any], baseline: dict[str, Any], disconnects_allowed: bool = False
) -> list[str]:
    """Tasks, app calls, room members, live objects or fds left over after every client has gone.

    With `disconnects_allowed`, an `OSError` that escaped the app is not a
    problem: it is the server's "send() after the client left" error (uvicorn's
    `ClientDisconnected`, ASGI spec 2.4), which a fault round provokes and
    uvicorn handles silently. Any other exception is.
    """
    problems = []
    if stats["tasks"] > baseline["tasks"]:
        problems.append(f"{when}: {stats['tasks']} asyncio tasks in the server, {baseline['tasks']} at the start")
    if stats["websocket_calls_running"]:
        problems.append(f"{when}: {stats['websocket_calls_running']} app calls still running")
    if stats["room"]:
        problems.append(f"{when}: {stats['room']} members still in the chat room")
    for kind, count in stats["live_objects"].items():
        if count > baseline["live_objects"][kind]:
            problems.append(f"{when}: {count} live {kind} objects, {baseline['live_objects'][kind]} at the start")
    if stats["fds"] > baseline["fds"]:
        problems.append(f"{when}: {stats['fds']} open fds in the server, {baseline['fds']} at the start")
    errors = [e["repr"] for e in stats["app_errors"] if not (disconnects_allowed and e["oserror"])]
    if errors:
        problems.append(f"{when}: exceptions escaped the app: {errors[:5]}")
    return problems


# Clients --------------------------------------------------------------------


async def open_client(server: Server, small_buffer: bool = False, **options: Any) -> ClientConnection:
    """A `websockets` client; with `small_buffer`, a 4 KiB receive buffer and no compression (fills fast)."""
    options = {"proxy": None, "ping_interval": None, "open_timeout": 20, "max_size": 2**20} | options
    if small_buffer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", server.port))
        options |= {"sock": sock, "compression": None, "max_queue": 1}
    return await connect(server.uri, **options)


async def open_clients(server: Server, count: int, **options: Any) -> list[ClientConnection]:
    """Open `count` clients, at most 50 handshakes at a time, so the connecting itself is not a stress test."""
    gate = asyncio.Semaphore(50)

    async def one() -> ClientConnection:
        async with gate:
            return await open_client(server, **options)

    return list(await asyncio.gather(*(one() for _ in range(count))))


def abort(client: ClientConnection) -> None:
    """Drop the TCP connection at once: no close frame, no FIN, a RST (as when a process is killed)."""
    sock = client.transport.get_extra_info("socket")
    # Linger on, with a zero timeout: closing the socket resets the connection instead of ending it.
    with contextlib.suppress(OSError):  # Already closed: nothing to drop.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.transport.abort()


# Rounds ---------------------------------------------------------------------


def round_summary(count: int, started: float, problems: list[str], **extra: Any) -> dict[str, Any]:
    """A round's figures: its duration, `count` messages received per second, and its problems."""
    seconds = time.perf_counter() - started
    per_second = round(count / seconds) if seconds else None
    return {"seconds": round(seconds, 3), "per_second": per_second, **extra, "problems": problems}


async def echo_client(client: ClientConnection, sender: int, messages: int, size: int) -> Ledger:
    """Send `messages` payloads (text and bytes in turn), at most `ECHO_WINDOW` ahead, and check every echo."""
    slots = asyncio.Semaphore(ECHO_WINDOW)
    ledger = Ledger()

    async def send_all() -> None:
        for seq in range(messages):
            await slots.acquire()
            text = payload(sender, seq, size)
            await client.send(text.encode() if seq % 2 else text)

    sending = asyncio.create_task(send_all())
    try:
        for _ in range(messages):
            message = await client.recv()
            slots.release()
            who, seq = parse(message)
            # Odd numbers went as bytes and must come back as bytes; even ones as text.
            ledger.altered += isinstance(message, bytes) != bool(seq % 2) or who != sender
            ledger.record(seq)
        await sending
    finally:
        sending.cancel()
    return ledger


async def echo_round(server: Server, clients: int, messages: int, size: int, time_limit: float) -> dict[str, Any]:
    """`clients` echo clients at once, each sending `messages` and checking the echoes, within `time_limit` seconds."""
    conns = await open_clients(server, clients)
    started = time.perf_counter()
    problems: list[str] = []
    try:
        async with asyncio.timeout(time_limit):
            ledgers = await asyncio.gather(*(echo_client(c, i, messages, size) for i, c in enumerate(conns)))
        for i, ledger in enumerate(ledgers):
            problems += ledger_problems(f"client {i}", {i: ledger}, {i: messages})
    except TimeoutError:
        problems.append(f"round not finished within {time_limit} s")
    except ConnectionClosed as error:
        problems.append(f"a client was disconnected: {error!r}")
    summary = round_summary(clients * messages, started, problems, messages=clients * messages)
    await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
    return summary


@dataclass
class Room:
    """The clients' side of a chat round: the window and what each receiver got."""

    receivers: int  # Well-behaved receivers: a message is done when all of them have it.
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(WINDOW))
    pending: dict[tuple[int, int], int] = field(default_factory=dict)
    done: dict[tuple[int, int], asyncio.Event] = field(default_factory=dict)

    def sent(self, key: tuple[int, int]) -> None:
        self.pending[key] = self.receivers

    def got(self, key: tuple[int, int]) -> None:
        """Count one delivery; when the last well-behaved receiver has it, free its slot (or wake its sender)."""
        left = self.pending.get(key, 0) - 1
        if left > 0:
            self.pending[key] = left
            return
        if self.pending.pop(key, None) is None:
            return  # Not sent by a tracked sender (or delivered too often: the ledgers count that).
        event = self.done.pop(key, None)
        if event is None:
            self.slots.release()
        else:
            event.set()


async def chat_sender(client: ClientConnection, room: Room, sender: int, messages: int, size: int) -> None:
    """Send `messages` chat lines, each taking a window slot that the receivers free."""
    for seq in range(messages):
        await room.slots.acquire()
        room.sent((sender, seq))
        await client.send(payload(sender, seq, size))


async def paced_sender(client: ClientConnection, room: Room, sender: int, messages: int, size: int) -> None:
    """A faulty client's sender: one message in flight at a time, outside the window (it may vanish)."""
    for seq in range(messages):
        room.done[sender, seq] = event = asyncio.Event()
        room.sent((sender, seq))
        await client.send(payload(sender, seq, size))
        await event.wait()


async def chat_receiver(client: ClientConnection, room: Room | None, count: int, ledgers: dict[int, Ledger]) -> None:
    """Receive `count` messages, recording each sender's order; free window slots for `room`."""
    for _ in range(count):
        key = parse(await client.recv())
        ledgers.setdefault(key[0], Ledger()).record(key[1])
        if room is not None:
            room.got(key)


async def chat_round(server: Server, clients: int, messages: int, size: int, time_limit: float) -> dict[str, Any]:
    """`clients` chat members, each broadcasting `messages`; every member must get all of them in order."""
    conns = await open_clients(server, clients)
    problems: list[str] = []
    if not await server.wait_room(clients, within=time_limit):
        problems.append(f"the room never had {clients} members")
    room = Room(receivers=clients)
    ledgers: list[dict[int, Ledger]] = [{} for _ in conns]
    started = time.perf_counter()
    progress = asyncio.create_task(report_progress(ledgers, clients * clients * messages, started))
    try:
        async with asyncio.timeout(time_limit):
            await asyncio.gather(
                *(chat_sender(c, room, i, messages, size) for i, c in enumerate(conns)),
                *(chat_receiver(c, room, clients * messages, ledgers[j]) for j, c in enumerate(conns)),
            )
    except TimeoutError:
        problems.append(f"round not finished within {time_limit} s")
    except ConnectionClosed as error:
        problems.append(f"a client was disconnected: {error!r}")
    finally:
        progress.cancel()
    expected = dict.fromkeys(range(clients), messages)
    for j, ledger in enumerate(ledgers):
        problems += ledger_problems(f"receiver {j}", ledger, expected)
    deliveries = sum(ledger.received for per_receiver in ledgers for ledger in per_receiver.values())
    summary = round_summary(
        deliveries,
        started,
        problems[:20],
        messages=clients * messages,
        deliveries=deliveries,
        problem_count=len(problems),
    )
    await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
    return summary


async def report_progress(ledgers: list[dict[int, Ledger]], total: int, started: float) -> None:
    """Print how many chat messages have been delivered, every `PROGRESS_SECONDS`, until cancelled."""
    if PROGRESS_SECONDS is None:
        return
    for _ in range(int(86400 / PROGRESS_SECONDS)):  # The round cancels it at its end; a day at most.
        await asyncio.sleep(PROGRESS_SECONDS)
        done = sum(ledger.received for per_receiver in ledgers for ledger in per_receiver.values())
        print(f"   ... {done:,} of {total:,} delivered after {time.perf_counter() - started:.0f} s", flush=True)


async def burst_receiver(client: ClientConnection, count: int, ledgers: dict[int, Ledger]) -> str | None:
    """Read as fast as possible until `count` messages came; return why it ended early (a close), else None."""
    try:
        for _ in range(count):
            sender, seq = parse(await client.recv())
            ledgers.setdefault(sender, Ledger()).record(seq)
    except ConnectionClosed:
        return f"closed by the server with {client.close_code} {client.close_reason!r}"
    return None


async def burst_sender(client: ClientConnection, sender: int, messages: int, size: int) -> None:
    """Send `messages` payloads as fast as the connection takes them, no window."""
    with contextlib.suppress(ConnectionClosed):  # A dropped member's sends fail; its receiver reports it.
        for seq in range(messages):
            await client.send(payload(sender, seq, size))


async def chat_burst(server: Server, clients: int, messages: int, size: int, time_limit: float) -> dict[str, Any]:
    """`clients` chat members each send `messages` at once, no window; every member reads as fast as it can.

    Nobody is slow here, so nobody may be dropped: every member must get all
    `clients * clients * messages` deliveries exactly once, in each sender's order.
    """
    conns = await open_clients(server, clients)
    problems: list[str] = []
    if not await server.wait_room(clients, within=time_limit):
        problems.append(f"the room never had {clients} members")
    ledgers: list[dict[int, Ledger]] = [{} for _ in conns]
    total = clients * messages
    started = time.perf_counter()
    ends: list[str | None] = []
    try:
        async with asyncio.timeout(time_limit):
            receiving = asyncio.gather(*(burst_receiver(c, total, ledgers[j]) for j, c in enumerate(conns)))
            await asyncio.gather(*(burst_sender(c, i, messages, size) for i, c in enumerate(conns)), receiving)
            ends = receiving.result()
    except TimeoutError:
        problems.append(f"burst not finished within {time_limit} s")
    dropped = [f"member {j}: {end}" for j, end in enumerate(ends) if end is not None]
    problems += dropped
    for j, ledger in enumerate(ledgers):
        problems += ledger_problems(f"receiver {j}", ledger, dict.fromkeys(range(clients), messages))
    deliveries = sum(ledger.received for per_receiver in ledgers for ledger in per_receiver.values())
    summary = round_summary(deliveries, started, problems[:20], problem_count=len(problems))
    summary |= {"app": server.app, "backend": server.ws, "clients": clients, "messages": messages, "size": size}
    summary |= {"deliveries": deliveries, "expected": clients * total, "dropped": len(dropped)}
    await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
    return summary


async def chat_stall(server: Server, good: int, messages: int, time_limit: float) -> dict[str, Any]:
    """`good` members each send `messages` while one more member reads nothing; then it speaks, and reads.

    The payloads are large enough (`overflow_size`) that the stalled member's
    backlog surely passes the server's `CHAT_MAX_BACKLOG`; the good members
    share the `WINDOW` (as in `chat_round`), so a good member's own backlog,
    at most `WINDOW` messages, stays below it. The good members must
    get all of each other's messages in order, and must not hear the stalled
    member once it is dropped; the stalled member, reading at last, must get a
    prefix of the messages in each sender's order, then 1013 "too slow".
    """
    size = overflow_size(good * messages, server.max_backlog)
    conns = await open_clients(server, good)
    # A short close timeout: where the member is never dropped (Daphne), its close waits behind its backlog.
    stalled = await open_client(server, small_buffer=True, close_timeout=2)
    problems: list[str] = []
    if WINDOW * size >= server.max_backlog:
        problems.append(f"{WINDOW} messages of {size} bytes could overflow a good member too: send more, smaller")
    if not await server.wait_room(good + 1, within=time_limit):
        problems.append(f"the room never had {good + 1} members")
    ledgers: list[dict[int, Ledger]] = [{} for _ in conns]
    total = good * messages
    late: dict[str, Any] = {"received": 0, "of": total}
    late_ledgers: dict[int, Ledger] = {}
    room = Room(receivers=good)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(time_limit):
            await asyncio.gather(
                *(chat_sender(c, room, i, messages, size) for i, c in enumerate(conns)),
                *(chat_receiver(c, room, total, ledgers[j]) for j, c in enumerate(conns)),
            )
            if not await server.wait_room(good, within=time_limit):
                problems.append("the stalled member was not dropped")
            # The dropped member speaks again: nobody may hear it, and its handler must not fail.
            await stalled.send(payload(good, 0, 16))
            heard = await asyncio.gather(*(next_message(c, within=0.5) for c in conns))
            problems += [f"member {j} heard {text[:20]!r} after the end" for j, text in enumerate(heard) if text]
            with contextlib.suppress(ConnectionClosed):
                for _ in range(total):
                    sender, seq = parse(await stalled.recv())
                    late_ledgers.setdefault(sender, Ledger()).record(seq)
                    late["received"] += 1
            late |= {"close_code": stalled.close_code, "close_reason": stalled.close_reason}
    except TimeoutError:
        problems.append(f"stall round not finished within {time_limit} s")
    except ConnectionClosed as error:
        problems.append(f"a good member was disconnected: {error!r}")
    if late.get("close_code") != 1013 or late["received"] >= total:
        problems.append(f"the stalled member got {late}, not a prefix and then 1013")
    if any(ledger.duplicated or ledger.skipped for ledger in late_ledgers.values()):
        problems.append("the stalled member got a sender's messages out of order")
    for j, ledger in enumerate(ledgers):
        problems += ledger_problems(f"receiver {j}", ledger, dict.fromkeys(range(good), messages))
    deliveries = sum(ledger.received for per_receiver in ledgers for ledger in per_receiver.values())
    summary = round_summary(deliveries, started, problems[:20], problem_count=len(problems))
    summary |= {"app": server.app, "backend": server.ws, "good": good, "messages": messages, "size": size}
    summary |= {"deliveries": deliveries, "stalled_member": late}
    await asyncio.gather(*(c.close() for c in [*conns, stalled]), return_exceptions=True)
    return summary


async def next_message(client: ClientConnection, within: float) -> str | bytes | None:
    """The next message if one comes within `within` seconds, else None."""
    try:
        return await asyncio.wait_for(client.recv(), within)
    except TimeoutError:
        return None


async def load_rounds(server: Server, clients: int, messages: int, size: int, time_limit: float) -> dict[str, Any]:
    """Two identical rounds on one server: peak RSS per round, and leftovers after each."""
    round_function = chat_round if server.app == "chat" else echo_round
    baseline = await asyncio.to_thread(server.stats)
    result: dict[str, Any] = {"app": server.app, "backend": server.ws, "clients": clients, "messages": messages}
    result |= {"size": size, "baseline": {k: baseline[k] for k in ("tasks", "fds", "VmRSS")}, "rounds": []}
    problems: list[str] = []
    for number in (1, 2):
        exact_peak = server.reset_peak()
        summary = await round_function(server, clients, messages, size, time_limit)
        memory = server.memory()
        idle = await server.wait_idle(baseline, within=10)
        summary |= {"peak_rss_kib": memory["VmHWM"], "peak_is_exact": exact_peak, "idle_rss_kib": idle["VmRSS"]}
        summary |= {"idle_tasks": idle["tasks"], "idle_fds": idle["fds"], "idle_live_objects": idle["live_objects"]}
        problems += [f"round {number}: {p}" for p in summary["problems"]]
        problems += idle_problems(f"after round {number}", idle, baseline)
        result["rounds"].append(summary)
    first, second = (r["peak_rss_kib"] for r in result["rounds"])
    bound = memory_bound(first)
    result["memory"] = {"round_1_peak_kib": first, "round_2_peak_kib": second, "bound_kib": bound}
    if second > bound:
        problems.append(f"round 2 peaked at {second} KiB, above the bound {bound} KiB (round 1: {first} KiB)")
    result["problems"] = problems
    return result


def memory_bound(first_peak_kib: int) -> int:
    """The most round 2 may peak at: round 1's peak + 20 % + 8 MiB (see the Reliability page for why)."""
    return int(first_peak_kib * 1.2) + 8 * 1024


# Faults ---------------------------------------------------------------------


async def fault_round(
    server: Server, good: int, messages: int, faulty: int, size: int, time_limit: float
) -> dict[str, Any]:
    """Well-behaved clients alongside `faulty` clients of each kind; the well-behaved ones must not notice.

    The kinds: a client that drops TCP halfway through its messages (no close
    frame), one that closes normally halfway, and one that never reads (with a
    4 KiB receive buffer, so it fills). For the chat, a second never-reading
    client starts reading at the end and must get a prefix of the messages and
    then the 1013 "too slow" close; for the echo, the never-reading clients are
    simply dropped at the end.
    """
    baseline = await asyncio.to_thread(server.stats)
    rss_before = server.memory()["VmRSS"]
    exact_peak = server.reset_peak()
    chat = server.app == "chat"
    if chat:
        size = max(size, overflow_size(good * messages, server.max_backlog))
    conns = await open_clients(server, good)
    droppers = await open_clients(server, faulty)
    closers = await open_clients(server, faulty)
    silent = [await open_client(server, small_buffer=True) for _ in range(faulty + 1)]
    problems: list[str] = []
    if chat and not await server.wait_room(good + 3 * faulty + 1, within=time_limit):
        problems.append("not every client joined the room")
    started = time.perf_counter()
    half = messages // 2
    outcome: dict[str, Any] = {"app": server.app, "backend": server.ws, "good_clients": good, "messages": messages}
    outcome |= {"droppers": faulty, "closers": faulty, "never_read": len(silent), "size": size}
    try:
        async with asyncio.timeout(time_limit):
            if chat:
                problems += await chat_faults(conns, droppers, closers, silent, messages, half, size, outcome)
            else:
                problems += await echo_faults(conns, droppers, closers, silent, messages, half, size, outcome)
    except TimeoutError:
        problems.append(f"fault round not finished within {time_limit} s")
    except ConnectionClosed as error:
        problems.append(f"a well-behaved client was disconnected: {error!r}")
    outcome["seconds"] = round(time.perf_counter() - started, 3)
    await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
    for client in silent:
        abort(client)  # A client that never reads will not answer a close either.
    idle = await server.wait_idle(baseline, within=10)
    problems += idle_problems("after the faults", idle, baseline, disconnects_allowed=True)
    memory = server.memory()
    rss_after, peak = memory["VmRSS"], memory["VmHWM"]
    # Both fd counts are taken the same way, by the server while it answers the stats request.
    outcome |= {"tasks": [baseline["tasks"], idle["tasks"]], "fds": [baseline["fds"], idle["fds"]]}
    outcome |= {"rss_kib": [rss_before, rss_after], "peak_rss_kib": peak, "peak_is_exact": exact_peak}
    outcome |= {"live_objects_after": idle["live_objects"], "app_errors": idle["app_errors"]}
    if peak > memory_bound(rss_before):
        problems.append(f"RSS peaked at {peak} KiB during the faults, from {rss_before} KiB before")
    if rss_after > memory_bound(rss_before):
        problems.append(f"RSS went from {rss_before} KiB to {rss_after} KiB")
    outcome["problems"] = problems
    return outcome


def kernel_buffer_max(name: str) -> int:
    """The largest a TCP buffer may grow: the third figure of /proc/sys/net/ipv4/tcp_{rmem,wmem}."""
    try:
        return int(Path(f"/proc/sys/net/ipv4/tcp_{name}").read_text().split()[2])
    except (OSError, IndexError, ValueError):
        return 32 * 2**20  # Generous when unknown.


def stuff_limit() -> int:
    """How many 4 KiB messages a never-reading echo client may send: twice what every buffer can hold.

    Its messages fill the server's receive buffer, its own send buffer, and the
    echoes fill the server's send buffer; past that the server must stop reading.
    """
    return 2 * (kernel_buffer_max("rmem") + 2 * kernel_buffer_max("wmem")) // 4096


def overflow_size(messages: int, backlog: int) -> int:
    """A chat payload size at which `messages` broadcasts surely overflow a client that never reads.

    Before the room's backlog passes `backlog` bytes (chat's `MAX_BACKLOG`), the
    kernel's send buffer (which grows up to the third figure of `tcp_wmem`, 4 MiB
    by default) and asyncio's write buffer must fill; twice that, plus the
    backlog, plus 1 MiB, is sent in all.
    """
    return (2 * kernel_buffer_max("wmem") + backlog + 2**20) // messages + 1


async def drain(client: ClientConnection, limit: int) -> None:
    """Read and discard up to `limit` messages until the connection ends (a faulty client still reads)."""
    with contextlib.suppress(ConnectionClosed):
        for _ in range(limit):
            await client.recv()


async def echo_faults(
    conns: list[ClientConnection],
    droppers: list[ClientConnection],
    closers: list[ClientConnection],
    silent: list[ClientConnection],
    messages: int,
    half: int,
    size: int,
    outcome: dict[str, Any],
) -> list[str]:
    """Echo: droppers and closers leave halfway, the silent clients send without reading, and the
    well-behaved clients check every echo."""

    async def leave_halfway(client: ClientConnection, sender: int, dropped: bool) -> None:
        for seq in range(half):
            await client.send(payload(sender, seq, size))
            await client.recv()
        await client.send(payload(sender, half, size))  # Its echo is on its way as the client leaves.
        if dropped:
            abort(client)
        else:
            await client.close()

    limit = stuff_limit()

    async def stuff(client: ClientConnection, sender: int) -> int:
        """Send 4 KiB messages and never read, until a send stalls for 1 s; return how many went."""
        sent = 0
        with contextlib.suppress(ConnectionClosed, TimeoutError):
            for seq in range(limit):
                await asyncio.wait_for(client.send(payload(sender, seq, 4096)), 1.0)
                sent += 1
        return sent

    first = len(conns)
    faults = [leave_halfway(c, first + i, True) for i, c in enumerate(droppers)]
    faults += [leave_halfway(c, first + len(droppers) + i, False) for i, c in enumerate(closers)]
    results = await asyncio.gather(
        *(echo_client(c, i, messages, size) for i, c in enumerate(conns)),
        *faults,
        *(stuff(c, 1000 + i) for i, c in enumerate(silent)),
    )
    sent = [count for count in results[-len(silent) :] if isinstance(count, int)]
    outcome["never_read_result"] = {"sent_before_blocked": sent, "limit": limit, "size": 4096}
    problems = []
    ledgers = [ledger for ledger in results[:first] if isinstance(ledger, Ledger)]
    for i, ledger in enumerate(ledgers):
        problems += ledger_problems(f"client {i}", {i: ledger}, {i: messages})
    if any(count >= limit for count in sent):
        problems.append(f"a never-reading client sent all {limit} messages: the server never stopped reading it")
    return problems


async def chat_faults(
    conns: list[ClientConnection],
    droppers: list[ClientConnection],
    closers: list[ClientConnection],
    silent: list[ClientConnection],
    messages: int,
    half: int,
    size: int,
    outcome: dict[str, Any],
) -> list[str]:
    """Chat: faulty clients broadcast and then leave mid-broadcast; the silent ones get cut off."""
    good = len(conns)
    room = Room(receivers=good)
    ledgers: list[dict[int, Ledger]] = [{} for _ in conns]
    faulty = droppers + closers
    faulty_ids = range(good, good + len(faulty))
    # Sent by all the faulty clients before they leave, and seen by the well-behaved ones.
    faulty_sent = len(faulty) * half

    async def leave_halfway(client: ClientConnection, sender: int, dropped: bool) -> None:
        reading = asyncio.create_task(drain(client, 10**9))
        await paced_sender(client, room, sender, half, size)
        if dropped:
            abort(client)
        else:
            await client.close()
        await reading

    total = good * messages + faulty_sent
    await asyncio.gather(
        *(chat_sender(c, room, i, messages, size) for i, c in enumerate(conns)),
        *(chat_receiver(c, room, total, ledgers[j]) for j, c in enumerate(conns)),
        *(
            leave_halfway(c, sender, sender < good + len(droppers))
            for c, sender in zip(faulty, faulty_ids, strict=True)
        ),
    )
    expected = dict.fromkeys(range(good), messages) | dict.fromkeys(faulty_ids, half)
    problems = []
    for j, ledger in enumerate(ledgers):
        problems += ledger_problems(f"receiver {j}", ledger, expected)
    # The last never-reading client reads now: it must get messages in per-sender order, then 1013.
    late = silent[-1]
    late_ledgers: dict[int, Ledger] = {}
    got = 0
    try:
        for _ in range(total):
            sender, seq = parse(await late.recv())
            late_ledgers.setdefault(sender, Ledger()).record(seq)
            got += 1
    except ConnectionClosed:
        pass
    code, reason = late.close_code, late.close_reason
    outcome["never_read_result"] = {"received": got, "of": total, "close_code": code, "close_reason": reason}
    if code != 1013 or got >= total:
        problems.append(f"the never-reading client got {got} of {total} messages and close code {code} {reason!r}")
    for sender, late_ledger in late_ledgers.items():
        if late_ledger.duplicated or late_ledger.skipped:
            problems.append(f"the never-reading client got sender {sender}'s messages out of order")
    return problems


# Results --------------------------------------------------------------------


def results_document(kind: str, command: str, scale: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    """One run's results as `doctests.sitegen.pages.reliability` reads them (`builddata.RELIABILITY`)."""
    document = {"kind": kind, "command": command, "scale": scale, **results}
    sections = ("load", "faults", "policy")
    problems = [p for section in sections for entry in results.get(section, []) for p in entry["problems"]]
    document["passed"] = not problems
    return document
