"""A chat room shared by several server processes, through Redis pub/sub.

The same protocol as chat.py: every text message a member sends goes,
unchanged, to every member, in the order that member sent them, whichever
process each member is connected to. Start Redis, then as many servers as
you like (add `--port 8001` and so on):

    uvicorn --app-dir docs/examples chat_redis:app

`REDIS_URL` names the Redis server (default redis://127.0.0.1:6379/0).

Each process keeps its own members and one subscription to the channel. A
member's message is published to Redis, which sends it to every process,
this one included, through its subscription; so every member gets it exactly
once. The subscription starts with the first WebSocket connection, so no
lifespan is needed; a server that runs lifespan closes it at shutdown.

Without Redis there is no room. When a process loses its subscription it
closes all its members with 1013 ("try again later"), and so does a member
whose message cannot be published; while the subscription is down, new
connections are accepted and then closed with 1013. The subscription is
retried with a backoff of at most `RETRY_MAX` seconds, and members can join
again as soon as it is back. A member never misses a message silently: it
gets every message published while it is in the room, or it is closed.

Slow members are treated as in chat.py: one is dropped, with 1013, when a
message has waited `STALL_SECONDS` to go out or more than `MAX_BACKLOG`
bytes wait for it; a dropped member's handler ends quietly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from reference_impl import WebSocket

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CHANNEL = "chat"
STALL_SECONDS = float(os.environ.get("CHAT_STALL_SECONDS", "5"))
MAX_BACKLOG = int(os.environ.get("CHAT_MAX_BACKLOG", str(4 * 2**20)))  # bytes
JOIN_WAIT = 2.0  # How long a new connection waits for the subscription.
RETRY_MIN, RETRY_MAX = 0.05, 1.0  # Backoff between subscription attempts, in seconds.
UNAVAILABLE = (1013, "broadcast unavailable")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Member:
    """One client connected to this process, and the messages waiting for it."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()  # None only wakes the sender.
        self.backlog = 0  # UTF-8 bytes in `queue`.
        self.close_with = (1013, "too slow")


class Hub:
    """This process's part of the room: its members and its one subscription."""

    def __init__(self) -> None:
        self.members: set[Member] = set()
        self.subscribed = asyncio.Event()
        self.redis: Redis | None = None
        self.listener: asyncio.Task[None] | None = None

    def start(self) -> Redis:
        """Connect and subscribe, once per process; return the client for publishing."""
        if self.redis is None:
            # No retries inside redis-py: a lost connection must be noticed, not papered over.
            self.redis = Redis.from_url(REDIS_URL, retry=Retry(NoBackoff(), 0), socket_connect_timeout=1)
            self.listener = asyncio.create_task(self.listen(self.redis))
        return self.redis

    async def stop(self) -> None:
        """Cancel the subscription and close the connections (at lifespan shutdown)."""
        if self.listener is not None:
            self.listener.cancel()
            await asyncio.gather(self.listener, return_exceptions=True)
        if self.redis is not None:
            await self.redis.aclose()
        self.redis = self.listener = None
        self.subscribed.clear()

    async def listen(self, redis: Redis) -> None:
        """Pass every message of the channel to the local members; resubscribe when it fails."""
        delay = RETRY_MIN
        while True:
            try:
                async with redis.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    async for message in pubsub.listen():
                        if message["type"] == "subscribe":  # Redis confirms: from now on we get everything.
                            self.subscribed.set()
                            delay = RETRY_MIN
                        elif message["type"] == "message":
                            self.fan_out(message["data"].decode())
            except (RedisError, OSError):
                pass
            # Whatever was published from here on is lost to us: close everyone rather than skip.
            self.subscribed.clear()
            for member in list(self.members):
                self.drop(member, UNAVAILABLE)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)

    def fan_out(self, text: str) -> None:
        """Queue `text` for every local member; never waits, so nobody can stall the room."""
        size = len(text.encode())
        for member in list(self.members):
            member.queue.put_nowait(text)
            member.backlog += size
            if member.backlog > MAX_BACKLOG:
                self.drop(member, (1013, "too slow"))

    def drop(self, member: Member, close_with: tuple[int, str]) -> None:
        """Take `member` out of the room; its sender closes the connection with `close_with`."""
        if member in self.members:
            self.members.discard(member)
            member.close_with = close_with
            member.queue.put_nowait(None)


hub = Hub()


async def send_queued(member: Member) -> None:
    """Send a member its messages in order; close the connection once it is dropped."""
    websocket = member.websocket
    while True:
        text = await member.queue.get()
        if text is None or member not in hub.members:
            break
        member.backlog -= len(text.encode())
        try:
            # A send waits while the client reads nothing (the server's buffer is full).
            async with asyncio.timeout(STALL_SECONDS):
                await websocket.send_text(text)
        except TimeoutError:
            hub.drop(member, (1013, "too slow"))  # No progress for STALL_SECONDS.
            break
    # The close frame waits behind the data already sent; don't wait forever for it.
    async with asyncio.timeout(STALL_SECONDS):
        await websocket.close(*member.close_with)


async def publish(member: Member, redis: Redis) -> None:
    """Publish what the member says, one message after the other, until it disconnects."""
    while True:
        # `receive()`, not `iter_text()`: it still works after the sender has closed the connection.
        message = await member.websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is not None and member in hub.members:  # A dropped member no longer speaks.
            try:
                # Awaited before the next message is read: that keeps this sender's order.
                await redis.publish(CHANNEL, message["text"])
            except (RedisError, OSError):
                hub.drop(member, UNAVAILABLE)


async def chat(websocket: WebSocket) -> None:
    """Join the room if Redis is there, and leave when the client goes or is dropped."""
    redis = hub.start()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(hub.subscribed.wait(), JOIN_WAIT)
    if not hub.subscribed.is_set():  # Checked again here: it may have dropped meanwhile.
        await websocket.accept()
        await websocket.close(*UNAVAILABLE)
        return
    member = Member(websocket)
    # Joined before the handshake completes: once connected, the client gets everything.
    hub.members.add(member)
    tasks: set[asyncio.Task[None]] = set()
    try:
        await websocket.accept()
        tasks = {asyncio.create_task(publish(member, redis)), asyncio.create_task(send_queued(member))}
        # Either ending ends the connection: the client left, or it was dropped (or vanished).
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        hub.members.discard(member)
        for task in tasks:
            task.cancel()
        # Collect both ends: cancelled, timed out, or failed because the client vanished.
        await asyncio.gather(*tasks, return_exceptions=True)


async def lifespan(receive: Receive, send: Send) -> None:
    """Nothing to do at startup (the hub starts lazily); close Redis at shutdown."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await hub.stop()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The room over WebSocket; 426 for plain HTTP, as every example; lifespan closes Redis at shutdown."""
    if scope["type"] == "websocket":
        await chat(WebSocket(scope, receive, send))
    elif scope["type"] == "lifespan":
        await lifespan(receive, send)
    else:
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"upgrade", b"websocket")]
        await send({"type": "http.response.start", "status": 426, "headers": headers})
        await send({"type": "http.response.body", "body": b"Upgrade Required: this URL speaks WebSocket.\n"})
