"""Measure what five ASGI servers do with WebSockets, case by case, side by side.

The probe starts each server in `SERVERS` (uvicorn with each of its two
WebSocket backends, Hypercorn, Daphne and Granian's ASGI interface) as a
subprocess on 127.0.0.1 with a free port, runs the raw ASGI app
`doctests.measure.probe_app` inside it, and plays every case in `CASES` once
with a raw WebSocket client that shows exact status lines, headers and close
frames. The app writes what it observed to a JSON-lines file per connection;
the client records what it saw. Both go into `builddata.SERVERS` as data, not
prose; `doctests/sitegen/pages/servers.py` turns them into the comparison table.

The servers run in parallel, the cases of one server one after another. The
shutdown case starts fresh servers, `SHUTDOWN_RUNS` times per signal, because
its outcome is known to vary between runs. Every wait has a bound; a wait that
runs out is an observation ("no response within 1.5 s"), never a hang. Every
server is stopped by its own pid (SIGINT, then SIGKILL after `STOP_WAIT`) and
its child processes are checked afterwards. Keepalive defaults are read from
each server's configuration and command line, not waited for. Run it with:

    python -m doctests.measure.probe    # see builddata.SERVERS

The servers are started and stopped by `doctests.measure.servers`, which the
tests use too; `running_server` (uvicorn in a thread) is re-exported from there.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import inspect
import json
import os
import signal
import struct
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from doctests.builddata import SERVERS as OUTPUT
from doctests.measure.probe_app import APP_WAIT, LONG_REASON
from doctests.measure.servers import (
    BACKENDS,
    SERVERS,
    STOP_WAIT,
    Process,
    Server,
    running_server,
    version,
)

__all__ = ["BACKENDS", "CASES", "SERVERS", "SHUTDOWN", "SHUTDOWN_RUNS", "measure", "running_server"]

WINDOW = 1.5  # Seconds the client watches for something that may never come.
SHUTDOWN_RUNS = 2  # Runs per signal of the shutdown case.
APP = "doctests.measure.probe_app:app"
MiB = 1024 * 1024

Json = dict[str, Any]


# The raw client ----------------------------------------------------------------


def mask(payload: bytes, key: bytes) -> bytes:
    """RFC 6455 masking, done on one big integer so that megabytes take milliseconds."""
    if not payload:
        return b""
    size = len(payload)
    keys = (key * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(keys, "little")).to_bytes(size, "little")


def valid_code(code: int) -> bool:
    """Whether a client may send `code` back (RFC 6455 section 7.4)."""
    return code in (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011) or 3000 <= code <= 4999


def close_payload(payload: bytes) -> Json:
    """A close frame's payload as data: code, reason, sizes."""
    if not payload:
        return {"code": None, "reason": "", "payload_bytes": 0}
    (code,) = struct.unpack("!H", payload[:2])
    reason = payload[2:].decode("utf-8", errors="replace")
    shown = reason if len(payload) <= 42 else f"<{len(payload) - 2}-byte reason>"
    return {"code": code, "reason": shown, "reason_bytes": len(payload) - 2, "payload_bytes": len(payload)}


class Wire:
    """A raw WebSocket client: exact status lines, headers and frames, every read bounded."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(
        cls, port: int, path: str, protocols: tuple[str, ...] = (), window: float = WINDOW
    ) -> tuple[Wire | None, Json]:
        """Connect and shake hands. Returns the open `Wire` on 101 (else None) and what was seen."""
        started = time.monotonic()
        seen: Json = {}
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), window)
        except (OSError, TimeoutError) as error:
            return None, {"status": None, "end": type(error).__name__}
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if protocols:
            lines.append(f"Sec-WebSocket-Protocol: {', '.join(protocols)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), window)
        except TimeoutError:
            writer.transport.abort()
            return None, {"status": None, "end": f"no response within {window:g} s"}
        except (OSError, asyncio.IncompleteReadError) as error:
            writer.transport.abort()
            end = "reset" if isinstance(error, ConnectionResetError) else "closed"
            return None, {"status": None, "end": f"connection {end}", "after": round(time.monotonic() - started, 2)}
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        seen["status"] = int(parts[1])
        seen["status_line"] = status_line
        seen["headers"] = [line.split(":", 1)[0].strip().lower() for line in header_lines if ":" in line]
        seen["header_values"] = {
            line.split(":", 1)[0].strip().lower(): line.split(":", 1)[1].strip() for line in header_lines if ":" in line
        }
        wire = cls(reader, writer)
        if seen["status"] == 101:
            return wire, seen
        length = int(seen["header_values"].get("content-length", "-1"))
        with contextlib.suppress(TimeoutError, OSError, asyncio.IncompleteReadError):
            body = await asyncio.wait_for(reader.readexactly(length) if length >= 0 else reader.read(4096), window)
            seen["body"] = body.decode("utf-8", errors="replace")[:60]
        writer.transport.abort()
        return None, seen

    async def send(self, opcode: int, payload: bytes) -> str | None:
        """Send one masked frame with FIN set; returns how sending failed, if it did."""
        size = len(payload)
        if size < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
        elif size < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 0xFE, size)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0xFF, size)
        key = os.urandom(4)
        try:
            self.writer.write(head + key + mask(payload, key))
            await asyncio.wait_for(self.writer.drain(), 2 * WINDOW)
        except (OSError, TimeoutError) as error:
            return type(error).__name__
        return None

    async def close(self, code: int | None, reason: str = "") -> str | None:
        """Send a close frame (`None`: an empty one)."""
        return await self.send(0x8, b"" if code is None else struct.pack("!H", code) + reason.encode())

    def abort(self) -> None:
        """Drop the TCP connection with no close frame."""
        self.writer.transport.abort()

    async def frame(self, window: float) -> tuple[int, bytes]:
        first, second = await asyncio.wait_for(self.reader.readexactly(2), window)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", await self.reader.readexactly(8))
        key = await self.reader.readexactly(4) if second & 0x80 else b""
        payload = await asyncio.wait_for(self.reader.readexactly(size), window)
        return first & 0x0F, mask(payload, key) if key else payload

    async def until_close(self, window: float = WINDOW) -> Json:
        """Read frames until a close frame, the end of TCP, or `window` seconds; answer a close frame."""
        started = time.monotonic()
        seen: Json = {"frames": []}
        for _ in range(64):
            left = window - (time.monotonic() - started)
            try:
                opcode, payload = await self.frame(max(left, 0.01))
            except TimeoutError:
                seen["end"] = f"nothing within {window:g} s"
                break
            except (OSError, asyncio.IncompleteReadError) as error:
                seen["end"] = "TCP reset" if isinstance(error, ConnectionResetError) else "TCP closed"
                break
            if opcode == 0x8:
                seen["close"] = close_payload(payload)
                seen["end"] = "close frame"
                code = seen["close"]["code"]
                await self.close(code if code is None or valid_code(code) else 1002)
                break
            kind = {0x1: "text", 0x2: "binary", 0x9: "ping", 0xA: "pong"}.get(opcode, f"opcode {opcode}")
            seen["frames"].append(f"{kind} {payload[:20]!r}")
        seen["after"] = round(time.monotonic() - started, 2)
        return seen


# The cases ---------------------------------------------------------------------


@dataclass
class Context:
    """One connection of one case: where to connect, and what the client saw."""

    port: int
    path: str
    left: Path
    client: Json = field(default_factory=dict)

    async def open(self, protocols: tuple[str, ...] = ()) -> Wire | None:
        wire, self.client["handshake"] = await Wire.open(self.port, self.path, protocols)
        return wire

    def leave(self, wire: Wire, abort: bool = True) -> None:
        if abort:
            wire.abort()
        self.left.touch()


ClientSide = Callable[[Context], Awaitable[None]]


def sends(opcode: int, payload: bytes) -> ClientSide:
    """Send one frame, then close with 1000 and read the answer."""

    async def client_side(context: Context) -> None:
        if wire := await context.open():
            context.client["send"] = await wire.send(opcode, payload)
            await wire.close(1000)
            context.client["after"] = await wire.until_close()
            wire.abort()

    return client_side


def sends_only(opcode: int, payload: bytes) -> ClientSide:
    """Send one frame and watch what comes back, without closing."""

    async def client_side(context: Context) -> None:
        if wire := await context.open():
            context.client["send"] = await wire.send(opcode, payload)
            context.client["after"] = await wire.until_close()
            wire.abort()

    return client_side


def closes(code: int | None, reason: str = "") -> ClientSide:
    """Close with `code` (None: an empty close frame) and read the answer."""

    async def client_side(context: Context) -> None:
        if wire := await context.open():
            await wire.close(code, reason)
            context.client["after"] = await wire.until_close()
            context.leave(wire)

    return client_side


async def drops(context: Context) -> None:
    """Drop TCP with no close frame."""
    if wire := await context.open():
        context.leave(wire)


async def handshake_only(context: Context) -> None:
    """Shake hands, then close with 1000 if it opened."""
    if wire := await context.open(("p1", "p2") if context.path.startswith("/scope/") else ()):
        await wire.close(1000)
        context.client["after"] = await wire.until_close()
        wire.abort()


async def offers_p1(context: Context) -> None:
    """Offer the subprotocol p1 only (the app picks p9)."""
    if wire := await context.open(("p1",)):
        await wire.close(1000)
        context.client["after"] = await wire.until_close()
        wire.abort()


async def waits_for_close(context: Context) -> None:
    """Wait for the app's close frame; answer it."""
    if wire := await context.open():
        context.client["after"] = await wire.until_close()
        wire.abort()


@dataclass(frozen=True)
class Case:
    """One probe case: what the client does, in words and in code (the app's half is in `probe_app`)."""

    id: str
    title: str
    does: str
    client: ClientSide


CASES = (
    Case("text-frame", "Text frame", "The client sends the text frame 'hé', then closes.", sends(0x1, "hé".encode())),
    Case(
        "binary-frame",
        "Binary frame",
        r"The client sends the binary frame b'\x00\xff', then closes.",
        sends(0x2, b"\x00\xff"),
    ),
    Case("client-close", "Client closes", "The client closes with 4001 'bye'; the app receives.", closes(4001, "bye")),
    Case(
        "client-close-empty",
        "Client closes, no code",
        "The client sends a close frame with an empty payload.",
        closes(None),
    ),
    Case("tcp-drop", "TCP drop", "The client drops TCP with no close frame; the app receives.", drops),
    Case(
        "send-after-close",
        "Send after client closed",
        "The client closes with 1000; the app, without receiving, sends twice.",
        closes(1000),
    ),
    Case(
        "send-after-drop",
        "Send after TCP drop",
        "The client drops TCP; the app, without receiving, sends twice.",
        drops,
    ),
    Case(
        "send-after-disconnect",
        "Send after disconnect",
        "The client closes with 1000; the app receives the disconnect, then sends.",
        closes(1000),
    ),
    Case("accept-headers", "Headers on accept", "The app accepts with the header `x-probe: yes`.", handshake_only),
    Case(
        "reject", "Close before accept", "The app sends `websocket.close` (4003) instead of accepting.", handshake_only
    ),
    Case(
        "deny-response",
        "Denial response",
        "The app sends `websocket.http.response.start` (401, `x-deny: 1`) and a body `denied`.",
        handshake_only,
    ),
    Case("return-before-accept", "Return before accept", "The app returns after `websocket.connect`.", handshake_only),
    Case("raise-before-accept", "Raise before accept", "The app raises after `websocket.connect`.", handshake_only),
    *(
        Case(
            f"close-{code}",
            f"App closes with {code}",
            f"The app accepts, then closes with {code}, which RFC 6455 forbids sending.",
            waits_for_close,
        )
        for code in (1005, 1006, 999, 5000)
    ),
    Case("close-reason", "App closes with a reason", "The app closes with 4000 'done'.", waits_for_close),
    Case(
        "close-long-reason",
        "Reason over 123 bytes",
        f"The app closes with 1000 and {len(LONG_REASON)} 'é' ({len(LONG_REASON.encode())} UTF-8 bytes).",
        waits_for_close,
    ),
    Case(
        "size-1MiB+1",
        "1 MiB + 1 message",
        "The client sends one binary frame of 1 MiB + 1 byte.",
        sends_only(0x2, bytes(MiB + 1)),
    ),
    Case(
        "size-16MiB+1",
        "16 MiB + 1 message",
        "The client sends one binary frame of 16 MiB + 1 byte.",
        sends_only(0x2, bytes(16 * MiB + 1)),
    ),
    Case(
        "invalid-utf8",
        "Invalid UTF-8",
        r"The client sends a text frame whose payload is b'\xff\xfe'.",
        sends_only(0x1, b"\xff\xfe"),
    ),
    Case(
        "subprotocol-not-offered",
        "Subprotocol not offered",
        "The client offers `p1`; the app accepts with `p9`.",
        offers_p1,
    ),
    Case(
        "scope",
        "Scope",
        "The client connects to `/scope/…?q=1` offering `p1, p2`; the app records the scope.",
        handshake_only,
    ),
)
SHUTDOWN = Case(
    "shutdown",
    "Shutdown",
    f"With the app waiting in `receive()`, the server gets SIGINT or SIGTERM ({SHUTDOWN_RUNS} runs each, "
    "each on a fresh server); then the app sends.",
    drops,  # Not used: `shutdown_run` plays this case.
)


def app_notes(folder: Path, nonce: str) -> list[Json]:
    path = folder / f"{nonce}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


async def app_finished(folder: Path, nonce: str, within: float) -> bool:
    """Wait, bounded, for the app's `done` note."""
    deadline = time.monotonic() + within
    for _ in range(int(within / 0.02) + 1):
        if any(note["op"] == "done" for note in app_notes(folder, nonce)) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.02)
    return any(note["op"] == "done" for note in app_notes(folder, nonce))


async def run_case(case: Case, port: int, folder: Path) -> Json:
    nonce = uuid.uuid4().hex[:12]
    query = "?q=1" if case.id == "scope" else ""
    context = Context(port, f"/{case.id}/{nonce}{query}", folder / f"{nonce}.left")
    started = time.monotonic()
    try:
        await asyncio.wait_for(case.client(context), 4 * WINDOW + 2)
    except TimeoutError:
        context.client["timeout"] = f"client side over {4 * WINDOW + 2:g} s"
    finished = await app_finished(folder, nonce, APP_WAIT + 1.5)
    return {
        "app": app_notes(folder, nonce),
        "app_finished": finished,
        "client": context.client,
        "seconds": round(time.monotonic() - started, 2),
    }


def start(server: Server, folder: Path, role: str) -> Process:
    """One server process running the probe app, which writes its notes into `folder`."""
    return Process(server, folder, role, APP, env={"PROBE_NOTES": str(folder)})


def ready_request() -> bytes:
    """A WebSocket handshake on a path of its own: a server is ready once it answers it."""
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET /ready/{uuid.uuid4().hex[:12]} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


async def shutdown_run(server: Server, signum: int, folder: Path) -> Json:
    """A fresh server, one connection with the app in `receive()`, then the signal."""
    process = start(server, folder, f"{signal.Signals(signum).name}-{uuid.uuid4().hex[:6]}")
    await process.ready(ready_request())
    nonce = uuid.uuid4().hex[:12]
    wire, handshake = await Wire.open(process.port, f"/shutdown/{nonce}")
    client: Json = {"handshake": handshake}
    if wire is not None:
        for _ in range(100):  # Up to 2 s for the app to note its accept.
            if any(note["op"] == "send" for note in app_notes(folder, nonce)):
                break
            await asyncio.sleep(0.02)
        watch = asyncio.create_task(wire.until_close(STOP_WAIT))
        stopped = await process.stop(signum)
        client["after"] = await watch
        wire.abort()
    else:
        stopped = await process.stop(signum)
    await app_finished(folder, nonce, 0.5)
    return {"app": app_notes(folder, nonce), "client": client, "process": stopped}


async def probe_server(server: Server, folder: Path) -> Json:
    """Every case on one server, then the shutdown runs; each process checked after it stops."""
    started = time.monotonic()
    process = start(server, folder, "cases")
    try:
        await process.ready(ready_request())
        cases = {case.id: await run_case(case, process.port, folder) for case in CASES}
    finally:
        processes = [await process.stop()]
    shutdown: dict[str, list[Json]] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        for _ in range(SHUTDOWN_RUNS):
            run = await shutdown_run(server, signum, folder)
            processes.append(run.pop("process"))
            shutdown.setdefault(signal.Signals(signum).name, []).append(run)
    return {
        "cases": cases,
        "shutdown": shutdown,
        "processes": processes,
        "command": [Path(part).name if part == sys.executable else part for part in process.command],
        "seconds": round(time.monotonic() - started, 2),
    }


# Keepalive and size defaults, read from each server's configuration ------------


def configured_defaults(server: Server) -> Json:
    """Default ping interval/timeout and size limits, from the server's config or command line."""
    if server.package == "uvicorn":
        parameters = inspect.signature(uvicorn.Config.__init__).parameters
        return {
            "ping_interval": parameters["ws_ping_interval"].default,
            "ping_timeout": parameters["ws_ping_timeout"].default,
            "max_message": parameters["ws_max_size"].default,
            "source": "uvicorn.Config: ws_ping_interval, ws_ping_timeout, ws_max_size",
        }
    if server.package == "hypercorn":
        from hypercorn.config import Config

        return {
            "ping_interval": Config.websocket_ping_interval,
            "ping_timeout": None,
            "max_message": Config.websocket_max_message_size,
            "graceful_timeout": Config.graceful_timeout,
            "source": "hypercorn.config.Config: websocket_ping_interval, websocket_max_message_size",
        }
    if server.package == "daphne":
        from daphne.cli import CommandLineInterface  # type: ignore[import-untyped]

        args = CommandLineInterface().parser.parse_args([APP])
        return {
            "ping_interval": args.ping_interval,
            "ping_timeout": args.ping_timeout,
            "max_message": args.websocket_max_message_size,
            "max_frame": args.websocket_max_frame_size,
            "source": "daphne's command line: --ping-interval, --ping-timeout, --websocket-max-message-size",
        }
    from granian.cli import cli

    names = sorted(str(parameter.name) for parameter in cli.params)
    pings = [name for name in names if "ping" in name]
    return {
        "ping_interval": None,
        "ping_timeout": None,
        "max_message": None,
        "options": len(names),
        "ping_options": pings,
        "source": f"granian's command line: none of its {len(names)} options is about WebSocket pings or sizes",
    }


def measure(only: tuple[str, ...] = ()) -> Json:
    """Run the whole probe: every case on every installed server, the servers in parallel."""
    started = time.monotonic()
    chosen = [server for server in SERVERS if not only or server.id in only]
    servers: list[Json] = []
    for server in chosen:
        installed = version(server.package)
        extra = {"websockets-sansio": "websockets", "wsproto": "wsproto"}.get(server.name.split("(")[-1].rstrip(")"))
        entry: Json = {"id": server.id, "name": server.name, "package": server.package, "version": installed}
        if extra:
            entry["backend_version"] = f"{extra} {version(extra)}"
        if installed is None:
            entry["skipped"] = f"{server.package} is not installed in {sys.prefix}"
        else:
            entry["defaults"] = configured_defaults(server)
        servers.append(entry)

    async def run_all() -> list[Json]:
        with tempfile.TemporaryDirectory(prefix="probe-") as name:
            runs = [
                probe_server(server, Path(name))
                for server, entry in zip(chosen, servers, strict=True)
                if "skipped" not in entry
            ]
            return list(await asyncio.gather(*runs))

    results = iter(asyncio.run(run_all()))
    for entry in servers:
        if "skipped" not in entry:
            entry |= next(results)
    return {
        "config": {"window_seconds": WINDOW, "app_wait_seconds": APP_WAIT, "shutdown_runs": SHUTDOWN_RUNS},
        "cases": [{"id": case.id, "title": case.title, "does": case.does} for case in (*CASES, SHUTDOWN)],
        "servers": servers,
        "seconds": round(time.monotonic() - started, 2),
    }


def main() -> None:
    """Command line: write the measurements as JSON."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, help=f"where to write the JSON (default {OUTPUT.target})")
    parser.add_argument("--only", nargs="*", default=[], choices=[server.id for server in SERVERS])
    arguments = parser.parse_args()
    results = measure(tuple(arguments.only))
    out = OUTPUT.write(results, arguments.out)
    print(f"wrote {out} in {results['seconds']} s")


if __name__ == "__main__":
    main()
