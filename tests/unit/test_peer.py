"""`InMemoryPeer`: the scope it builds, what it feeds, what it records and prints."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from reference_impl import InMemoryPeer, WebSocket
from reference_impl.peer import Exchange
from reference_impl.types import Message, Receive, Scope, Send


def test_default_scope_and_connect_waiting() -> None:
    peer = InMemoryPeer()
    assert peer.scope == {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.5"},
        "http_version": "1.1",
        "scheme": "ws",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000")],
        "subprotocols": [],
    }
    assert (peer.pending, peer.transcript, peer.sent, peer.received) == (1, [], [], [])


def test_scope_from_arguments() -> None:
    peer = InMemoryPeer(
        path="/café",
        query_string=b"a=1",
        headers=[("X-Token", "é"), ("Cookie", "a=1")],
        subprotocols=(p for p in ["chat.v2", "chat.v1"]),
        client=("10.0.0.9", 1234),
        connect=False,
        root_path="/api",
        scheme="wss",
        state={"db": "pool"},
    )
    assert peer.scope["headers"] == [(b"host", b"127.0.0.1:8000"), (b"x-token", b"\xe9"), (b"cookie", b"a=1")]
    assert (peer.scope["path"], peer.scope["raw_path"], peer.scope["query_string"]) == (
        "/café",
        "/café".encode(),
        b"a=1",
    )
    assert (peer.scope["subprotocols"], peer.scope["client"]) == (["chat.v2", "chat.v1"], ("10.0.0.9", 1234))
    assert (peer.scope["root_path"], peer.scope["scheme"], peer.scope["state"]) == ("/api", "wss", {"db": "pool"})
    assert peer.pending == 0


def test_each_peer_has_its_own_scope_lists() -> None:
    one, two = InMemoryPeer(), InMemoryPeer()
    one.scope["headers"].append((b"x", b"y"))
    assert two.scope["headers"] == [(b"host", b"127.0.0.1:8000")]


@pytest.mark.parametrize(
    ("feed", "args", "message"),
    [
        ("feed", ({"type": "anything", "odd": 1},), {"type": "anything", "odd": 1}),
        ("feed_text", ("hi",), {"type": "websocket.receive", "text": "hi"}),
        ("feed_bytes", (b"\x00",), {"type": "websocket.receive", "bytes": b"\x00"}),
        ("feed_json", ({"a": [1, "é"]},), {"type": "websocket.receive", "text": '{"a": [1, "\\u00e9"]}'}),
        ("feed_disconnect", (), {"type": "websocket.disconnect", "code": 1000, "reason": ""}),
        ("feed_disconnect", (1006,), {"type": "websocket.disconnect", "code": 1006, "reason": ""}),
        ("feed_disconnect", (4000, "bye"), {"type": "websocket.disconnect", "code": 4000, "reason": "bye"}),
    ],
)
@pytest.mark.asyncio
async def test_feed_helpers_queue_one_exact_message(feed: str, args: tuple[Any, ...], message: Message) -> None:
    peer = InMemoryPeer(connect=False)
    assert getattr(peer, feed)(*args) is None
    assert peer.pending == 1
    assert await peer.receive() == message
    assert (peer.pending, peer.received, peer.transcript) == (0, [message], [Exchange("receive", message)])


@pytest.mark.asyncio
async def test_receive_waits_while_nothing_is_fed() -> None:
    peer = InMemoryPeer(connect=False)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(peer.receive(), timeout=0.01)
    assert peer.transcript == []


@pytest.mark.asyncio
async def test_send_records_the_same_object_in_order() -> None:
    peer = InMemoryPeer()
    first: Message = {"type": "websocket.accept"}
    await peer.send(first)
    await peer.receive()
    await peer.send({"type": "websocket.close", "code": 1000})
    assert peer.sent == [first, {"type": "websocket.close", "code": 1000}]
    assert peer.sent[0] is first
    assert peer.received == [{"type": "websocket.connect"}]
    assert [exchange.direction for exchange in peer.transcript] == ["send", "receive", "send"]


@pytest.mark.asyncio
async def test_print_transcript(capsys: pytest.CaptureFixture[str]) -> None:
    peer = InMemoryPeer()
    websocket = WebSocket(peer.scope, peer.receive, peer.send)
    await websocket.accept()
    peer.feed_text("hello")
    await websocket.send_text(await websocket.receive_text())
    peer.print_transcript()
    assert capsys.readouterr().out == (
        "receive  {'type': 'websocket.connect'}\n"
        "send     {'type': 'websocket.accept', 'subprotocol': None, 'headers': []}\n"
        "receive  {'type': 'websocket.receive', 'text': 'hello'}\n"
        "send     {'type': 'websocket.send', 'text': 'hello'}\n"
    )


def test_print_transcript_of_nothing_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    InMemoryPeer().print_transcript()
    assert capsys.readouterr().out == ""


def test_exchange_str_pads_the_direction() -> None:
    assert str(Exchange("send", {"type": "x"})) == "send     {'type': 'x'}"
    assert str(Exchange("receive", {})) == "receive  {}"


@pytest.mark.asyncio
async def test_run_hands_the_app_scope_receive_and_send() -> None:
    peer = InMemoryPeer(path="/echo")
    peer.feed_text("ping")
    peer.feed_disconnect(1001)
    seen: list[Scope] = []

    async def echo(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(text.upper())

    await peer.run(echo)
    assert seen == [peer.scope]
    assert seen[0] is peer.scope
    assert peer.sent == [
        {"type": "websocket.accept", "subprotocol": None, "headers": []},
        {"type": "websocket.send", "text": "PING"},
    ]
    assert (peer.pending, len(peer.received)) == (0, 3)
