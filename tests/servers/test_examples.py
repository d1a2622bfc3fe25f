"""Every example under uvicorn, on both WebSocket backends, driven by the `websockets` client.

Each test runs four times: backend `websockets-sansio` or `wsproto`, and the
example as written (`reference_impl`) or with its import swapped to
`fastapi.websockets`, which must work unchanged. uvicorn runs in a thread of
this process, so the tests can look inside: the chat's room, uvicorn's tasks.
`test_every_server.py` runs the examples on all five servers, from outside.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosedOK

from doctests.measure.load import BAD_LOG

from .clients import (
    WAIT,
    closed_by_server,
    dial,
    masked_text_frame,
    nothing_more,
    raw_client,
    recv,
    refused,
    server_frames,
)
from .conftest import Serve, app_finished

pytestmark = pytest.mark.asyncio


async def test_echo(serve: Serve) -> None:
    with serve("echo") as (address, _, server):
        async with dial(address) as client:
            for message in ["hello", "héllo wörld", "", b"\x00\xff", b""]:
                await client.send(message)
                assert await recv(client) == message  # Same value and same kind (str or bytes).
            assert await nothing_more(client)
        assert await app_finished(server), "echo did not return after the client disconnected"


async def test_closing_server_closes_with_code_and_reason(serve: Serve) -> None:
    with serve("closing") as (address, _, server):
        async with dial(address) as client:
            await client.send("hi")
            assert await recv(client) == "hi"
            await client.send("bye")
            assert await closed_by_server(client) == (1000, "goodbye")
            assert isinstance(client.protocol.close_exc, ConnectionClosedOK)
        async with dial(address) as client:
            await client.send("/nope")
            assert await closed_by_server(client) == (4000, "unknown command")
        assert await app_finished(server)


async def test_closing_app_sees_client_code_and_reason(serve: Serve, capsys: pytest.CaptureFixture[str]) -> None:
    with serve("closing") as (address, _, server):
        async with dial(address) as client:
            await client.close(4321, "done here")
            assert client.protocol.close_rcvd is not None
            assert client.protocol.close_rcvd.code == 4321  # The server echoes the client's close.
        assert await app_finished(server)
    assert "client closed: code=4321 reason='done here'\n" in capsys.readouterr().out


async def test_json_api(serve: Serve) -> None:
    exchanges = [
        ({"id": 1, "op": "add", "args": [2, 3]}, {"id": 1, "result": 5}),
        ({"id": "é", "op": "mul", "args": [2, 3.5]}, {"id": "é", "result": 7.0}),
        ({"id": 3, "op": "div", "args": [1]}, {"id": 3, "error": "unknown op 'div'"}),
        ({"id": 4, "op": "add", "args": "12"}, {"id": 4, "error": "args must be a list of numbers"}),
        ([1, 2], {"id": None, "error": "expected a JSON object"}),
    ]
    with serve("json_api") as (address, _, server):
        async with dial(address) as client:
            for request, reply in exchanges:
                await client.send(json.dumps(request))
                received = await recv(client)
                assert isinstance(received, str)  # send_json sends a text frame.
                assert json.loads(received) == reply
            await client.send("{not json")
            assert await closed_by_server(client) == (1007, "invalid JSON")
        assert await app_finished(server)


async def test_subprotocol(serve: Serve) -> None:
    with serve("subprotocol") as (address, _, _server):
        for offered, chosen in [(["chat.v1", "chat.v2"], "chat.v2"), (["x", "chat.v1"], "chat.v1")]:
            async with dial(address, subprotocols=offered) as client:
                assert client.subprotocol == chosen
                await client.send("hi")
                assert await recv(client) == f"{chosen}: hi"
        assert await refused(address, subprotocols=["other"]) == 403
        assert await refused(address) == 403  # Nothing offered: nothing in common.


async def test_auth(serve: Serve) -> None:
    good = "/?token=let-me-in"
    with serve("auth") as (address, _, _server):
        assert await refused(address, "/") == 403
        assert await refused(address, "/?token=let-me-out") == 403
        assert await refused(address, good, origin="https://evil.example") == 403
        assert await refused(address, "/", origin="http://127.0.0.1:8000") == 403
        for origin in [None, "http://127.0.0.1:8000", "http://localhost:8000"]:
            async with dial(address, good, origin=origin) as client:
                assert await recv(client) == "welcome"
                await client.send("ping")
                assert await recv(client) == "ping"


async def test_push_ticks_in_order(serve: Serve) -> None:
    with serve("push") as (address, _, server):
        async with dial(address, "/?interval=0.02") as client:
            assert [await recv(client) for _ in range(4)] == ["tick 0", "tick 1", "tick 2", "tick 3"]
        assert await app_finished(server)


@pytest.mark.parametrize("leave", ["close", "drop"])
async def test_push_notices_the_client_left_before_the_next_tick(serve: Serve, leave: str) -> None:
    # With ticks 5 s apart, only the concurrent receive can end the app within 1 s.
    with serve("push") as (address, _, server):
        async with dial(address, "/?interval=5") as client:
            assert await recv(client) == "tick 0"
            if leave == "close":
                await client.close()
            else:
                client.transport.abort()  # No close frame at all.
        assert await app_finished(server, within=1.0), "the app kept ticking after the client left"


async def test_chat_broadcasts_to_everyone_and_nothing_else(serve: Serve) -> None:
    with serve("chat") as (address, module, server):
        async with dial(address) as a, dial(address) as b, dial(address) as c:
            await a.send("hello from a")
            for client in (a, b, c):
                assert await recv(client) == "hello from a"
            await b.send("héllo from b")
            for client in (a, b, c):
                assert await recv(client) == "héllo from b"
            burst = [f"a {n}" for n in range(20)]
            for text in burst:
                await a.send(text)
            for client in (a, b, c):
                assert [await recv(client) for _ in burst] == burst
            # c vanishes without a close frame; the room carries on without it.
            c.transport.abort()
            await a.send("after c left")
            for client in (a, b):
                assert await recv(client) == "after c left"
            async with dial(address) as d:
                await d.send("d joined")
                for client in (a, b, d):
                    assert await recv(client) == "d joined"
                assert all(await asyncio.gather(*(nothing_more(client) for client in (a, b, d))))
        assert await app_finished(server)
        assert module.room == set()


async def room_size_becomes(module: Any, size: int) -> bool:
    """Whether the chat room reaches `size` members within `WAIT` seconds."""
    for _ in range(int(WAIT / 0.01)):
        if len(module.room) == size:
            return True
        await asyncio.sleep(0.01)
    return False


async def test_chat_closes_a_slow_client_without_stalling_the_others(
    serve: Serve, capfd: pytest.CaptureFixture[str]
) -> None:
    size, limit = 16 * 1024, 2000
    close_frame = (0x8, (1013).to_bytes(2, "big") + b"too slow")
    with serve("chat") as (address, module, server):
        module.MAX_BACKLOG = 256 * 1024  # Read at call time: a small backlog makes the drop quick.
        slow = raw_client(address)
        try:
            async with dial(address) as talker:
                assert await room_size_becomes(module, 2)
                texts: list[str] = []
                # Lock-step: each message must reach the talker (a member too) before the
                # next is sent, so a room that waited for `slow` would stall here and time out.
                while len(module.room) == 2 and len(texts) < limit:
                    texts.append(f"{len(texts):04d}".ljust(size, "."))
                    await talker.send(texts[-1])
                    assert await recv(talker) == texts[-1]
                assert len(module.room) == 1, f"slow client still in the room after {limit} messages"
                assert len(texts) * size > module.MAX_BACKLOG  # Dropped for its backlog, not sooner.
                # What a dropped client says is not broadcast any more.
                slow.sendall(masked_text_frame("ghost says hello"))
                assert await nothing_more(talker, wait=1.0)
                # Now `slow` reads: the start of the burst, in order, then the close frame.
                data = b""
                for _ in range(10_000):
                    if data.endswith(close_frame[1]):
                        break
                    chunk = await asyncio.to_thread(slow.recv, 1 << 20)
                    assert chunk, "connection closed before the close frame"
                    data += chunk
                frames = server_frames(data)
                assert frames[-1] == close_frame
                got = [payload.decode() for opcode, payload in frames[:-1] if opcode == 0x1]
                assert len(got) == len(frames) - 1  # Nothing but text frames before the close.
                assert 0 < len(got) < len(texts)
                assert got == texts[: len(got)]
                # It talks on after the close: its handler must end quietly all the same.
                slow.sendall(masked_text_frame("still here"))
                assert await nothing_more(talker, wait=0.5)
        finally:
            slow.close()
        assert await app_finished(server)
    log = capfd.readouterr().err
    assert not [line for line in log.splitlines() if any(word in line for word in BAD_LOG)]
