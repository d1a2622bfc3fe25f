"""Fixtures for the unit tests: a peer, a WebSocket on it, and a way to reach any state pair."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

import pytest

from reference_impl import InMemoryPeer, WebSocket, WebSocketState, transitions
from reference_impl.transitions import Row

CONNECTING, CONNECTED, DISCONNECTED = WebSocketState

Opener = Callable[[WebSocketState, WebSocketState], Awaitable[tuple[WebSocket, InMemoryPeer]]]


@pytest.fixture
def peer() -> InMemoryPeer:
    """A fresh peer with `websocket.connect` waiting."""
    return InMemoryPeer()


@pytest.fixture
def websocket(peer: InMemoryPeer) -> WebSocket:
    """A WebSocket on `peer`, in (CONNECTING, CONNECTING)."""
    return WebSocket(peer.scope, peer.receive, peer.send)


@pytest.fixture
def open_in() -> Opener:
    """Return a coroutine that builds a WebSocket in a given (client, application) state pair.

    The pair is reached through real messages, never by setting attributes, and
    the transcript is cleared afterwards, and nothing is left queued, so a test
    sees only its own exchange.
    """

    async def opener(client: WebSocketState, application: WebSocketState) -> tuple[WebSocket, InMemoryPeer]:
        peer = InMemoryPeer(connect=False)
        websocket = WebSocket(peer.scope, peer.receive, peer.send)
        if client != CONNECTING:
            peer.feed({"type": "websocket.connect"})
            await websocket.receive()
        if client == DISCONNECTED:
            peer.feed_disconnect()
            await websocket.receive()
        if application == CONNECTED:
            await websocket.send({"type": "websocket.accept"})
        elif application == DISCONNECTED:
            await websocket.send({"type": "websocket.close"})
        assert (websocket.client_state, websocket.application_state) == (client, application)
        assert peer.pending == 0
        peer.transcript.clear()
        return websocket, peer

    return opener


@pytest.fixture
def observed() -> Iterator[list[Row]]:
    """Record every row the transition engine applies while the test runs."""
    rows: list[Row] = []
    transitions.observers.append(rows.append)
    try:
        yield rows
    finally:
        transitions.observers.remove(rows.append)
