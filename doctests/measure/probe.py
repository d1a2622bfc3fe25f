"""Measure what uvicorn's WebSocket backends really do at the edges of the protocol.

For each backend (`websockets-sansio`, `wsproto`) the probe starts uvicorn on
127.0.0.1 with a free port, runs every case in `CASES` once with a real client
(the `websockets` library), and records what the ASGI app and the client
observed, as short descriptions produced from the actual messages, return
values and exceptions. Every wait has a timeout; a wait that runs out is
recorded as "timeout" instead of hanging. Run it with:

    python -m doctests.measure.probe    # make build/servers.json

`doctests/sitegen/pages/servers.py` turns the JSON into the "What servers do" page.
The module also holds `running_server`, which the tests under `tests/servers/`
use to start and stop uvicorn.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from doctests.builddata import SERVERS

BACKENDS = ("websockets-sansio", "wsproto")
MAX_SIZE = 1024  # ws_max_size for the probe: small, so "too big" is cheap to send.
WAIT = 2.0  # Seconds any single wait may take before it is recorded as "timeout".

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


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


# Descriptions ---------------------------------------------------------------


def short_reason(reason: str) -> str:
    """A close reason as `repr`, or as its size in UTF-8 bytes when it is long."""
    size = len(reason.encode())
    return repr(reason) if size <= 80 else f"<{size}-byte reason>"


def message_text(message: Message) -> str:
    """An ASGI message as `type key=value ...`."""
    fields = []
    for key, value in message.items():
        if key == "type":
            continue
        if key == "reason":
            shown = short_reason(value)
        elif key == "code" and type(value) is not int:
            shown = f"{int(value)} ({type(value).__name__})"  # An IntEnum from the protocol library.
        else:
            shown = repr(value)
        fields.append(f"{key}={shown}")
    return " ".join([message["type"], *fields])


def error_text(error: BaseException) -> str:
    """An exception as `Type: message`, cut to a readable length."""
    text = str(error).strip()
    if len(text) > 70:
        text = text[:67] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def closes_text(client: ClientConnection) -> str:
    """The close frames the client received and sent."""
    protocol = client.protocol
    received, sent = protocol.close_rcvd, protocol.close_sent
    parts = [
        f"got close {received.code} {short_reason(received.reason)}" if received else "got no close frame",
        f"sent close {sent.code} {short_reason(sent.reason)}" if sent else "sent no close frame",
    ]
    return ", ".join(parts)


# The app side ---------------------------------------------------------------


class Notes(list[str]):
    """Observations, in order, from one side of one case."""

    async def receive(self, receive: Receive, wait: float = WAIT) -> Message | None:
        """Await one ASGI message, noting it (or a timeout)."""
        try:
            message = await asyncio.wait_for(receive(), wait)
        except TimeoutError:
            self.append(f"receive(): timeout after {wait:g} s")
            return None
        self.append(f"receive() → {message_text(message)}")
        return message

    async def send(self, send: Send, message: Message) -> bool:
        """Send one ASGI message, noting whether it returned or raised."""
        try:
            await asyncio.wait_for(send(message), WAIT)
        except TimeoutError:
            self.append(f"send({message_text(message)}): timeout after {WAIT:g} s")
            return False
        except Exception as error:  # The exception is the observation.
            self.append(f"send({message_text(message)}) raised {error_text(error)}")
            return False
        self.append(f"send({message_text(message)}) returned")
        return True


async def wait_for_event(event: threading.Event, wait: float = WAIT) -> bool:
    """Poll a thread event from async code, for at most `wait` seconds."""
    deadline = time.monotonic() + wait
    while not event.is_set():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


ACCEPT = {"type": "websocket.accept"}
HELLO = {"type": "websocket.send", "text": "hello"}


@dataclass
class Run:
    """The shared state of one case while it runs: notes and the events between sides."""

    app: Notes
    client: Notes
    client_left: threading.Event
    app_done: threading.Event
    server: uvicorn.Server | None = None


AppSide = Callable[[Run, Receive, Send], Awaitable[None]]
ClientSide = Callable[[Run, str], Awaitable[None]]


async def accepted(run: Run, receive: Receive, send: Send) -> None:
    """The start of most cases: read `websocket.connect`, then accept."""
    await run.app.receive(receive)
    await run.app.send(send, ACCEPT)


def app_close_with(code: int, reason: str = "") -> AppSide:
    """An app side that accepts, then closes with `code` and `reason`."""

    async def app_side(run: Run, receive: Receive, send: Send) -> None:
        await accepted(run, receive, send)
        await run.app.send(send, {"type": "websocket.close", "code": code, "reason": reason})
        await run.app.receive(receive)

    return app_side


async def app_reject(run: Run, receive: Receive, send: Send) -> None:
    await run.app.receive(receive)
    await run.app.send(send, {"type": "websocket.close", "code": 4003, "reason": ""})
    await run.app.receive(receive)


async def app_accept_then_receive(run: Run, receive: Receive, send: Send) -> None:
    await accepted(run, receive, send)
    await run.app.receive(receive)


async def app_send_after_leave(run: Run, receive: Receive, send: Send) -> None:
    """Send twice after the client left, without reading its disconnect first."""
    await accepted(run, receive, send)
    if not await wait_for_event(run.client_left):
        run.app.append("timeout waiting for the client to leave")
    await asyncio.sleep(0.25)  # Let the server process the close frame or the lost connection.
    await run.app.send(send, HELLO)
    await run.app.send(send, HELLO)
    await run.app.receive(receive)


async def app_send_after_disconnect(run: Run, receive: Receive, send: Send) -> None:
    """Read the disconnect first, then send."""
    await accepted(run, receive, send)
    await run.app.receive(receive)
    await run.app.send(send, HELLO)


async def app_shutdown(run: Run, receive: Receive, send: Send) -> None:
    await accepted(run, receive, send)
    await run.app.receive(receive, wait=2 * WAIT)
    await run.app.send(send, HELLO)


# The client side ------------------------------------------------------------


@contextlib.asynccontextmanager
async def client(run: Run, url: str) -> AsyncIterator[ClientConnection | None]:
    """Connect to `url`, noting a refused handshake (yields None then)."""
    try:
        connection = await connect(url, open_timeout=WAIT, close_timeout=1, ping_interval=None, max_size=None)
    except InvalidStatus as refused:
        run.client.append(f"handshake refused: HTTP {refused.response.status_code}")
        yield None
        return
    except TimeoutError:
        run.client.append(f"handshake: timeout after {WAIT:g} s")
        yield None
        return
    try:
        yield connection
    finally:
        connection.transport.abort()  # Whatever state the case left it in, free the socket.


async def receive_until_closed(run: Run, connection: ClientConnection) -> None:
    """Read until the connection closes; note the messages, then the close frames."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            message = await asyncio.wait_for(connection.recv(), max(deadline - time.monotonic(), 0.01))
        except ConnectionClosed as closed:
            run.client.append(f"recv() raised {type(closed).__name__}; {closes_text(connection)}")
            return
        except TimeoutError:
            break
        run.client.append(f"recv() → {message!r}"[:80])
    run.client.append(f"recv(): timeout after {WAIT:g} s")


async def client_plain(run: Run, url: str) -> None:
    """Connect and wait for the server to close (or refuse)."""
    async with client(run, url) as connection:
        if connection is not None:
            await receive_until_closed(run, connection)


def client_close_with(code: int | None, reason: str = "") -> ClientSide:
    """A client side that closes with `code` (None: a close frame with no code)."""

    async def client_side(run: Run, url: str) -> None:
        async with client(run, url) as connection:
            if connection is None:
                return
            # websockets sends an empty close frame for code None; its annotation says int.
            await asyncio.wait_for(connection.close(code, reason), WAIT)  # type: ignore[arg-type]
            run.client.append(f"close() returned; {closes_text(connection)}")
            run.client_left.set()

    return client_side


async def client_drop(run: Run, url: str) -> None:
    """Connect, then drop the TCP connection with no close frame."""
    async with client(run, url) as connection:
        if connection is None:
            return
        connection.transport.abort()
        run.client.append("aborted the TCP connection (no close frame)")
        run.client_left.set()


def client_sends(data: str | bytes, text: bool | None = None) -> ClientSide:
    """A client side that sends one message, then reads until closed."""

    async def client_side(run: Run, url: str) -> None:
        async with client(run, url) as connection:
            if connection is None:
                return
            await connection.send(data, text=text)
            await receive_until_closed(run, connection)

    return client_side


async def client_shutdown(run: Run, url: str) -> None:
    """Connect, stop the server, and read until closed."""
    async with client(run, url) as connection:
        if connection is None:
            return
        assert run.server is not None
        run.server.should_exit = True
        run.client.append("server told to exit")
        await receive_until_closed(run, connection)


# The cases ------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One probe case: what each side does, in words and in code."""

    id: str
    title: str
    does: str
    app: AppSide
    client: ClientSide


LONG_REASON = "é" * 62  # 62 characters, 124 UTF-8 bytes: one byte over the limit.

CASES = (
    Case(
        "reject",
        "Close before accept",
        "The app sends `websocket.close` (code 4003) instead of accepting, then receives.",
        app_reject,
        client_plain,
    ),
    Case(
        "client-close",
        "Client closes with a code and reason",
        "The client closes with 4000 'client is leaving'.",
        app_accept_then_receive,
        client_close_with(4000, "client is leaving"),
    ),
    Case(
        "client-close-no-code",
        "Client closes with no code",
        "The client sends a close frame with an empty payload.",
        app_accept_then_receive,
        client_close_with(None),
    ),
    Case(
        "tcp-drop",
        "TCP connection drops",
        "The client aborts the TCP connection without a close frame.",
        app_accept_then_receive,
        client_drop,
    ),
    Case(
        "send-after-close",
        "Send after the client closed",
        "The client closes (1000); the app, without receiving, sends twice, then receives.",
        app_send_after_leave,
        client_close_with(1000),
    ),
    Case(
        "send-after-drop",
        "Send after the TCP connection dropped",
        "The client aborts TCP; the app, without receiving, sends twice, then receives.",
        app_send_after_leave,
        client_drop,
    ),
    Case(
        "send-after-disconnect",
        "Send after receiving the disconnect",
        "The client closes (1000); the app receives the disconnect, then sends.",
        app_send_after_disconnect,
        client_close_with(1000),
    ),
    *(
        Case(
            f"close-{code}",
            f"App closes with {code}",
            f"The app accepts, then sends `websocket.close` with code {code}, which RFC 6455 forbids sending.",
            app_close_with(code),
            client_plain,
        )
        for code in (1005, 1006, 999, 5000)
    ),
    Case(
        "long-reason",
        "Close reason over 123 bytes",
        "The app closes with 1000 and a reason of 62 'é' (124 UTF-8 bytes).",
        app_close_with(1000, LONG_REASON),
        client_plain,
    ),
    Case(
        "too-big",
        "Message over ws_max_size",
        f"The client sends a {2 * MAX_SIZE}-byte text message; `ws_max_size` is {MAX_SIZE}.",
        app_accept_then_receive,
        client_sends("x" * 2 * MAX_SIZE),
    ),
    Case(
        "invalid-utf8",
        "Invalid UTF-8 in a text frame",
        r"The client sends a text frame whose payload is b'\xff\xfe'.",
        app_accept_then_receive,
        client_sends(b"\xff\xfe", text=True),
    ),
    Case(
        "shutdown",
        "Server shutdown",
        "With a connection open, the server is told to exit; then the app sends.",
        app_shutdown,
        client_shutdown,
    ),
)


async def run_cases(backend: str) -> dict[str, Any]:
    """Run every case against one backend; return each case's notes and duration."""
    runs = {case.id: Run(Notes(), Notes(), threading.Event(), threading.Event()) for case in CASES}
    by_path = {f"/{case.id}": case for case in CASES}

    async def app(scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            return
        case, run = by_path[scope["path"]], runs[scope["path"][1:]]
        try:
            await case.app(run, receive, send)
        except Exception as error:  # An app that raises is an observation too.
            run.app.append(f"raised {error_text(error)}")
        finally:
            run.app_done.set()

    results: dict[str, Any] = {}
    # Shutdown ends the server, so it runs last.
    with running_server(app, backend, ws_max_size=MAX_SIZE, log_level="critical") as (address, server):
        for case in CASES:
            run = runs[case.id]
            run.server = server
            started = time.monotonic()
            try:
                await asyncio.wait_for(case.client(run, f"ws://{address}/{case.id}"), 3 * WAIT)
            except TimeoutError:
                run.client.append(f"timeout after {3 * WAIT:g} s")
            if not await wait_for_event(run.app_done):
                run.app.append(f"app still running after {WAIT:g} s (timeout)")
            results[case.id] = {
                "app": list(run.app),
                "client": list(run.client),
                "seconds": round(time.monotonic() - started, 3),
            }
    return results


def measure() -> dict[str, Any]:
    """Run the whole probe: every case on every backend."""
    started = time.monotonic()
    backends = {backend: asyncio.run(run_cases(backend)) for backend in BACKENDS}
    return {
        "config": {"ws_max_size": MAX_SIZE, "wait_seconds": WAIT},
        "cases": [{"id": case.id, "title": case.title, "does": case.does} for case in CASES],
        "backends": backends,
        "seconds": round(time.monotonic() - started, 2),
    }


def main() -> None:
    """Command line: write the measurements as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help=f"where to write the JSON (default {SERVERS.target})")
    results = measure()
    out = SERVERS.write(results, parser.parse_args().out)
    print(f"wrote {out} in {results['seconds']} s")


if __name__ == "__main__":
    main()
