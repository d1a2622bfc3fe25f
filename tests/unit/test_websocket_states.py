"""`receive` and `send` in every state pair, with every kind of message type.

Expectations are written from the seed's if/elif chain (see `seed_texts`),
not read back from `transitions.TABLE`.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from reference_impl import InMemoryPeer, WebSocket, WebSocketState
from reference_impl.types import Message

from .conftest import Opener
from .seed_texts import (
    EXPECT_ACCEPT,
    EXPECT_CONNECT,
    EXPECT_RECEIVE,
    EXPECT_SEND,
    RECEIVE_AFTER_DISCONNECT,
    SEND_AFTER_CLOSE,
)

pytestmark = pytest.mark.asyncio

CONNECTING, CONNECTED, DISCONNECTED = WebSocketState
STATE_PAIRS = list(itertools.product(WebSocketState, WebSocketState))
# Real types, a bogus one, one from the HTTP protocol, and unhashable ones
# (the `unhashable-message-type` difference: 0.29 raises TypeError in three states).
MESSAGE_TYPES: list[Any] = [
    "websocket.connect",
    "websocket.accept",
    "websocket.receive",
    "websocket.send",
    "websocket.disconnect",
    "websocket.close",
    "websocket.bogus",
    "http.request",
    ["websocket.receive"],
    {"type": "websocket.send"},
]

# state -> (allowed types and where they lead, error template for any other type)
RECEIVE_RULES: dict[WebSocketState, tuple[dict[str, WebSocketState], str]] = {
    CONNECTING: ({"websocket.connect": CONNECTED}, EXPECT_CONNECT),
    CONNECTED: ({"websocket.receive": CONNECTED, "websocket.disconnect": DISCONNECTED}, EXPECT_RECEIVE),
}
SEND_RULES: dict[WebSocketState, tuple[dict[str, WebSocketState], str]] = {
    CONNECTING: ({"websocket.accept": CONNECTED, "websocket.close": DISCONNECTED}, EXPECT_ACCEPT),
    CONNECTED: ({"websocket.send": CONNECTED, "websocket.close": DISCONNECTED}, EXPECT_SEND),
}


def type_id(message_type: Any) -> str:
    return repr(message_type) if not isinstance(message_type, str) else message_type


def expected_outcome(
    rules: dict[WebSocketState, tuple[dict[str, WebSocketState], str]], state: WebSocketState, message_type: Any
) -> WebSocketState | str:
    allowed, template = rules[state]
    if isinstance(message_type, str) and message_type in allowed:
        return allowed[message_type]
    return template.format(message_type)


@pytest.mark.parametrize("message_type", MESSAGE_TYPES, ids=type_id)
@pytest.mark.parametrize(("client", "application"), STATE_PAIRS, ids=lambda s: s.name)
async def test_receive(open_in: Opener, client: WebSocketState, application: WebSocketState, message_type: Any) -> None:
    websocket, peer = await open_in(client, application)
    message: Message = {"type": message_type}
    peer.feed(message)
    if client == DISCONNECTED:
        with pytest.raises(RuntimeError) as raised:
            await websocket.receive()
        assert str(raised.value) == RECEIVE_AFTER_DISCONNECT
        assert (peer.pending, peer.received) == (1, [])  # refused before reading
        assert websocket.client_state is DISCONNECTED
    else:
        expected = expected_outcome(RECEIVE_RULES, client, message_type)
        if isinstance(expected, WebSocketState):
            assert await websocket.receive() is message
            assert websocket.client_state is expected
        else:
            with pytest.raises(RuntimeError) as raised:
                await websocket.receive()
            assert str(raised.value) == expected
            assert websocket.client_state is client
        assert (peer.pending, peer.received) == (0, [message])  # consumed either way
    assert websocket.application_state is application
    assert peer.sent == []


@pytest.mark.parametrize("message_type", MESSAGE_TYPES, ids=type_id)
@pytest.mark.parametrize(("client", "application"), STATE_PAIRS, ids=lambda s: s.name)
async def test_send(open_in: Opener, client: WebSocketState, application: WebSocketState, message_type: Any) -> None:
    websocket, peer = await open_in(client, application)
    message: Message = {"type": message_type}
    if application == DISCONNECTED:
        expected: WebSocketState | str = SEND_AFTER_CLOSE
    else:
        expected = expected_outcome(SEND_RULES, application, message_type)
    if isinstance(expected, WebSocketState):
        await websocket.send(message)
        assert websocket.application_state is expected
        assert peer.sent == [message]
        assert peer.sent[0] is message
    else:
        with pytest.raises(RuntimeError) as raised:
            await websocket.send(message)
        assert str(raised.value) == expected
        assert websocket.application_state is application
        assert peer.sent == []
    assert websocket.client_state is client
    assert peer.received == []


@pytest.mark.parametrize("client", [CONNECTING, CONNECTED])
async def test_receive_a_message_without_type_is_a_key_error_and_consumes_it(
    open_in: Opener, client: WebSocketState
) -> None:
    websocket, peer = await open_in(client, CONNECTING)
    peer.feed({"text": "no type"})
    with pytest.raises(KeyError) as raised:
        await websocket.receive()
    assert raised.value.args == ("type",)
    assert websocket.client_state is client
    assert (peer.pending, peer.received) == (0, [{"text": "no type"}])


async def test_receive_without_type_after_disconnect_is_refused_unread(open_in: Opener) -> None:
    websocket, peer = await open_in(DISCONNECTED, CONNECTED)
    peer.feed({"text": "no type"})
    with pytest.raises(RuntimeError) as raised:
        await websocket.receive()
    assert str(raised.value) == RECEIVE_AFTER_DISCONNECT
    assert peer.pending == 1


@pytest.mark.parametrize("application", [CONNECTING, CONNECTED])
async def test_send_a_message_without_type_is_a_key_error_and_sends_nothing(
    open_in: Opener, application: WebSocketState
) -> None:
    websocket, peer = await open_in(CONNECTED, application)
    with pytest.raises(KeyError) as raised:
        await websocket.send({"text": "no type"})
    assert raised.value.args == ("type",)
    assert websocket.application_state is application
    assert peer.sent == []


async def test_send_without_type_after_close_is_the_closed_error(open_in: Opener) -> None:
    websocket, peer = await open_in(CONNECTED, DISCONNECTED)
    with pytest.raises(RuntimeError) as raised:
        await websocket.send({"text": "no type"})
    assert str(raised.value) == SEND_AFTER_CLOSE
    assert peer.sent == []


class FlakySend:
    """A server `send` that records messages, and raises an OSError once broken."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.broken = False

    async def __call__(self, message: Message) -> None:
        if self.broken:
            raise ConnectionResetError("connection reset")
        self.sent.append(message)


@pytest.mark.parametrize(
    ("accepted", "message", "after"),
    [
        (False, {"type": "websocket.accept"}, CONNECTED),
        (False, {"type": "websocket.close", "code": 1000}, DISCONNECTED),
        (True, {"type": "websocket.send", "text": "x"}, CONNECTED),
        (True, {"type": "websocket.close", "code": 1000}, DISCONNECTED),
    ],
)
async def test_state_moves_before_the_servers_send_raises(
    peer: InMemoryPeer, accepted: bool, message: Message, after: WebSocketState
) -> None:
    send = FlakySend()
    websocket = WebSocket(peer.scope, peer.receive, send)
    if accepted:
        await websocket.accept()
    send.broken = True
    with pytest.raises(ConnectionResetError) as raised:
        await websocket.send(message)
    assert str(raised.value) == "connection reset"
    assert websocket.application_state is after
    assert send.sent == ([{"type": "websocket.accept", "subprotocol": None, "headers": []}] if accepted else [])


async def test_client_state_stays_when_the_servers_receive_raises(peer: InMemoryPeer) -> None:
    async def broken_receive() -> Message:
        raise ConnectionAbortedError("gone")

    websocket = WebSocket(peer.scope, broken_receive, peer.send)
    with pytest.raises(ConnectionAbortedError) as raised:
        await websocket.receive()
    assert str(raised.value) == "gone"
    assert websocket.client_state is CONNECTING
