"""docs/examples/chat_redis.py on two uvicorn processes sharing one redis-server.

Process A runs the `websockets-sansio` backend and process B `wsproto`; the
clients are the real `websockets` client. Redis runs on a free loopback port
with no persistence, and is killed and restarted on the same port in the
middle of one test. The behaviour these tests assert is what
docs/how-to/broadcast-across-processes.md states.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection

from .conftest import WAIT, Process, dial, free_port, program, read_until_closed, uvicorn

REDIS = program("redis-server")
pytestmark = [pytest.mark.asyncio, pytest.mark.skipif(REDIS is None, reason="redis-server is not installed")]

MESSAGES = 50  # per member, in the fan-out test
DROP_BOUND = 2.0  # s: members are closed with 1013 this soon after Redis dies
REFUSE_BOUND = 3.5  # s: a join while Redis is down is closed with 1013 this soon (JOIN_WAIT is 2 s)
RECOVERY_BOUND = 3.0  # s: from Redis answering again to a message crossing from B to A


class RedisServer:
    """redis-server on one loopback port, no persistence, restartable on the same port."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.dir = tmp_path
        self.process: Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS is not None
        command = [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.dir)]
        self.process = Process(command, self.dir / "redis.log")

    async def answering(self, within: float = 10.0) -> float:
        """Wait until Redis answers PING; return the monotonic time it did."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                try:
                    writer.write(b"PING\r\n")
                    if await asyncio.wait_for(reader.readline(), 1) == b"+PONG\r\n":
                        return time.monotonic()
                finally:
                    writer.close()
            await asyncio.sleep(0.01)
        pytest.fail(f"redis-server did not answer within {within} s")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(graceful=2)


@pytest_asyncio.fixture
async def redis(tmp_path: Path) -> AsyncIterator[RedisServer]:
    server = RedisServer(tmp_path)
    try:
        server.start()
        await server.answering()
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def two_processes(redis: RedisServer, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """chat_redis on process A (websockets-sansio) and process B (wsproto), both on `redis`."""
    env = {"REDIS_URL": redis.url}
    with (
        uvicorn("chat_redis:app", tmp_path, ws="websockets-sansio", env=env) as (a, _),
        uvicorn("chat_redis:app", tmp_path, ws="wsproto", env=env) as (b, _),
    ):
        yield a, b


async def receive(client: ClientConnection, count: int) -> list[str]:
    """The next `count` text messages, each within WAIT seconds."""
    messages = []
    for _ in range(count):
        message = await asyncio.wait_for(client.recv(), WAIT)
        assert isinstance(message, str)
        messages.append(message)
    return messages


async def round_of(clients: list[ClientConnection], per_member: int, tag: str) -> float:
    """Everyone sends `per_member` messages at once; check everyone got all, once, in per-sender order.

    Returns the time from the first send to the last message received.
    """
    start = time.monotonic()

    async def talk(index: int, client: ClientConnection) -> None:
        for k in range(per_member):
            await client.send(f"{tag}{index}:{k}")

    received, *_ = await asyncio.gather(
        asyncio.gather(*(receive(client, per_member * len(clients)) for client in clients)),
        *(talk(index, client) for index, client in enumerate(clients)),
    )
    elapsed = time.monotonic() - start
    for messages in received:
        for index in range(len(clients)):
            from_sender = [m for m in messages if m.startswith(f"{tag}{index}:")]
            assert from_sender == [f"{tag}{index}:{k}" for k in range(per_member)]  # all, once, in order
    for client in clients:  # ...and nothing else.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.recv(), 0.2)
    return elapsed


async def test_every_member_gets_every_message_once_in_per_sender_order(redis: RedisServer, tmp_path: Path) -> None:
    with two_processes(redis, tmp_path) as (a, b):
        async with contextlib.AsyncExitStack() as stack:
            clients = [await stack.enter_async_context(dial(address)) for address in (a, a, a, b, b, b)]
            elapsed = await round_of(clients, MESSAGES, "m")
            total = MESSAGES * len(clients) * len(clients)
            print(f"\ncross-process fan-out: {len(clients)} members (3 per process) x {MESSAGES} messages;")
            print(f"{total} deliveries, each exactly once and in per-sender order, in {elapsed:.2f} s")


async def test_redis_restart_closes_members_then_rooms_work_again(redis: RedisServer, tmp_path: Path) -> None:
    with two_processes(redis, tmp_path) as (a, b):
        async with contextlib.AsyncExitStack() as stack:
            clients = [await stack.enter_async_context(dial(address)) for address in (a, a, a, b, b, b)]
            await round_of(clients, 1, "before")

            # Redis dies: every member, on both processes, is closed with 1013, and
            # what is sent now reaches nobody.
            redis.kill()
            died = time.monotonic()
            with contextlib.suppress(Exception):
                await clients[0].send("lost")
            ends = await asyncio.gather(*(read_until_closed(client) for client in clients))
            dropped_after = time.monotonic() - died
            assert [code for _, code in ends] == [1013] * len(clients)
            assert all(messages == [] for messages, _ in ends)  # "lost" was delivered to nobody.
            assert dropped_after <= DROP_BOUND

            # While Redis is down, a join is accepted and then closed with 1013.
            start = time.monotonic()
            async with dial(b) as late:
                messages, code = await read_until_closed(late)
            refused_after = time.monotonic() - start
            assert (messages, code) == ([], 1013)
            assert refused_after <= REFUSE_BOUND

            # Redis is back on the same port: a new member of B is heard by a new
            # member of A within RECOVERY_BOUND.
            redis.start()
            back = await redis.answering()
            heard = await first_crossing(a, b)
            gap = heard - back
            assert gap <= RECOVERY_BOUND

            # And the room is whole again: 3 + 3 new members, exactly once, in order.
            async with contextlib.AsyncExitStack() as again:
                fresh = [await again.enter_async_context(dial(address)) for address in (a, a, a, b, b, b)]
                await round_of(fresh, 10, "after")
            print(f"\nRedis killed: all {len(clients)} members closed with 1013 within {dropped_after:.3f} s;")
            print(f"a join while Redis was down was closed with 1013 after {refused_after:.2f} s;")
            print(f"Redis answering again -> first message from B heard on A: {gap:.2f} s")


async def first_crossing(a: str, b: str) -> float:
    """Join A and B (retrying while they close with 1013); return when B's message reaches A."""
    deadline = time.monotonic() + RECOVERY_BOUND + WAIT
    while time.monotonic() < deadline:
        async with dial(a) as listener, dial(b) as talker:
            with contextlib.suppress(Exception):
                await talker.send("back")
                if await asyncio.wait_for(listener.recv(), WAIT) == "back":
                    return time.monotonic()
        await asyncio.sleep(0.02)
    pytest.fail("no message crossed from B to A after Redis came back")
