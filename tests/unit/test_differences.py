"""The deliberate differences from Starlette 0.29: the list, and each one shown in action."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import FrozenInstanceError

import pytest

from reference_impl import HTTPConnection, InMemoryPeer, WebSocket, WebSocketDisconnect, WebSocketState
from reference_impl.differences import BY_ID, DIFFERENCES

from .conftest import Opener
from .seed_texts import EXPECT_ACCEPT, EXPECT_CONNECT, EXPECT_RECEIVE, EXPECT_SEND

CONNECTING, CONNECTED, DISCONNECTED = WebSocketState


async def disconnect_reason(open_in: Opener) -> None:
    websocket, peer = await open_in(CONNECTED, CONNECTED)
    peer.feed_disconnect(1001, "server shutting down")
    with pytest.raises(WebSocketDisconnect) as raised:
        await websocket.receive_text()
    assert raised.value.reason == "server shutting down"  # 0.29: ""
    assert raised.value.args == (1001, "server shutting down")  # 0.29: (1001,)


async def root_path(open_in: Opener) -> None:
    peer = InMemoryPeer(path="/api/chat", root_path="/api")
    websocket = WebSocket(peer.scope, peer.receive, peer.send)
    assert str(websocket.url) == "ws://127.0.0.1:8000/api/chat"  # 0.29: /api/api/chat
    trailing = HTTPConnection({**peer.scope, "root_path": "/api/"})
    assert str(trailing.base_url) == "ws://127.0.0.1:8000/api/"  # 0.29: /api//


async def default_scheme(open_in: Opener) -> None:
    peer = InMemoryPeer()
    del peer.scope["scheme"]
    assert str(WebSocket(peer.scope, peer.receive, peer.send).url) == "ws://127.0.0.1:8000/"  # 0.29: http://


async def unhashable_message_type(open_in: Opener) -> None:
    bad = ["websocket.send"]
    expected = {
        (CONNECTING, "receive"): EXPECT_CONNECT,
        (CONNECTED, "receive"): EXPECT_RECEIVE,
        (CONNECTING, "send"): EXPECT_ACCEPT,
        (CONNECTED, "send"): EXPECT_SEND,
    }
    for (state, call), template in expected.items():  # 0.29: TypeError in three of the four
        websocket, peer = await open_in(state, state)
        peer.feed({"type": bad})
        with pytest.raises(RuntimeError) as raised:
            await (websocket.receive() if call == "receive" else websocket.send({"type": bad}))
        assert str(raised.value) == template.format(bad)


DEMONSTRATIONS: dict[str, Callable[[Opener], Awaitable[None]]] = {
    "disconnect-reason": disconnect_reason,
    "root-path": root_path,
    "default-scheme": default_scheme,
    "unhashable-message-type": unhashable_message_type,
}


def test_every_difference_is_demonstrated_here() -> None:
    assert [difference.id for difference in DIFFERENCES] == list(DEMONSTRATIONS)


@pytest.mark.asyncio
@pytest.mark.parametrize("difference_id", DEMONSTRATIONS)
async def test_difference_in_action(open_in: Opener, difference_id: str) -> None:
    await DEMONSTRATIONS[difference_id](open_in)


def test_differences_are_indexed_by_id_and_fully_described() -> None:
    assert {difference.id: difference for difference in DIFFERENCES} == BY_ID
    assert len(BY_ID) == len(DIFFERENCES)
    for difference in DIFFERENCES:
        assert all((difference.title, difference.starlette_029, difference.reference, difference.grounds))
    with pytest.raises(FrozenInstanceError):
        DIFFERENCES[0].id = "changed"  # type: ignore[misc]
