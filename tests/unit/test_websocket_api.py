"""The `WebSocket` calls above `receive`/`send`: accept, receive_*, iter_*, send_*, close."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from reference_impl import InMemoryPeer, WebSocket, WebSocketClose, WebSocketDisconnect, WebSocketState
from reference_impl.peer import Exchange
from reference_impl.types import Message

from .conftest import Opener
from .seed_texts import (
    BAD_MODE,
    EXPECT_CONNECT,
    EXPECT_RECEIVE,
    EXPECT_SEND,
    NOT_CONNECTED,
    RECEIVE_AFTER_DISCONNECT,
    SEND_AFTER_CLOSE,
)

pytestmark = pytest.mark.asyncio

CONNECTING, CONNECTED, DISCONNECTED = WebSocketState
ACCEPT: Message = {"type": "websocket.accept", "subprotocol": None, "headers": []}
CONNECT = {"type": "websocket.connect"}


class Call:
    """One WebSocket method call, applied later and named in test ids: `Call("close", 1001)`."""

    def __init__(self, method: str, *args: Any, **kwargs: Any) -> None:
        self.method, self.args, self.kwargs = method, args, kwargs

    def __call__(self, websocket: WebSocket) -> Awaitable[Any]:
        result: Awaitable[Any] = getattr(websocket, self.method)(*self.args, **self.kwargs)
        return result

    def __repr__(self) -> str:
        arguments = [repr(arg) for arg in self.args] + [f"{key}={value!r}" for key, value in self.kwargs.items()]
        return f"{self.method}({', '.join(arguments)})"


def call_id(value: object) -> str | None:
    """Name a parameter set by its Call; let pytest name the other values."""
    return repr(value) if isinstance(value, Call) else None


RECEIVERS: dict[str, Call] = {
    "receive_text": Call("receive_text"),
    "receive_bytes": Call("receive_bytes"),
    "receive_json": Call("receive_json"),
    "receive_json_binary": Call("receive_json", mode="binary"),
}


# accept


async def test_accept_reads_connect_then_sends_accept(websocket: WebSocket, peer: InMemoryPeer) -> None:
    await websocket.accept()
    assert peer.transcript == [Exchange("receive", CONNECT), Exchange("send", ACCEPT)]
    assert (websocket.client_state, websocket.application_state) == (CONNECTED, CONNECTED)


async def test_accept_passes_subprotocol_and_headers(peer: InMemoryPeer) -> None:
    websocket = WebSocket(peer.scope, peer.receive, peer.send)
    headers = [(b"x-server", b"ref")]
    await websocket.accept(subprotocol="chat.v1", headers=headers)
    assert peer.sent == [{"type": "websocket.accept", "subprotocol": "chat.v1", "headers": [(b"x-server", b"ref")]}]
    assert peer.sent[0]["headers"] is headers


@pytest.mark.parametrize("headers", [None, [], ()])
async def test_accept_turns_falsy_headers_into_an_empty_list(
    websocket: WebSocket, peer: InMemoryPeer, headers: Any
) -> None:
    await websocket.accept(headers=headers)
    assert peer.sent[0]["headers"] == []
    assert type(peer.sent[0]["headers"]) is list


async def test_accept_passes_a_truthy_iterable_through_unchanged(websocket: WebSocket, peer: InMemoryPeer) -> None:
    # `headers or []`: a generator is truthy, so it reaches the server as is.
    headers: Iterator[tuple[bytes, bytes]] = iter([(b"x-a", b"1")])
    await websocket.accept(headers=headers)
    assert peer.sent[0]["headers"] is headers


async def test_accept_when_connect_was_already_read_does_not_receive_again(
    websocket: WebSocket, peer: InMemoryPeer
) -> None:
    await websocket.receive()
    peer.feed_text("early")
    await websocket.accept()
    assert peer.pending == 1  # "early" is still waiting
    assert peer.transcript == [Exchange("receive", CONNECT), Exchange("send", ACCEPT)]


async def test_accept_twice_is_the_connected_send_error(websocket: WebSocket, peer: InMemoryPeer) -> None:
    await websocket.accept()
    with pytest.raises(RuntimeError) as raised:
        await websocket.accept()
    assert str(raised.value) == EXPECT_SEND.format("websocket.accept")
    assert peer.sent == [ACCEPT]


async def test_accept_without_a_connect_message_sends_nothing() -> None:
    peer = InMemoryPeer(connect=False)
    peer.feed_text("not a connect")
    websocket = WebSocket(peer.scope, peer.receive, peer.send)
    with pytest.raises(RuntimeError) as raised:
        await websocket.accept()
    assert str(raised.value) == EXPECT_CONNECT.format("websocket.receive")
    assert (websocket.client_state, websocket.application_state, peer.sent) == (CONNECTING, CONNECTING, [])


async def test_accept_after_close_reads_connect_then_fails_to_send(open_in: Opener) -> None:
    websocket, peer = await open_in(CONNECTING, DISCONNECTED)
    peer.feed(CONNECT)
    with pytest.raises(RuntimeError) as raised:
        await websocket.accept()
    assert str(raised.value) == SEND_AFTER_CLOSE
    assert (websocket.client_state, peer.received, peer.sent) == (CONNECTED, [CONNECT], [])


# receive_text / receive_bytes / receive_json


@pytest.mark.parametrize(
    ("receiver", "feed", "expected"),
    [
        ("receive_text", {"type": "websocket.receive", "text": "héllo"}, "héllo"),
        ("receive_text", {"type": "websocket.receive", "text": ""}, ""),
        ("receive_bytes", {"type": "websocket.receive", "bytes": b"\x00\xff"}, b"\x00\xff"),
        ("receive_json", {"type": "websocket.receive", "text": '{"a": [1, null]}'}, {"a": [1, None]}),
        ("receive_json_binary", {"type": "websocket.receive", "bytes": '"Zürich"'.encode()}, "Zürich"),
        # Both keys present: the mode decides which one is read.
        ("receive_json", {"type": "websocket.receive", "text": "1", "bytes": b"2"}, 1),
        ("receive_json_binary", {"type": "websocket.receive", "text": "1", "bytes": b"2"}, 2),
    ],
)
async def test_receive_data(open_in: Opener, receiver: str, feed: dict[str, Any], expected: Any) -> None:
    websocket, peer = await open_in(CONNECTED, CONNECTED)
    peer.feed(feed)
    assert await RECEIVERS[receiver](websocket) == expected
    assert websocket.client_state is CONNECTED


@pytest.mark.parametrize("receiver", RECEIVERS)
@pytest.mark.parametrize("application", [CONNECTING, DISCONNECTED])
async def test_receive_data_before_accept_or_after_close_is_not_connected(
    open_in: Opener, receiver: str, application: WebSocketState
) -> None:
    websocket, peer = await open_in(CONNECTED, application)
    peer.feed_text("1")
    with pytest.raises(RuntimeError) as raised:
        await RECEIVERS[receiver](websocket)
    assert str(raised.value) == NOT_CONNECTED
    assert peer.pending == 1  # checked before reading


@pytest.mark.parametrize("receiver", RECEIVERS)
@pytest.mark.parametrize(("code", "reason"), [(1000, ""), (1001, "going away"), (4000, "bye")])
async def test_receive_data_raises_disconnect_with_code_and_reason(
    open_in: Opener, receiver: str, code: int, reason: str
) -> None:
    # `disconnect-reason` difference: 0.29 would give reason "" every time.
    websocket, peer = await open_in(CONNECTED, CONNECTED)
    peer.feed_disconnect(code, reason)
    with pytest.raises(WebSocketDisconnect) as raised:
        await RECEIVERS[receiver](websocket)
    assert (raised.value.code, raised.value.reason, raised.value.args) == (code, reason, (code, reason))
    assert websocket.client_state is DISCONNECTED


async def test_a_disconnect_without_reason_gives_an_empty_reason(open_in: Opener) -> None:
    websocket, peer = await open_in(CONNECTED, CONNECTED)
    peer.feed({"type": "websocket.disconnect", "code": 1005})
    with pytest.raises(WebSocketDisconnect) as raised:
        await websocket.receive_text()
    assert (raised.value.code, raised.value.reason, raised.value.args) == (1005, "", (1005, None))


async def test_a_disconnect_without_code_is_a_key_error(open_in: Opener) -> None:
    websocket, peer = await open_in(CONNECTED, CONNECTED)
    peer.feed({"type": "websocket.disconnect"})
    with pytest.raises(KeyError) as raised:
        await websocket.receive_text()
    assert raised.value.args == ("code",)
    assert websocket.client_state is DISCONNECTED


@pytest.mark.parametrize("receiver", RECEIVERS)
async def test_receive_data_after_disconnect_is_refused(open_in: Opener, receiver: str) -> None:
    websocket, peer = await open_in(DISCONNECTED, CONNECTED)
    peer.feed_text("1")
    with pytest.raises(RuntimeError) as raised:
        await RECEIVERS[receiver](websocket)
    assert str(raised.value) == RECEIVE_AFTER_DISCONNECT
    assert peer.pending == 1


@pytest.mark.parametrize("receiver", RECEIVERS)
async def test_receive_data_with_a_wrong_message_type(open_in: Opener, receiver: str) -> None:
    websocket, peer = await open_in(CONNECTED, CONNECTED)
    peer.feed(CONNECT)
    with pytest.raises(RuntimeError) as raised:
        await RECEIVERS[receiver](websocket)
    assert str(raised.value) == EXPECT_RECEIVE.format("websocket.connect")
    assert peer.pending == 0


@pytest.mark.parametrize(
    ("receiver", "feed", "missing"),
    [
        ("receive_bytes", {"type": "websocket.receive", "text": "a text frame"}, "bytes"),
        ("receive_text", {"type": "websocket.receive", "bytes": b"a binary frame"}, "text"),
        ("receive_json", {"type": "websocket.receive", "bytes": b"1"}, "text"),
        ("receive_json_binary", {"type": "websocket.receive", "text": "1"}, "bytes"),
    ],
)
async def test_a_frame_of_the_other_kind_is_a_key_error_and_is_consumed(
    open_in: Opener, receiver: str, feed: dict[str, Any], missing: str
) -> None:
    websocket, peer = await open_in(CONNECTED, CONNECTED)
    peer.feed(feed)
    with pytest.raises(KeyError) as raised:
        await RECEIVERS[receiver](websocket)
    assert raised.value.args == (missing,)
    assert (peer.pending, websocket.client_state) == (0, CONNECTED)


@pytest.mark.parametrize(
    ("receiver", "feed", "message"),
    [
        (
            "receive_json",
            {"type": "websocket.receive", "text": "not json"},
            "Expecting value: line 1 column 1 (char 0)",
        ),
        ("receive_json", {"type": "websocket.receive", "text": ""}, "Expecting value: line 1 column 1 (char 0)"),
        (
            "receive_json",
            {"type": "websocket.receive", "text": '{"a": 1'},
            "Expecting ',' delimiter: line 1 column 8 (char 7)",
        ),
        (
            "receive_json_binary",
            {"type": "websocket.receive", "bytes": b"[1,]"},
            "Expecting value: line 1 column 4 (char 3)",
        ),
    ],
)
async def test_invalid_json_is_a_json_decode_error(
    open_in: Opener, receiver: str, feed: dict[str, Any], message: str
) -> None:
    websocket, peer = await open_in(CONNECTED, CONNECTED)
    peer.feed(feed)
    with pytest.raises(json.JSONDecodeError) as raised:
        await RECEIVERS[receiver](websocket)
    assert str(raised.value) == message
    assert peer.pending == 0


async def test_non_utf8_bytes_in_binary_json_mode_is_a_unicode_decode_error(open_in: Opener) -> None:
    websocket, peer = await open_in(CONNECTED, CONNECTED)
    peer.feed_bytes(b"\xff\xfe")
    with pytest.raises(UnicodeDecodeError) as raised:
        await websocket.receive_json(mode="binary")
    assert str(raised.value) == "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"
    assert peer.pending == 0


@pytest.mark.parametrize("mode", ["json", "TEXT", "", None])
@pytest.mark.parametrize(
    ("client", "application"), [(CONNECTING, CONNECTING), (CONNECTED, CONNECTED), (CONNECTED, DISCONNECTED)]
)
async def test_a_bad_mode_is_checked_before_the_state(
    open_in: Opener, mode: Any, client: WebSocketState, application: WebSocketState
) -> None:
    websocket, peer = await open_in(client, application)
    peer.feed_text("1")
    with pytest.raises(RuntimeError) as raised:
        await websocket.receive_json(mode=mode)
    assert str(raised.value) == BAD_MODE
    with pytest.raises(RuntimeError) as raised:
        await websocket.send_json(1, mode=mode)
    assert str(raised.value) == BAD_MODE
    assert (peer.pending, peer.transcript) == (1, [])


# iter_text / iter_bytes / iter_json


@pytest.mark.parametrize(
    ("iterator", "feeds", "expected"),
    [
        ("iter_text", [InMemoryPeer.feed_text, InMemoryPeer.feed_text], ["a", "b"]),
        ("iter_bytes", [InMemoryPeer.feed_bytes, InMemoryPeer.feed_bytes], [b"a", b"b"]),
        ("iter_json", [InMemoryPeer.feed_json, InMemoryPeer.feed_json], [{"n": 1}, [2]]),
    ],
)
async def test_iterators_end_quietly_on_disconnect(
    open_in: Opener, iterator: str, feeds: list[Callable[[InMemoryPeer, Any], None]], expected: list[Any]
) -> None:
    websocket, peer = await open_in(CONNECTED, CONNECTED)
    for feed, value in zip(feeds, expected, strict=True):
        feed(peer, value)
    peer.feed_disconnect(1001, "going away")
    assert [item async for item in getattr(websocket, iterator)()] == expected
    assert websocket.client_state is DISCONNECTED
    assert peer.pending == 0


@pytest.mark.parametrize("iterator", ["iter_text", "iter_bytes", "iter_json"])
async def test_iterators_end_at_once_on_an_immediate_disconnect(open_in: Opener, iterator: str) -> None:
    websocket, peer = await open_in(CONNECTED, CONNECTED)
    peer.feed_disconnect()
    assert [item async for item in getattr(websocket, iterator)()] == []


@pytest.mark.parametrize(
    ("iterator", "bad_frame", "error"),
    [
        ("iter_text", {"type": "websocket.receive", "bytes": b"x"}, KeyError),
        ("iter_bytes", {"type": "websocket.receive", "text": "x"}, KeyError),
        ("iter_json", {"type": "websocket.receive", "text": "{"}, json.JSONDecodeError),
    ],
)
async def test_iterators_let_other_errors_through(
    open_in: Opener, iterator: str, bad_frame: dict[str, Any], error: type[Exception]
) -> None:
    websocket, peer = await open_in(CONNECTED, CONNECTED)
    peer.feed(bad_frame)
    with pytest.raises(error):
        [item async for item in getattr(websocket, iterator)()]
    assert peer.pending == 0


@pytest.mark.parametrize("iterator", ["iter_text", "iter_bytes", "iter_json"])
async def test_iterators_before_accept_are_not_connected(websocket: WebSocket, iterator: str) -> None:
    with pytest.raises(RuntimeError) as raised:
        [item async for item in getattr(websocket, iterator)()]
    assert str(raised.value) == NOT_CONNECTED


# send_text / send_bytes / send_json / close


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (Call("send_text", "hé"), {"type": "websocket.send", "text": "hé"}),
        (Call("send_bytes", b"\x00"), {"type": "websocket.send", "bytes": b"\x00"}),
        (
            Call("send_json", {"city": "Zürich", "n": [1, 2]}),
            {"type": "websocket.send", "text": '{"city":"Z\\u00fcrich","n":[1,2]}'},
        ),
        (Call("send_json", None, mode="binary"), {"type": "websocket.send", "bytes": b"null"}),
        (Call("send_json", {"a": "é"}, mode="binary"), {"type": "websocket.send", "bytes": b'{"a":"\\u00e9"}'}),
        (Call("send_json", "x", mode="text"), {"type": "websocket.send", "text": '"x"'}),
    ],
    ids=call_id,
)
async def test_send_data(open_in: Opener, call: Call, expected: dict[str, Any]) -> None:
    websocket, peer = await open_in(CONNECTED, CONNECTED)
    assert await call(websocket) is None
    assert peer.sent == [expected]
    assert websocket.application_state is CONNECTED


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (Call("close"), {"type": "websocket.close", "code": 1000, "reason": ""}),
        (Call("close", 1001, None), {"type": "websocket.close", "code": 1001, "reason": ""}),
        (Call("close", code=4000, reason="bye"), {"type": "websocket.close", "code": 4000, "reason": "bye"}),
    ],
    ids=call_id,
)
@pytest.mark.parametrize("application", [CONNECTING, CONNECTED])
async def test_close(open_in: Opener, call: Call, expected: dict[str, Any], application: WebSocketState) -> None:
    websocket, peer = await open_in(CONNECTED, application)
    await call(websocket)
    assert peer.sent == [expected]
    assert websocket.application_state is DISCONNECTED


@pytest.mark.parametrize(
    "call",
    [
        Call("send_text", "x"),
        Call("send_bytes", b"x"),
        Call("send_json", 1),
        Call("close"),
        Call("accept"),
    ],
    ids=call_id,
)
async def test_sending_after_close_is_refused(open_in: Opener, call: Call) -> None:
    websocket, peer = await open_in(CONNECTED, DISCONNECTED)
    with pytest.raises(RuntimeError) as raised:
        await call(websocket)
    assert str(raised.value) == SEND_AFTER_CLOSE
    assert peer.sent == []


@pytest.mark.parametrize(
    "call",
    [Call("send_text", "x"), Call("send_bytes", b"x"), Call("send_json", 1)],
    ids=call_id,
)
async def test_sending_data_before_accept_is_the_connecting_error(
    websocket: WebSocket, peer: InMemoryPeer, call: Call
) -> None:
    with pytest.raises(RuntimeError) as raised:
        await call(websocket)
    assert (
        str(raised.value) == 'Expected ASGI message "websocket.accept" or "websocket.close", but got \'websocket.send\''
    )
    assert (peer.sent, websocket.application_state) == ([], CONNECTING)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({1, 2}, "Object of type set is not JSON serializable"),
        (b"raw", "Object of type bytes is not JSON serializable"),
        ({"when": object}, "Object of type type is not JSON serializable"),
    ],
)
@pytest.mark.parametrize("mode", ["text", "binary"])
async def test_unserializable_data_is_a_type_error_and_sends_nothing(
    open_in: Opener, data: Any, message: str, mode: str
) -> None:
    websocket, peer = await open_in(CONNECTED, CONNECTED)
    with pytest.raises(TypeError) as raised:
        await websocket.send_json(data, mode=mode)
    assert str(raised.value) == message
    assert (peer.sent, websocket.application_state) == ([], CONNECTED)


async def test_unserializable_data_after_close_is_a_type_error_not_the_state_error(open_in: Opener) -> None:
    # The seed serializes before it sends, so the TypeError comes first.
    websocket, _ = await open_in(CONNECTED, DISCONNECTED)
    with pytest.raises(TypeError) as raised:
        await websocket.send_json({1})
    assert str(raised.value) == "Object of type set is not JSON serializable"


# WebSocketClose


@pytest.mark.parametrize(
    ("app", "expected"),
    [
        (WebSocketClose(), {"type": "websocket.close", "code": 1000, "reason": ""}),
        (WebSocketClose(1008, None), {"type": "websocket.close", "code": 1008, "reason": ""}),
        (
            WebSocketClose(code=4003, reason="forbidden"),
            {"type": "websocket.close", "code": 4003, "reason": "forbidden"},
        ),
    ],
)
async def test_websocket_close_app_only_sends_close(
    peer: InMemoryPeer, app: WebSocketClose, expected: dict[str, Any]
) -> None:
    await peer.run(app)
    assert peer.transcript == [Exchange("send", expected)]
    assert peer.pending == 1  # websocket.connect was never read
    assert (app.code, app.reason) == (expected["code"], expected["reason"])
