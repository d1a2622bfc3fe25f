"""Chat throughput and worst delivery delay: `docs/examples/chat.py` against the naive broadcast loop.

Both apps run under uvicorn (`running_server`, in a thread of this process,
on a fresh 127.0.0.1 port) and face the same round: `members` real
`websockets` clients join, then each sends `messages` texts at once while
every client reads as fast as it can. Each text carries its send time, so a
receiver knows how long each delivery took (one clock: clients and server
share this process). The naive app is what a first version looks like:

    for member in room:
        await member.send_text(text)

so one sender's broadcast waits for every member's socket in turn. Not wired
into `bench.py`; call it from Python:

    >>> from doctests.measure.bench_chat import bench_chat
    >>> bench_chat(members=50, messages=20)  # doctest: +SKIP
    {'members': 50, 'messages': 20, 'backend': 'websockets-sansio', 'chat': {...}, 'naive': {...}}

Each of `chat` and `naive` holds `deliveries` (of `expected`), `seconds`,
`deliveries_per_second`, `worst_delay_ms`, `median_delay_ms`, `dropped`
(members the server closed) and `problems` (lost, duplicated or reordered
messages, or a timeout).
"""

from __future__ import annotations

import asyncio
import importlib.util
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from doctests import EXAMPLES
from doctests.measure.load import Ledger, ledger_problems
from doctests.measure.probe import running_server
from reference_impl import WebSocket

App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def load_chat() -> tuple[App, set[Any]]:
    """A fresh copy of `docs/examples/chat.py` (an empty room): its app and its room."""
    spec = importlib.util.spec_from_file_location("bench_chat_example", EXAMPLES / "chat.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app, module.room


def naive_chat() -> tuple[App, set[Any]]:
    """The naive room: whoever speaks sends to every member in turn, waiting for each."""
    room: set[WebSocket] = set()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            return
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        room.add(websocket)
        try:
            async for text in websocket.iter_text():
                for member in list(room):
                    await member.send_text(text)
        finally:
            room.discard(websocket)

    return app, room


async def one_round(address: str, room: set[Any], members: int, messages: int, time_limit: float) -> dict[str, Any]:
    """`members` clients each send `messages` at once; every client reads; the figures."""
    options: dict[str, Any] = {"proxy": None, "ping_interval": None, "open_timeout": 20, "max_queue": None}
    clients: list[ClientConnection] = [await connect(f"ws://{address}/", **options) for _ in range(members)]
    for _ in range(int(time_limit / 0.01)):  # Joined the room, not just handshaken.
        if len(room) == members:
            break
        await asyncio.sleep(0.01)
    ledgers: list[dict[int, Ledger]] = [{} for _ in clients]
    delays: list[float] = []
    dropped = 0
    total = members * messages

    async def speak(client: ClientConnection, sender: int) -> None:
        for seq in range(messages):
            await client.send(f"{sender} {seq} {time.perf_counter()!r}")

    async def listen(client: ClientConnection, ledger: dict[int, Ledger]) -> None:
        nonlocal dropped
        try:
            for _ in range(total):
                sender, seq, sent = str(await client.recv()).split(" ")
                delays.append(time.perf_counter() - float(sent))
                ledger.setdefault(int(sender), Ledger()).record(int(seq))
        except ConnectionClosed:
            dropped += 1

    problems: list[str] = []
    started = time.perf_counter()
    try:
        async with asyncio.timeout(time_limit):
            await asyncio.gather(
                *(speak(c, i) for i, c in enumerate(clients)),
                *(listen(c, ledgers[j]) for j, c in enumerate(clients)),
            )
    except TimeoutError:
        problems.append(f"not finished within {time_limit} s")
    seconds = time.perf_counter() - started
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    for j, ledger in enumerate(ledgers):
        problems += ledger_problems(f"receiver {j}", ledger, dict.fromkeys(range(members), messages))
    return {
        "deliveries": len(delays),
        "expected": members * total,
        "seconds": round(seconds, 3),
        "deliveries_per_second": round(len(delays) / seconds),
        "worst_delay_ms": round(max(delays, default=0.0) * 1000, 1),
        "median_delay_ms": round(statistics.median(delays) * 1000, 1) if delays else None,
        "dropped": dropped,
        "problems": problems[:10],
    }


def bench_chat(
    members: int = 50, messages: int = 20, backend: str = "websockets-sansio", time_limit: float = 120.0
) -> dict[str, Any]:
    """The new chat and the naive loop, each on a server of its own, in the same round; a JSON-ready dict."""
    result: dict[str, Any] = {"members": members, "messages": messages, "backend": backend}
    for name, make in (("chat", load_chat), ("naive", naive_chat)):
        app, room = make()
        with running_server(app, backend) as (address, _server):
            result[name] = asyncio.run(one_round(address, room, members, messages, time_limit))
    return result


if __name__ == "__main__":
    import json

    print(json.dumps(bench_chat(), indent=2))
