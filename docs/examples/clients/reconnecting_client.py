"""A `websockets` client that reconnects with exponential backoff and full jitter.

It stops for good on 1000 (the server is done with us) and 1008 (refused by
policy), and on a handshake the server refuses with HTTP 4xx; any other close
(1001 going away, 1012 service restart, 1006 connection lost) or a refused
TCP connection means "try again": after a random wait of up to FIRST_DELAY,
then twice as long each time, at most MAX_DELAY, starting over once a
connection has opened. Run it against any app of these examples:

    python docs/examples/clients/reconnecting_client.py ws://127.0.0.1:8000/
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
from collections.abc import Awaitable, Callable, Iterator

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

FIRST_DELAY = 0.5  # seconds
MAX_DELAY = 30.0
FINAL_CODES = {1000, 1008}  # Closes after which reconnecting would not help.


def backoff(first: float = FIRST_DELAY, cap: float = MAX_DELAY) -> Iterator[float]:
    """The waits before each retry: random in [0, first], [0, 2 * first], ... up to [0, cap]."""
    ceiling = first
    while True:
        yield random.uniform(0, ceiling)
        ceiling = min(ceiling * 2, cap)


async def run(
    uri: str,
    session: Callable[[ClientConnection], Awaitable[None]],
    *,
    first: float = FIRST_DELAY,
    cap: float = MAX_DELAY,
    log: Callable[[str], None] = print,
) -> None:
    """Run `session` on a connection to `uri`, reconnecting until a final close."""
    waits = backoff(first, cap)
    while True:
        try:
            async with connect(uri, open_timeout=10) as websocket:
                log("connected")
                waits = backoff(first, cap)  # Connected: the next retry starts small again.
                with contextlib.suppress(ConnectionClosed):
                    await session(websocket)
                if websocket.close_code is None:
                    return  # `session` returned with the connection open: we are done.
            log(f"closed with {websocket.close_code} {websocket.close_reason!r}")
            if websocket.close_code in FINAL_CODES:
                return
        except InvalidStatus as refusal:
            status = refusal.response.status_code
            log(f"refused with HTTP {status}")
            if 400 <= status < 500:
                return
        except OSError as error:  # Connection refused or reset: the server is not there (yet).
            log(f"cannot connect: {error.strerror or error}")
        wait = next(waits)
        log(f"reconnecting in {wait:.2f} s")
        await asyncio.sleep(wait)


async def print_messages(websocket: ClientConnection) -> None:
    """A session: print every message until the connection closes."""
    async for message in websocket:
        print(message)


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:8000/", print_messages))
