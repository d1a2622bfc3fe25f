"""The method × state matrix, filled by calling every public `WebSocket` method in every reachable state.

At build time this module finds the reachable `(client_state,
application_state)` pairs by driving a `WebSocket` through `InMemoryPeer`
(breadth first, from a new connection), then, for each pair, builds a fresh
connection in that pair and makes one call. Each cell records what happened:
the state pair it moved to, or the exception and its message. Nothing is
predicted; everything shown was observed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from reference_impl import InMemoryPeer, WebSocket, WebSocketState
from reference_impl.datastructures import URLPath

Call = Callable[[WebSocket], Awaitable[Any]]
Pair = tuple[WebSocketState, WebSocketState]
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


# The moves the search tries, from a new connection.
STEPS = (
    Step("receive() ← websocket.connect", CONNECT, lambda ws: ws.receive()),
    Step("receive() ← websocket.disconnect", {"type": "websocket.disconnect", "code": 1000}, lambda ws: ws.receive()),
    Step("send(websocket.accept)", None, lambda ws: ws.send({"type": "websocket.accept"})),
    Step("send(websocket.close)", None, lambda ws: ws.send({"type": "websocket.close", "code": 1000})),
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


async def reachable() -> dict[Pair, tuple[Step, ...]]:
    """Every reachable state pair, with a shortest path of steps to it, found by running them."""
    found: dict[Pair, tuple[Step, ...]] = {}
    start, _ = await connection(())
    found[states(start)] = ()
    frontier = [()]
    while frontier:
        next_frontier = []
        for path in frontier:
            for step in STEPS:
                try:
                    websocket, _ = await connection((*path, step))
                except RuntimeError:
                    continue  # the table refuses this step here
                pair = states(websocket)
                if pair not in found:
                    found[pair] = (*path, step)
                    next_frontier.append((*path, step))
        frontier = next_frontier
    return dict(sorted(found.items(), key=lambda item: (item[0][0].value, item[0][1].value)))


@dataclass(frozen=True)
class Observed:
    """What one call did: the states after it, or what it raised."""

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


def cell(observed: Observed, before: Pair, columns: list[Pair], errors: dict[str, int]) -> str:
    """A table cell: ok, the state pair moved to (as its column), En for an error, or waits."""
    if observed.waits:
        return "<td>waits</td>"
    if observed.error is not None:
        number = errors.setdefault(observed.error, len(errors) + 1)
        link = f'<a href="#matrix-e{number}">E{number}</a>'
        return f'<td class="cell-error" title="{escape(observed.error)}">{link}</td>'
    assert observed.after is not None
    if observed.after == before:
        return "<td>ok</td>"
    sides = zip(("client", "app"), before, observed.after, strict=True)
    moves = ", ".join(f"{side} → {new.name}" for side, old, new in sides if old is not new)
    return f'<td title="{moves}">→ S{columns.index(observed.after) + 1}</td>'


async def build() -> str:
    pairs = await reachable()
    columns = list(pairs)
    errors: dict[str, int] = {}
    head = "".join(
        f"<th>S{i}<br><code>{c.name}</code><br><code>{a.name}</code></th>" for i, (c, a) in enumerate(columns, 1)
    )
    body = []
    for group, label, message, call in CASES:
        cells = [cell(await observe(pairs[pair], message, call), pair, columns, errors) for pair in columns]
        body.append(f"<tr><td>{escape(group)}</td><td><code>{escape(label)}</code></td>{''.join(cells)}</tr>")
    table = (
        '<div class="generated-table"><table>'
        f"<thead><tr><th></th><th>call</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
    legend = ["**States**: column S*n* is the pair `client_state`, `application_state`, reached by running:", ""]
    for i, (pair, path) in enumerate(pairs.items(), 1):
        route = ", then ".join(f"`{step.label}`" for step in path) or "nothing: a new `WebSocket`"
        legend.append(f"- **S{i}** `{pair[0].name}`, `{pair[1].name}`: {route}")
    legend += ["", "**Errors** raised (hover a cell to see its error in place):", ""]
    for error, number in errors.items():
        legend.append(f'- <span id="matrix-e{number}">**E{number}**</span> <code>{escape(error)}</code>')
    cells = len(CASES) * len(columns)
    legend += ["", f"{len(CASES)} calls × {len(columns)} reachable states = {cells} cells, all observed at build time."]
    return table + "\n\n" + "\n".join(legend)


def render() -> str:
    return asyncio.run(build())
