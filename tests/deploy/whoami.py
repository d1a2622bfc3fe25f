"""A test app for the proxy tests: reports what it sees of the connection, and how it ended.

On connect it sends one JSON message: `websocket.client`, `websocket.url`
(scheme and netloc) and the forwarding headers. When the connection ends it
prints `disconnect CODE` to its output, which the tests read from the log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from reference_impl import WebSocket


async def app(
    scope: dict[str, Any],
    receive: Callable[[], Awaitable[dict[str, Any]]],
    send: Callable[[dict[str, Any]], Awaitable[None]],
) -> None:
    if scope["type"] != "websocket":
        return
    websocket = WebSocket(scope, receive, send)
    await websocket.accept()
    client = websocket.client
    await websocket.send_json(
        {
            "client": None if client is None else [client.host, client.port],
            "scheme": websocket.url.scheme,
            "netloc": websocket.url.netloc,
            "x-forwarded-for": websocket.headers.get("x-forwarded-for"),
            "x-forwarded-proto": websocket.headers.get("x-forwarded-proto"),
        }
    )
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            print(f"disconnect {message['code']}", flush=True)
            return
        await websocket.send_text(message.get("text") or "")
