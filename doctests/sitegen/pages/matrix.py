"""The method × state matrix, filled by calling every public `WebSocket` method in every reachable state.

At build time this module finds the reachable `(client_state,
application_state)` pairs by driving a `WebSocket` through `InMemoryPeer`
(breadth first, from a new connection): once with the helpers an app calls
(`accept()`, `receive_text()`, `close()`), once with raw `send`/`receive`.
Then, for each pair, it builds a fresh connection in that pair and makes one
call. Each cell records what happened: the state pair it moved to, or the
exception and its message, shortened by rules for the cell and given in full
under the table. Nothing is predicted; everything shown was observed. Only
the column names (`NAMES`) and the shortening rules (`SHORTEN`) are words.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from reference_impl import InMemoryPeer, WebSocket, WebSocketDisconnect, WebSocketState
from reference_impl.datastructures import URLPath

Call = Callable[[WebSocket], Awaitable[Any]]
Pair = tuple[WebSocketState, WebSocketState]
SIDES = ("client_state", "application_state")
WAIT = 1.0  # seconds a call may wait for a message before the cell says it waits

CONNECT = {"type": "websocket.connect"}
TEXT = {"type": "websocket.receive", "text": '{"n": 1}'}
BYTES = {"type": "websocket.receive", "bytes": b'{"n": 1}'}


@dataclass(frozen=True)
class Step:
    """A call that may move the states, with the message it needs the client to have sent."""

    label: str
    feed: dict[str, Any] | None
    call: Call


# The raw moves the search tries, from a new connection.
STEPS = (
    Step("receive() ← websocket.connect", CONNECT, lambda ws: ws.receive()),
    Step("receive() ← websocket.disconnect", {"type": "websocket.disconnect", "code": 1000}, lambda ws: ws.receive()),
    Step("send(websocket.accept)", None, lambda ws: ws.send({"type": "websocket.accept"})),
    Step("send(websocket.close)", None, lambda ws: ws.send({"type": "websocket.close", "code": 1000})),
)


async def leave(websocket: WebSocket) -> None:
    """`receive_text()` while the client disconnects: it raises `WebSocketDisconnect`, the client has left."""
    with contextlib.suppress(WebSocketDisconnect):
        await websocket.receive_text()


DISCONNECT = {"type": "websocket.disconnect", "code": 1000}
# The moves an app makes with the helpers.
HELPER_STEPS = (
    Step("accept()", CONNECT, lambda ws: ws.accept()),
    Step("close()", None, lambda ws: ws.close()),
    Step("receive_text() ← websocket.disconnect", DISCONNECT, leave),
)

CONNECTING, CONNECTED, DISCONNECTED = WebSocketState
# Column names, by (client_state, application_state): what a learner calls each pair.
NAMES: dict[Pair, str] = {
    (CONNECTING, CONNECTING): "before accept",
    (CONNECTED, CONNECTED): "open",
    (CONNECTING, DISCONNECTED): "refused",
    (CONNECTED, DISCONNECTED): "you closed",
    (DISCONNECTED, CONNECTED): "client left",
    (DISCONNECTED, DISCONNECTED): "both closed",
    (CONNECTING, CONNECTED): "accepted, connect unread",
    (CONNECTED, CONNECTING): "connect read, not accepted",
    (DISCONNECTED, CONNECTING): "client left before accept",
}

# How an exception message is shortened for its cell: (pattern, replacement), first match wins.
SHORTEN: tuple[tuple[str, str], ...] = (
    (r"^WebSocket is not connected\b.*", "not connected"),
    (r'^Cannot call "(\w+)" once an? (\w+) message .*', r"\1 after \2"),
    (r'^Expected ASGI message "websocket\.(\w+)" or "websocket\.(\w+)".*', r"expects \1 or \2"),
)


async def first(iterator: Any) -> Any:
    """The first item of an async iterator (the `iter_*` methods)."""
    return await anext(aiter(iterator))


class Router:
    """Just enough of a router for `url_for`: every route name is a path."""

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        return URLPath(f"/{name}", protocol="websocket")


# (group, label, message the client sends first when the connection is open, call)
CASES: tuple[tuple[str, str, dict[str, Any] | None, Call], ...] = (
    ("scope", "url", None, lambda ws: _sync(ws.url)),
    ("scope", "base_url", None, lambda ws: _sync(ws.base_url)),
    ("scope", "headers", None, lambda ws: _sync(ws.headers)),
    ("scope", "query_params", None, lambda ws: _sync(ws.query_params)),
    ("scope", "path_params", None, lambda ws: _sync(ws.path_params)),
    ("scope", "cookies", None, lambda ws: _sync(ws.cookies)),
    ("scope", "client", None, lambda ws: _sync(ws.client)),
    ("scope", "state", None, lambda ws: _sync(ws.state)),
    ("scope", "app", None, lambda ws: _sync(ws.app)),
    ("scope", 'url_for("chat")', None, lambda ws: _sync(ws.url_for("chat"))),
    ("accept", "accept()", None, lambda ws: ws.accept()),
    ("receive", "receive()", TEXT, lambda ws: ws.receive()),
    ("receive", "receive_text()", TEXT, lambda ws: ws.receive_text()),
    ("receive", "receive_bytes()", BYTES, lambda ws: ws.receive_bytes()),
    ("receive", "receive_json()", TEXT, lambda ws: ws.receive_json()),
    ("receive", 'receive_json(mode="binary")', BYTES, lambda ws: ws.receive_json(mode="binary")),
    ("receive", "iter_text()", TEXT, lambda ws: first(ws.iter_text())),
    ("receive", "iter_bytes()", BYTES, lambda ws: first(ws.iter_bytes())),
    ("receive", "iter_json()", TEXT, lambda ws: first(ws.iter_json())),
    ("send", "send(websocket.accept)", None, lambda ws: ws.send({"type": "websocket.accept"})),
    ("send", "send(websocket.send)", None, lambda ws: ws.send({"type": "websocket.send", "text": "hi"})),
    ("send", "send(websocket.close)", None, lambda ws: ws.send({"type": "websocket.close", "code": 1000})),
    (
        "send",
        "send(websocket.http.response.start)",
        None,
        lambda ws: ws.send({"type": "websocket.http.response.start", "status": 403, "headers": []}),
    ),
    ("send", 'send_text("hi")', None, lambda ws: ws.send_text("hi")),
    ("send", 'send_bytes(b"hi")', None, lambda ws: ws.send_bytes(b"hi")),
    ("send", 'send_json({"n": 1})', None, lambda ws: ws.send_json({"n": 1})),
    ("close", "close()", None, lambda ws: ws.close()),
)


async def _sync(value: Any) -> Any:
    return value


async def connection(path: tuple[Step, ...]) -> tuple[WebSocket, InMemoryPeer]:
    """A new connection driven along `path`."""
    peer = InMemoryPeer(connect=False, app="app", router=Router())
    websocket = WebSocket(peer.scope, peer.receive, peer.send)
    for step in path:
        if step.feed is not None:
            peer.feed(step.feed)
        await step.call(websocket)
    return websocket, peer


def states(websocket: WebSocket) -> Pair:
    return websocket.client_state, websocket.application_state


async def reachable(steps: tuple[Step, ...]) -> dict[Pair, tuple[Step, ...]]:
    """Every state pair `steps` reach, in the order found, with a shortest path to it, found by running them."""
    found: dict[Pair, tuple[Step, ...]] = {}
    start, _ = await connection(())
    found[states(start)] = ()
    frontier: list[tuple[Step, ...]] = [()]
    while frontier:
        next_frontier: list[tuple[Step, ...]] = []
        for path in frontier:
            for step in steps:
                try:
                    websocket, _ = await connection((*path, step))
                except RuntimeError:
                    continue  # the table refuses this step here
                pair = states(websocket)
                if pair not in found:
                    found[pair] = (*path, step)
                    next_frontier.append((*path, step))
        frontier = next_frontier
    return found


@dataclass(frozen=True)
class Observed:
    """What one call did: the states after it, or what it raised (`"Type: message"`)."""

    after: Pair | None = None
    error: str | None = None
    waits: bool = False


async def observe(path: tuple[Step, ...], message: dict[str, Any] | None, call: Call) -> Observed:
    """Make `call` in the state that `path` leads to, and report what happened."""
    websocket, peer = await connection(path)
    if websocket.client_state is WebSocketState.CONNECTING:
        peer.feed(CONNECT)  # what a server delivers first
    if websocket.client_state is not WebSocketState.DISCONNECTED and message is not None:
        peer.feed(message)
    try:
        await asyncio.wait_for(call(websocket), WAIT)
    except TimeoutError:
        return Observed(waits=True)
    except Exception as error:  # the cell shows whatever was raised
        return Observed(error=f"{type(error).__name__}: {error}")
    return Observed(after=states(websocket))


def short(error: str) -> str:
    """`error` ("Type: message") with its message shortened by the first `SHORTEN` rule that matches."""
    kind, _, message = error.partition(": ")
    for pattern, replacement in SHORTEN:
        if re.match(pattern, message):
            return f"{kind}: {re.sub(pattern, replacement, message)}"
    return error


def anchor(pair: Pair) -> str:
    """The id of a state pair's entry in the list under the tables."""
    return "matrix-" + re.sub(r"\W+", "-", NAMES[pair]).strip("-")


def raw(pair: Pair) -> str:
    """The pair as the two `WebSocketState` names, one a line; the first column names the lines for the eye."""
    return "".join(
        f'<span class="visually-hidden">{side} </span><code>{state.name}</code>'
        for side, state in zip(SIDES, pair, strict=True)
    )


def header(name: str, lines: str) -> str:
    """A column header: a name, and below it `lines`, the raw states."""
    return f'<th scope="col"><span class="state-name">{name}</span><span class="state-raw">{lines}</span></th>'


def breakable(label: str) -> str:
    """`label` escaped, with line-break opportunities after `(` and `.`, so a long call wraps where it reads well."""
    return re.sub(r"([(.])", r"\1<wbr>", escape(label))


def cell(observed: Observed, before: Pair, errors: dict[str, int]) -> str:
    """A table cell: ok, the state moved to (linked to its entry), the error (linked to its full text), or waits."""
    if observed.waits:
        return "<td>waits</td>"
    if observed.error is not None:
        number = errors.setdefault(observed.error, len(errors) + 1)
        kind, _, text = short(observed.error).partition(": ")
        label = f'<span class="error-type">{escape(kind)}:</span> <span class="error-text">{escape(text)}</span>'
        return f'<td class="cell-error"><a href="#matrix-e{number}">{label}</a></td>'
    assert observed.after is not None
    if observed.after == before:
        return '<td class="cell-ok">ok</td>'
    sides = zip(SIDES, before, observed.after, strict=True)
    moves = ", ".join(f"{side} → {new.name}" for side, old, new in sides if old is not new)
    link = f'<a href="#{anchor(observed.after)}">→ {NAMES[observed.after]}</a>'
    return f'<td class="cell-move">{link}<span class="visually-hidden"> ({moves})</span></td>'


def table(key: str, caption: str, columns: list[Pair], cells: dict[tuple[str, Pair], str]) -> str:
    """One table: a row per case, grouped, a column per state pair, in a focusable region that scrolls if need be."""
    sides = "".join(f"<code>{side}</code>" for side in SIDES)
    head = header("call", f'<span aria-hidden="true">{sides}</span>') + "".join(
        header(NAMES[pair], raw(pair)) for pair in columns
    )
    groups: dict[str, list[str]] = {}
    for group, label, _, _ in CASES:
        row = "".join(cells[label, pair] for pair in columns)
        groups.setdefault(group, []).append(f'<tr><th scope="row"><code>{breakable(label)}</code></th>{row}</tr>')
    span = len(columns) + 1
    body = "".join(
        f'<tbody><tr class="group"><th scope="rowgroup" colspan="{span}">{group}</th></tr>{"".join(rows)}</tbody>'
        for group, rows in groups.items()
    )
    return (
        f'<div class="matrix-scroll" role="region" tabindex="0" aria-labelledby="{key}-caption">'
        f'<table class="matrix"><caption id="{key}-caption">{caption}</caption>'
        f"<thead><tr>{head}</tr></thead>{body}</table></div>"
    )


async def build() -> str:
    every = await reachable(STEPS)
    helpers = await reachable(HELPER_STEPS)
    assert helpers.keys() <= every.keys(), "the helpers reached a state the raw moves did not"
    raw_only = sorted(every.keys() - helpers.keys(), key=lambda pair: (pair[0].value, pair[1].value))
    routes = {**{pair: every[pair] for pair in raw_only}, **helpers}
    cells: dict[tuple[str, Pair], str] = {}
    errors: dict[str, int] = {}
    for pair in [*helpers, *raw_only]:
        for _, label, message, call in CASES:
            cells[label, pair] = cell(await observe(routes[pair], message, call), pair, errors)
    parts = [
        table("matrix-helpers", "States an app reaches with the helpers", list(helpers), cells),
        table(
            "matrix-raw", "States reachable only with raw <code>send</code> and <code>receive</code>", raw_only, cells
        ),
        "**States**: each is a pair of [`WebSocketState`](../reference/websocket-state.md) values"
        " (`client_state`, `application_state`), reached from a new connection by:",
    ]
    states = []
    for pair in [*helpers, *raw_only]:
        route = ", then ".join(f"`{step.label}`" for step in routes[pair]) or "nothing: a new `WebSocket`"
        names = f"(`{pair[0].name}`, `{pair[1].name}`)"
        states.append(f'- <span id="{anchor(pair)}">**{NAMES[pair]}**</span> {names}: {route}')
    parts.append("\n".join(states))
    parts.append("**Errors** raised, in full:")
    parts.append(
        '<ol class="matrix-errors">'
        + "".join(
            f'<li id="matrix-e{number}"><strong>{escape(short(error))}</strong>: <code>{escape(error)}</code></li>'
            for error, number in errors.items()
        )
        + "</ol>"
    )
    parts.append(
        f"{len(CASES)} calls × {len(every)} reachable states = {len(cells)} cells, all observed at build time."
    )
    return "\n\n".join(parts)


def render() -> str:
    return asyncio.run(build())
