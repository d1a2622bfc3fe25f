"""Capture, from real runs, the messages uvicorn itself prints or raises, and what the client then sees.

Each case in `CASES` runs an app on uvicorn (in a thread, on a fresh loopback
port, `doctests.measure.probe.running_server`) for each WebSocket backend it
names, drives it with the `websockets` client, and records three things:

* `log`: the records uvicorn logged (loggers `uvicorn`, `uvicorn.access`; INFO and up), as
  level, text and the exception's type and text;
* `app`: what the app's own `send()` or `receive()` raised, when the case is
  about that (`Type: text`);
* `client`: what the client saw: a close frame, or the handshake's refusal.

Access-log lines of the accepted handshakes (`"WebSocket /" [accepted]`,
`connection open`, `connection closed`) are left out: they are not errors.
The lifespan cases run `uvicorn.Server.serve` until it gives up. Every wait is
bounded (`WAIT`). Run it with:

    python -m doctests.measure.server_messages    # see builddata.SERVER_MESSAGES

`doctests/sitegen/pages/troubleshooting.py` makes the "Troubleshooting, keyed
by the message" page from this capture. With Chromium (`doctests.measure.chromium`), two refused
handshakes are also opened from a headless browser page, to capture what its
console and `onclose` show.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import io
import logging
import re
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import uvicorn
from fastapi import Depends, FastAPI, WebSocket, WebSocketException
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from doctests import EXAMPLES
from doctests.builddata import SERVER_MESSAGES
from doctests.measure import chromium
from doctests.measure.probe import BACKENDS, running_server

WAIT = 3.0
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Message, Receive, Send], Awaitable[None]]
# Log lines about handshakes that went well, and uvicorn's start and stop chatter.
ROUTINE = re.compile(r"\[accepted\]$|^connection (open|closed)$|^(Started|Finished) server process|^Waiting for app")
CLIENT_PORT = re.compile(r"127\.0\.0\.1:\d+")


class Capture(logging.Handler):
    """Keeps the records of uvicorn's loggers while a case runs."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[dict[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        # The client's port changes from run to run; the page shows it as PORT.
        text = CLIENT_PORT.sub("127.0.0.1:PORT", record.getMessage().strip())
        if ROUTINE.search(text):
            return
        entry = {"level": record.levelname, "text": text}
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = error_text(record.exc_info[1])
        self.records.append(entry)


@contextlib.contextmanager
def capturing() -> Iterator[Capture]:
    """Attach a `Capture` to uvicorn's loggers (after uvicorn has configured logging)."""
    handler = Capture()
    # uvicorn.access does not propagate to uvicorn: it needs the handler too.
    loggers = [logging.getLogger("uvicorn"), logging.getLogger("uvicorn.access")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def error_text(error: BaseException) -> str:
    """`Type: text`, or `Type` alone when the text is empty."""
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


@dataclass
class Seen:
    """What the app noted, from uvicorn's thread."""

    app: str | None = None
    done: threading.Event | None = None

    def __post_init__(self) -> None:
        self.done = threading.Event()


async def client_sees(
    address: str, path: str = "/", *, send: str | None = None, leave: bool = False, **options: Any
) -> str:
    """Connect, optionally send one text or leave at once, and describe what the client got."""
    try:
        async with connect(
            f"ws://{address}{path}", open_timeout=WAIT, close_timeout=WAIT, ping_interval=None, **options
        ) as client:
            if leave:
                return "left at once (close 1000)"
            if send is not None:
                await client.send(send)
            with contextlib.suppress(ConnectionClosed, TimeoutError):
                while True:
                    await asyncio.wait_for(client.recv(), WAIT)
            received = client.protocol.close_rcvd
            return f"close {received.code} {received.reason!r}" if received else "closed without a close frame"
    except InvalidStatus as refusal:
        return f"InvalidStatus: {refusal}"


# The cases --------------------------------------------------------------------


def send_after_close(seen: Seen) -> App:
    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 1000, "reason": ""})
        try:
            await send({"type": "websocket.send", "text": "one more"})
        except Exception as error:
            seen.app = error_text(error)
            raise
        finally:
            assert seen.done is not None
            seen.done.set()

    return app


def send_after_client_left(seen: Seen) -> App:
    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await receive()  # websocket.disconnect: the client has left.
        try:
            await send({"type": "websocket.send", "text": "anyone there?"})
        except Exception as error:
            seen.app = error_text(error)
            raise
        else:
            seen.app = "send() returned"
        finally:
            assert seen.done is not None
            seen.done.set()

    return app


def raises_after_accept(seen: Seen) -> App:
    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        raise ValueError("a bug in the handler")

    return app


def raises_before_accept(seen: Seen) -> App:
    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()
        raise ValueError("a bug in the handler")

    return app


def returns_without_accepting(seen: Seen) -> App:
    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()

    return app


def closes_before_accept(seen: Seen) -> App:
    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.close", "code": 1008, "reason": ""})

    return app


def fastapi_app(seen: Seen) -> App:
    """A FastAPI app with one WebSocket route `/ws` and one `/private` whose dependency refuses."""
    app = FastAPI()

    def require_token(websocket: WebSocket) -> None:
        if websocket.query_params.get("token") != "secret":
            raise WebSocketException(code=1008, reason="no token")

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close()

    @app.websocket("/private", dependencies=[Depends(require_token)])
    async def private(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close()

    return app  # type: ignore[return-value]


def auth_example(seen: Seen) -> App:
    """docs/examples/auth.py, as written."""
    spec = importlib.util.spec_from_file_location("auth_example", EXAMPLES / "auth.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Case:
    """One situation: the app, how the client behaves, and where it goes."""

    id: str
    title: str
    app: Callable[[Seen], App]
    path: str = "/"
    client: dict[str, Any] | None = None
    wait_for_app: bool = False
    backends: tuple[str, ...] = BACKENDS


CASES = (
    Case("send-after-close", "The app sends after its own close", send_after_close, wait_for_app=True),
    Case(
        "send-after-client-left",
        "The app sends after the client left",
        send_after_client_left,
        client={"leave": True},
        wait_for_app=True,
    ),
    Case("raise-after-accept", "The app raises after accept", raises_after_accept),
    Case("raise-before-accept", "The app raises before accept", raises_before_accept),
    Case("return-without-accept", "The app returns without accepting or closing", returns_without_accepting),
    Case("close-before-accept", "The app closes before accept", closes_before_accept),
    Case("no-route", "FastAPI: no route for the path", fastapi_app, path="/nowhere"),
    Case("dependency-raised", "FastAPI: a dependency raises WebSocketException", fastapi_app, path="/private"),
    Case(
        "origin-refused",
        "docs/examples/auth.py: an Origin not on its list",
        auth_example,
        path="/?token=let-me-in",
        client={"origin": "https://evil.example"},
    ),
    Case("no-websocket-library", "uvicorn --ws none, a FastAPI app", fastapi_app, path="/ws", backends=("none",)),
)


async def drive(case: Case, address: str, seen: Seen) -> str:
    options = dict(case.client or {})
    seen_by_client = await client_sees(address, case.path, **options)
    if case.wait_for_app:
        assert seen.done is not None
        for _ in range(int(WAIT / 0.01)):
            if seen.done.is_set():
                break
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)  # Let uvicorn log what follows the app's return.
    return seen_by_client


def run_case(case: Case, backend: str) -> dict[str, Any]:
    seen = Seen()
    with running_server(case.app(seen), backend, log_level="info") as (address, _), capturing() as capture:
        client = asyncio.run(drive(case, address, seen))
    return {"client": client, "app": seen.app, "log": capture.records}


# Lifespan -----------------------------------------------------------------------


async def lifespan_raises(scope: Message, receive: Receive, send: Send) -> None:
    raise ValueError("no lifespan here")


async def startup_fails(scope: Message, receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "lifespan.startup.failed", "message": "the database is unreachable"})


async def shutdown_fails(scope: Message, receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "lifespan.startup.complete"})
    await receive()
    await send({"type": "lifespan.shutdown.failed", "message": "could not flush the queue"})


LIFESPAN_CASES: tuple[tuple[str, str, App, Literal["auto", "on", "off"]], ...] = (
    ("lifespan-auto-unsupported", "--lifespan auto (the default), the app raises on lifespan", lifespan_raises, "auto"),
    ("lifespan-on-raises", "--lifespan on, the app raises on the lifespan scope", lifespan_raises, "on"),
    ("lifespan-startup-failed", "The app sends lifespan.startup.failed", startup_fails, "on"),
    ("lifespan-shutdown-failed", "The app sends lifespan.shutdown.failed", shutdown_fails, "on"),
)


def run_lifespan(app: App, lifespan: Literal["auto", "on", "off"]) -> dict[str, Any]:
    """Start uvicorn with `app`, stop it, and return its log and whether it started."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan=lifespan, log_level="info", timeout_graceful_shutdown=1))

    def serve() -> None:
        # A failed start-up ends `serve` with SystemExit(3): that is the observation, not an error here.
        with contextlib.suppress(SystemExit):
            asyncio.run(server.serve(sockets=[sock]))

    with capturing() as capture:
        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        for _ in range(int(WAIT / 0.01)):
            if server.started or not thread.is_alive():
                break
            threading.Event().wait(0.01)
        started = server.started
        server.should_exit = True
        thread.join(WAIT)
        sock.close()
        if thread.is_alive():
            raise RuntimeError("uvicorn did not stop")
    log = [record for record in capture.records if not record["text"].startswith(("Uvicorn running", "Shutting down"))]
    return {"client": None, "app": None, "started": started, "log": log}


# The browser ----------------------------------------------------------------------

BROWSER_CASES = (
    ("browser-403", "A browser page; the app closes before accept", closes_before_accept),
    ("browser-500", "A browser page; the app raises before accept", raises_before_accept),
)
OPEN_AND_WAIT = """(url) => new Promise((resolve) => {
  const socket = new WebSocket(url);
  socket.onerror = () => {};
  socket.onclose = (event) => resolve(`onclose: code ${event.code}, reason ${JSON.stringify(event.reason)}`);
})"""


def browser_cases() -> list[dict[str, Any]]:
    """What headless Chromium's console and `onclose` show for refused handshakes (none without Chromium)."""
    if chromium.missing() is not None:
        return []
    from playwright.sync_api import ConsoleMessage, sync_playwright

    cases = []
    with sync_playwright() as playwright:
        browser = chromium.launch(playwright, timeout_ms=WAIT * 4000)
        try:
            for case_id, title, make_app in BROWSER_CASES:
                with running_server(make_app(Seen()), BACKENDS[0], log_level="warning") as (address, _):
                    page = browser.new_page()
                    console: list[str] = []

                    def keep(message: ConsoleMessage, console: list[str] = console) -> None:
                        console.append(message.text)

                    page.on("console", keep)
                    closed = page.evaluate(OPEN_AND_WAIT, f"ws://{address}/")
                    page.wait_for_timeout(200)  # The console message may come after onclose.
                    page.close()
                lines = [CLIENT_PORT.sub("127.0.0.1:PORT", line) for line in console]
                result = {"client": closed, "app": None, "console": lines, "log": []}
                cases.append({"id": case_id, "title": title, "backends": {BACKENDS[0]: result}})
        finally:
            browser.close()
    return cases


def measure() -> dict[str, Any]:
    """Every case on every backend it names; the JSON-ready data of `builddata.SERVER_MESSAGES`.

    What uvicorn prints goes to the capture, not to the console: its log
    handlers are made (on the current `sys.stderr`) while this runs, so the
    deliberate tracebacks are data here, not news for whoever runs the build.
    """
    with contextlib.redirect_stderr(io.StringIO()):
        return measure_all()


def measure_all() -> dict[str, Any]:
    """`measure`, printing what uvicorn prints."""
    cases = [
        {"id": case.id, "title": case.title, "backends": {name: run_case(case, name) for name in case.backends}}
        for case in CASES
    ]
    cases += [
        {"id": case_id, "title": title, "backends": {"(any)": run_lifespan(app, lifespan)}}
        for case_id, title, app, lifespan in LIFESPAN_CASES
    ]
    cases += browser_cases()
    return {"wait_seconds": WAIT, "cases": cases}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=None, help=f"where to write (default {SERVER_MESSAGES.target})")
    args = parser.parse_args(argv)
    path = SERVER_MESSAGES.write(measure(), args.output)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
