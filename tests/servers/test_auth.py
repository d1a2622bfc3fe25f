"""What a client sees when `docs/examples/auth_options.py` accepts or refuses it, per option.

Each option is measured twice: with the `websockets` client (both uvicorn
backends, the example as written and swapped to FastAPI) and with headless
Chromium running `docs/examples/browser/events.js`. What a refused client
sees is described in one short string per case; the table on
`docs/how-to/authenticate.md` must show exactly those strings.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from doctests import EXAMPLES, ROOT
from doctests.measure.probe import BACKENDS, running_server

from .conftest import Serve, load_example

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

PAGE = ROOT / "docs" / "how-to" / "authenticate.md"
WAIT = 2.0
TIMEOUT_MS = 5000
TOKEN = "let-me-in"
WELCOME = "welcome"  # What an accepted client hears first.

# The table's rows: what a refused client sees, one string per way of being refused.
REFUSED_WEBSOCKETS = {
    "Query token": ["`InvalidStatus`: HTTP 403"],
    "Cookie + `Origin`": ["`InvalidStatus`: HTTP 403"],
    "First message": [
        '`ConnectionClosedError`: 4401 "unauthorized"',
        '`ConnectionClosedError`: 4408 "authentication timeout"',
    ],
    "Subprotocol token": ["`InvalidStatus`: HTTP 403"],
    "`Authorization` header": ["`InvalidStatus`: HTTP 403"],
}
REFUSED_CHROMIUM = {
    "Query token": ['`error`, `close` 1006 ""'],
    "Cookie + `Origin`": ['`error`, `close` 1006 ""'],
    "First message": ['`open`, `close` 4401 "unauthorized"', '`open`, `close` 4408 "authentication timeout"'],
    "Subprotocol token": ['`error`, `close` 1006 ""'],
    "`Authorization` header": ['`error`, `close` 1006 ""'],
}
WEBSOCKETS_COLUMN = "Refused: `websockets` raises"
CHROMIUM_COLUMN = "Refused: Chromium fires"


def page_table() -> dict[str, dict[str, str]]:
    """The page's comparison table: first cell -> column title -> cell."""
    lines = [line for line in PAGE.read_text().splitlines() if line.startswith("|")]
    rows = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines]
    header = next(row for row in rows if WEBSOCKETS_COLUMN in row)
    table = [row for row in rows[rows.index(header) + 2 :] if len(row) == len(header)]
    return {row[0]: dict(zip(header, row, strict=True)) for row in table}


def test_the_page_table_shows_what_is_measured() -> None:
    table = page_table()
    assert list(table) == list(REFUSED_WEBSOCKETS)
    for option, row in table.items():
        assert row[WEBSOCKETS_COLUMN] == "; ".join(REFUSED_WEBSOCKETS[option]), option
        assert row[CHROMIUM_COLUMN] == "; ".join(REFUSED_CHROMIUM[option]), option


# The `websockets` client -------------------------------------------------------


async def attempt(address: str, path: str, send: tuple[str, ...] = (), **options: Any) -> str:
    """Connect, send `send`; "welcome" when let in, else what the client saw, in the table's words."""
    try:
        async with connect(
            f"ws://{address}{path}", open_timeout=WAIT, close_timeout=WAIT, ping_interval=None, **options
        ) as client:
            for message in send:
                await client.send(message)
            try:
                first = await asyncio.wait_for(client.recv(), WAIT)
            except ConnectionClosed as closed:
                if closed.rcvd is None:
                    return f"`{type(closed).__name__}` with no close frame"
                return f'`{type(closed).__name__}`: {closed.rcvd.code} "{closed.rcvd.reason}"'
            assert first == WELCOME
            await client.send("ping")
            assert await asyncio.wait_for(client.recv(), WAIT) == "ping"
            return str(first)
    except InvalidStatus as refusal:
        return f"`InvalidStatus`: HTTP {refusal.response.status_code}"


@pytest.mark.asyncio
async def test_websockets_client(serve: Serve) -> None:
    seen: dict[str, list[str]] = {}
    with serve("auth_options") as (address, module, _):
        module.FIRST_MESSAGE_SECONDS = 0.2
        good_origin = "http://127.0.0.1:8000"
        cookie = {"additional_headers": {"Cookie": f"session={TOKEN}"}}
        bearer = {"additional_headers": {"Authorization": f"Bearer {TOKEN}"}}
        # Let in:
        assert await attempt(address, f"/query?token={TOKEN}") == WELCOME
        assert await attempt(address, "/cookie", origin=good_origin, **cookie) == WELCOME
        assert await attempt(address, "/cookie", **cookie) == WELCOME  # No Origin: not a browser.
        assert await attempt(address, "/first-message", (TOKEN,)) == WELCOME
        assert await attempt(address, "/protocol", subprotocols=["chat.v1", f"token.{TOKEN}"]) == WELCOME
        assert await attempt(address, "/header", **bearer) == WELCOME
        # Refused:
        seen["Query token"] = [await attempt(address, "/query?token=wrong")]
        assert await attempt(address, "/query") == seen["Query token"][0]
        seen["Cookie + `Origin`"] = [await attempt(address, "/cookie", origin="http://127.0.0.1:9", **cookie)]
        assert await attempt(address, "/cookie", origin=good_origin) == seen["Cookie + `Origin`"][0]
        seen["First message"] = [
            await attempt(address, "/first-message", ("wrong",)),
            await attempt(address, "/first-message"),  # Sends nothing.
        ]
        seen["Subprotocol token"] = [await attempt(address, "/protocol", subprotocols=["chat.v1", "token.wrong"])]
        assert await attempt(address, "/protocol", subprotocols=[f"token.{TOKEN}"]) == seen["Subprotocol token"][0]
        seen["`Authorization` header"] = [await attempt(address, "/header")]
        wrong = {"additional_headers": {"Authorization": "Bearer wrong"}}
        assert await attempt(address, "/header", **wrong) == seen["`Authorization` header"][0]
    assert seen == REFUSED_WEBSOCKETS


@pytest.mark.asyncio
async def test_the_answer_names_our_protocol_never_the_token(serve: Serve) -> None:
    with serve("auth_options") as (address, _, _server):
        async with connect(
            f"ws://{address}/protocol", subprotocols=["chat.v1", f"token.{TOKEN}"], open_timeout=WAIT
        ) as client:
            assert client.subprotocol == "chat.v1"
            assert client.response is not None
            assert client.response.headers.get_all("Sec-WebSocket-Protocol") == ["chat.v1"]
            assert TOKEN not in str(client.response.headers)


# Chromium ----------------------------------------------------------------------


def open_page(context: BrowserContext, address: str) -> Page:
    """A page at `http://ADDRESS/` (the app's 426 answer) with `events.js` added."""
    page = context.new_page()
    page.goto(f"http://{address}/")
    page.add_script_tag(content=(EXAMPLES / "browser" / "events.js").read_text())
    return page


def watch(page: Page, url: str, **options: Any) -> str:
    """Run `watch(url, options)` in the page; "welcome" when let in, else the events, in the table's words."""
    notes: list[str] = page.evaluate("([url, options]) => watch(url, options)", [url, {"closeAfter": 1} | options])
    if f"message {WELCOME}" in notes:
        return WELCOME
    words = []
    for note in notes:
        kind, _, rest = note.partition(" ")
        if kind in ("open", "error"):
            words.append(f"`{kind}`")
        elif kind == "close":
            words.append(f"`close` {rest.rsplit(' wasClean', 1)[0]}")
    return ", ".join(words)


@pytest.mark.browser
@pytest.mark.parametrize("backend", BACKENDS)
def test_chromium(context: BrowserContext, backend: str, tmp_path: Path) -> None:
    module = load_example("auth_options", "reference_impl", tmp_path)
    module.FIRST_MESSAGE_SECONDS = 0.2
    handshakes: list[tuple[str, str | None, str | None]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":  # Note what each handshake carried.
            headers = {name.decode(): value.decode() for name, value in scope["headers"]}
            handshakes.append((scope["path"], headers.get("origin"), headers.get("cookie")))
        await module.app(scope, receive, send)

    seen: dict[str, list[str]] = {}
    with running_server(app, backend) as (address, _), running_server(app, backend) as (elsewhere, _):
        module.ALLOWED_ORIGINS = {f"http://{address}"}
        ws = f"ws://{address}"
        context.add_cookies([{"name": "session", "value": TOKEN, "domain": "127.0.0.1", "path": "/"}])
        ours, theirs = open_page(context, address), open_page(context, elsewhere)
        # Let in:
        assert watch(ours, f"{ws}/query?token={TOKEN}") == WELCOME
        assert watch(ours, f"{ws}/cookie") == WELCOME
        assert watch(ours, f"{ws}/first-message", send=[TOKEN]) == WELCOME
        assert watch(ours, f"{ws}/protocol", protocols=["chat.v1", f"token.{TOKEN}"]) == WELCOME
        # Refused:
        seen["Query token"] = [watch(ours, f"{ws}/query?token=wrong")]
        # A page on another origin (another port) sends our cookie too; Origin gives it away.
        handshakes.clear()
        seen["Cookie + `Origin`"] = [watch(theirs, f"{ws}/cookie")]
        assert handshakes == [("/cookie", f"http://{elsewhere}", f"session={TOKEN}")]
        seen["First message"] = [watch(ours, f"{ws}/first-message", send=["wrong"]), watch(ours, f"{ws}/first-message")]
        seen["Subprotocol token"] = [watch(ours, f"{ws}/protocol", protocols=["chat.v1", "token.wrong"])]
        # A browser has no way to send the header at all.
        seen["`Authorization` header"] = [watch(ours, f"{ws}/header")]
    assert seen == REFUSED_CHROMIUM


@pytest.mark.browser
def test_a_browser_cannot_set_headers(context: BrowserContext, tmp_path: Path) -> None:
    """`new WebSocket(url, protocols)`: an options object is read as a protocol name, and rejected."""
    module = load_example("auth_options", "reference_impl", tmp_path)
    with running_server(module.app, BACKENDS[0]) as (address, _):
        page = open_page(context, address)
        thrown = page.evaluate(
            """(url) => {
              try { new WebSocket(url, { headers: { Authorization: "Bearer let-me-in" } }); return "no error"; }
              catch (error) { return `${error.name}: ${error.message}`; }
            }""",
            f"ws://{address}/header",
        )
    assert thrown.startswith("SyntaxError: "), thrown
    assert "[object Object]" in thrown
