"""The app `doctests/measure/shutdown.py` runs under uvicorn: it writes down what it sees while uvicorn stops.

Each observation is one JSON line appended to the file named by the
environment variable `SHUTDOWN_RECORD`, so the measuring process can read
them after uvicorn has exited. `SHUTDOWN_APP` picks the behaviour:

* `listening`: accept, wait in `receive()`, note what it returns; then try
  to send a close of its own (1001, "going away") and note what that does.
* `busy`: accept, then work without reading (a long sleep), as an app that
  is computing or waiting on something else; note if it is cancelled.

Both note `lifespan.startup` and `lifespan.shutdown`, with how many
WebSocket connections were still open when `lifespan.shutdown` came.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

BUSY_SECONDS = 60.0  # Longer than any bounded wait of the measurement.
open_connections = 0


def note(event: str, **details: Any) -> None:
    """Append one observation to the record file."""
    line = json.dumps({"event": event, "at": time.monotonic(), **details})
    with open(os.environ["SHUTDOWN_RECORD"], "a", encoding="utf-8") as record:
        record.write(line + "\n")


def described(message: Message) -> str:
    """An ASGI message as `type key=value ...`."""
    fields = " ".join(f"{key}={value!r}" for key, value in message.items() if key != "type")
    return f"{message['type']} {fields}".strip()


async def lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            note("lifespan.startup")
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            note("lifespan.shutdown", open_connections=open_connections)
            await send({"type": "lifespan.shutdown.complete"})
            return


async def listening(receive: Receive, send: Send) -> None:
    message = await receive()
    note("receive", saw=described(message))
    try:
        await send({"type": "websocket.close", "code": 1001, "reason": "going away"})
    except Exception as error:  # The exception is the observation.
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        note("send close 1001", saw=f"raised {text}")
    else:
        note("send close 1001", saw="returned")


async def busy(receive: Receive, send: Send) -> None:
    try:
        await asyncio.sleep(BUSY_SECONDS)
    except asyncio.CancelledError:
        note("work", saw="cancelled (CancelledError)")
        raise
    note("work", saw=f"finished after {BUSY_SECONDS:g} s")


async def app(scope: Message, receive: Receive, send: Send) -> None:
    global open_connections
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    open_connections += 1
    note("accepted")
    try:
        await (busy if os.environ.get("SHUTDOWN_APP") == "busy" else listening)(receive, send)
    finally:
        open_connections -= 1
