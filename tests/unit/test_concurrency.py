"""Calls that overlap, and a mode that cannot be hashed: found by the differential fuzzer.

Starlette decides a receive by the state it *started* in, before awaiting the
server; a concurrent receive that moves the state meanwhile does not change
the rules, and a row that keeps the state writes nothing back.
"""

from __future__ import annotations

import asyncio

import pytest

from reference_impl import InMemoryPeer, WebSocket, WebSocketState

from .seed_texts import EXPECT_CONNECT

pytestmark = pytest.mark.asyncio


async def test_two_receives_started_in_connecting_both_expect_connect() -> None:
    peer = InMemoryPeer(connect=False)
    websocket = WebSocket(peer.scope, peer.receive, peer.send)
    first = asyncio.ensure_future(websocket.receive())
    second = asyncio.ensure_future(websocket.receive())
    await asyncio.sleep(0)  # both are now waiting on the server, in CONNECTING
    peer.feed({"type": "websocket.connect"})
    peer.feed_text("early")
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert results[0] == {"type": "websocket.connect"}
    assert isinstance(results[1], RuntimeError)
    assert str(results[1]) == EXPECT_CONNECT.format("websocket.receive")
    assert websocket.client_state is WebSocketState.CONNECTED


async def test_a_late_message_does_not_undo_a_disconnect(peer: InMemoryPeer) -> None:
    websocket = WebSocket(peer.scope, peer.receive, peer.send)
    await websocket.accept()
    first = asyncio.ensure_future(websocket.receive())
    second = asyncio.ensure_future(websocket.receive())
    await asyncio.sleep(0)  # both are now waiting, in CONNECTED
    peer.feed_disconnect(1001)
    peer.feed_text("late")
    results = await asyncio.gather(first, second)
    assert [message["type"] for message in results] == ["websocket.disconnect", "websocket.receive"]
    assert websocket.client_state is WebSocketState.DISCONNECTED


@pytest.mark.parametrize("call", ["receive_json", "send_json"])
async def test_an_unhashable_mode_raises_type_error_as_the_seed_does(peer: InMemoryPeer, call: str) -> None:
    websocket = WebSocket(peer.scope, peer.receive, peer.send)
    method = getattr(websocket, call)
    arguments = [["text"]] if call == "receive_json" else [{}, ["text"]]
    with pytest.raises(TypeError, match="unhashable type: 'list'"):
        await method(*arguments)
    assert peer.transcript == []
