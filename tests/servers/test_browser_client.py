"""The JavaScript of "The browser side" (`docs/examples/browser/*.js`) in headless Chromium.

Each test serves an example app with uvicorn on 127.0.0.1, opens a page on the
same origin (the app's 426 answer to plain HTTP is page enough), adds the
snippet's file to it, and calls the snippet's function with the app's
WebSocket URL. The assertions are what `docs/how-to/browser-client.md` says.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

from doctests import EXAMPLES, ROOT
from doctests.measure import chromium
from doctests.measure.probe import running_server

from .conftest import load_example

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

TIMEOUT_MS = 5000
PAGE = (ROOT / "docs" / "how-to" / "browser-client.md").read_text()
SCRIPTS = EXAMPLES / "browser"
BACKEND = "websockets-sansio"  # The browser's view does not depend on uvicorn's backend (test_auth tries both).

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium.missing() is not None, reason=str(chromium.missing())),
]


def open_page(context: BrowserContext, address: str, *scripts: str) -> Page:
    """A page at `http://ADDRESS/` (the app's 426 answer) with `docs/examples/browser/SCRIPT` files added."""
    page = context.new_page()
    page.goto(f"http://{address}/")
    for name in scripts:
        page.add_script_tag(content=(SCRIPTS / name).read_text())
    return page


def shown(lines: list[str]) -> bool:
    """Whether the page shows `lines` as a text block."""
    return "```text\n" + "\n".join(lines) + "\n```" in PAGE


def run(page: Page, call: str, *args: Any) -> Any:
    """Evaluate `call` (a JS function expression) with `args`, within TIMEOUT_MS."""
    return page.evaluate(
        f"(args) => Promise.race([({call})(...args), "
        f"new Promise((_, no) => setTimeout(() => no(new Error('timeout')), {TIMEOUT_MS}))])",
        list(args),
    )


def test_events_of_a_session(context: BrowserContext, tmp_path: Path) -> None:
    module = load_example("subprotocol", "reference_impl", tmp_path)
    with running_server(module.app, BACKEND) as (address, _):
        page = open_page(context, address, "events.js")
        notes = run(page, "watch", f"ws://{address}/", {"protocols": ["chat.v1"], "send": ["hi"], "closeAfter": 1})
    assert shown(notes)
    assert notes == [
        "readyState 0",
        'open readyState 1 protocol "chat.v1"',
        "message chat.v1: hi",
        'close 1000 "done" wasClean true',
    ]


def test_refused_handshake_is_1006_with_no_reason(context: BrowserContext, tmp_path: Path) -> None:
    module = load_example("auth", "reference_impl", tmp_path)
    with running_server(module.app, BACKEND) as (address, _):
        page = open_page(context, address, "events.js")
        notes = run(page, "watch", f"ws://{address}/?token=wrong")
    assert shown(notes)
    assert shown(notes)
    assert notes == ["readyState 0", "error", 'close 1006 "" wasClean false']


def test_server_close_1013_with_reason(context: BrowserContext, tmp_path: Path) -> None:
    module = load_example("chat", "reference_impl", tmp_path)
    module.MAX_BACKLOG = 0  # Every member is "too far behind" at the first message: dropped with 1013.
    with running_server(module.app, BACKEND) as (address, _):
        page = open_page(context, address, "events.js")
        notes = run(page, "watch", f"ws://{address}/", {"send": ["hi"]})
    assert shown(notes)
    assert notes == [
        "readyState 0",
        'open readyState 1 protocol ""',
        "message hi",
        'close 1013 "too slow" wasClean true',
    ]


def test_abrupt_drop_is_1006(context: BrowserContext, tmp_path: Path) -> None:
    module = load_example("echo", "reference_impl", tmp_path)
    loops: list[asyncio.AbstractEventLoop] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        loops.append(asyncio.get_running_loop())  # To reach the server's connections from this thread.
        await module.app(scope, receive, send)

    with running_server(app, BACKEND) as (address, server):
        page = open_page(context, address, "events.js")
        page.evaluate("(url) => { window.done = watch(url, { send: ['hi'] }); }", f"ws://{address}/")
        deadline = time.monotonic() + 5
        while not server.server_state.connections or not loops:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        page.wait_for_timeout(200)  # The echo has come back: the connection is open.

        def drop() -> None:  # Like a network failure: the TCP connection ends with no close frame.
            for connection in list(server.server_state.connections):
                connection.transport.abort()

        loops[0].call_soon_threadsafe(drop)
        notes = run(page, "() => window.done")
    assert shown(notes)
    assert notes == [
        "readyState 0",
        'open readyState 1 protocol ""',
        "message hi",
        'close 1006 "" wasClean false',  # No error event here: only a failed handshake (or a protocol error) fires one.
    ]


# (code, reason, what tryClose gives, the page's row: reason and result as shown)
CLOSES = [
    (1000, "", 'closed 1000 ""', "none", '`closed 1000 ""`'),
    (1001, "", "InvalidAccessError", "none", "`InvalidAccessError`"),
    (2999, "", "InvalidAccessError", "none", "`InvalidAccessError`"),
    (3000, "", 'closed 3000 ""', "none", '`closed 3000 ""`'),
    (4999, "bye", 'closed 4999 "bye"', "`bye`", '`closed 4999 "bye"`'),
    (5000, "", "InvalidAccessError", "none", "`InvalidAccessError`"),
    (4000, "x" * 123, f'closed 4000 "{"x" * 123}"', "123 × `x` (123 bytes)", '`closed 4000 "xxx…"` (all 123)'),
    (4000, "x" * 124, "SyntaxError", "124 × `x` (124 bytes)", "`SyntaxError`"),
    (4000, "é" * 62, "SyntaxError", "62 × `é` (124 bytes)", "`SyntaxError`"),  # 62 characters, 124 UTF-8 bytes.
]


def test_close_codes_a_browser_may_send(context: BrowserContext, tmp_path: Path) -> None:
    module = load_example("echo", "reference_impl", tmp_path)
    with running_server(module.app, BACKEND) as (address, _):
        page = open_page(context, address, "close-codes.js")
        seen = [run(page, "tryClose", f"ws://{address}/", code, reason) for code, reason, *_ in CLOSES]
    assert seen == [gives for _, _, gives, *_ in CLOSES]
    for code, reason, _, label, result in CLOSES:
        if "bytes)" in label:  # The byte count shown is the reason's.
            assert f"({len(reason.encode())} bytes)" in label
        assert f"| {code} | {label} | {result} |" in PAGE


def test_binary_type(context: BrowserContext, tmp_path: Path) -> None:
    module = load_example("echo", "reference_impl", tmp_path)
    with running_server(module.app, BACKEND) as (address, _):
        page = open_page(context, address, "binary.js")
        kinds = [run(page, "echoBytes", f"ws://{address}/", kind) for kind in ("blob", "arraybuffer")]
    assert kinds == ["Blob [1,2,255]", "ArrayBuffer [1,2,255]"]
    assert shown(kinds)


def test_send_before_open_throws(context: BrowserContext, tmp_path: Path) -> None:
    module = load_example("echo", "reference_impl", tmp_path)
    with running_server(module.app, BACKEND) as (address, _):
        page = open_page(context, address)
        thrown = page.evaluate(
            "(url) => { const s = new WebSocket(url); try { s.send('x'); return 'sent'; } "
            "catch (error) { return error.name; } finally { s.close(); } }",
            f"ws://{address}/",
        )
    assert thrown == "InvalidStateError"
    assert "`send()` before `OPEN` throws `InvalidStateError`" in PAGE


@contextlib.contextmanager
def serving_at(app: Any, port: int) -> Iterator[str]:
    """uvicorn in a thread on 127.0.0.1:PORT (0: a free port), stopped on exit; yields the address."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # Back on the same port after a restart.
    sock.bind(("127.0.0.1", port))
    config = uvicorn.Config(app, ws=BACKEND, lifespan="off", log_level="warning", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while not server.started:
            assert thread.is_alive(), "uvicorn did not start"
            assert time.monotonic() < deadline, "uvicorn did not start within 5 s"
            time.sleep(0.005)
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop within 5 s"


def statuses(page: Page) -> list[str]:
    return list(page.evaluate("window.statuses"))


def wait_for_status(page: Page, status: str, count: int = 1) -> None:
    page.wait_for_function("([s, n]) => window.statuses.filter((x) => x === s).length >= n", arg=[status, count])


KEEP = """([url, options]) => {
  window.statuses = [];
  window.messages = [];
  window.connection = keepConnected(url, {
    ...options,
    onstatus: (status) => window.statuses.push(status),
    onmessage: (data) => window.messages.push(data),
  });
}"""


def test_reconnects_after_the_server_restarts(context: BrowserContext, tmp_path: Path) -> None:
    module = load_example("echo", "reference_impl", tmp_path)
    options = {"baseDelay": 50, "maxDelay": 400, "maxRetries": 50, "stableAfter": 300}
    with serving_at(module.app, 0) as address:
        page = open_page(context, address, "reconnect.js")
        page.evaluate(KEEP, [f"ws://{address}/", options])
        wait_for_status(page, "open")
    # The server is down; the page stays.
    wait_for_status(page, "close 1012")  # uvicorn's "service restart", sent as it shuts down.
    wait_for_status(page, "close 1006", 2)  # Retries refused while the server is down.
    with serving_at(module.app, int(address.rsplit(":", 1)[1])):
        wait_for_status(page, "open", 2)
        assert page.evaluate("window.connection.send('back')")
        page.wait_for_function("() => window.messages.includes('back')")
        page.evaluate("window.connection.stop()")
        wait_for_status(page, "stopped")
    seen = statuses(page)
    assert seen[:2] == ["open", "close 1012"]
    assert set(seen[2:-3]) == {"close 1006"}
    assert seen[-3:] == ["open", "close 1000", "stopped"]


def test_gives_up_after_max_retries(context: BrowserContext, tmp_path: Path) -> None:
    module = load_example("echo", "reference_impl", tmp_path)
    with serving_at(module.app, 0) as address:
        page = open_page(context, address, "reconnect.js")
        page.evaluate(KEEP, [f"ws://{address}/", {"baseDelay": 20, "maxDelay": 100, "maxRetries": 3}])
        wait_for_status(page, "open")
    wait_for_status(page, "gave up")
    assert statuses(page) == ["open", "close 1012", "close 1006", "close 1006", "close 1006", "gave up"]
    assert shown(statuses(page))


def test_gives_up_at_once_on_an_auth_close(context: BrowserContext, tmp_path: Path) -> None:
    module = load_example("auth_options", "reference_impl", tmp_path)
    module.FIRST_MESSAGE_SECONDS = 0.1  # The client sends no token: closed with 4408.
    with running_server(module.app, BACKEND) as (address, _):
        page = open_page(context, address, "reconnect.js")
        page.evaluate(KEEP, [f"ws://{address}/first-message", {"baseDelay": 20}])
        wait_for_status(page, "gave up")
        assert statuses(page) == ["open", "close 4408", "gave up"]
        assert shown(statuses(page))
