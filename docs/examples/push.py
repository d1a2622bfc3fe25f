"""Server push: a ticker that notices at once when the client leaves.

The app sends "tick 0", "tick 1", ... every `?interval=` seconds (default 1).
A loop that only sends would learn that the client left at its next send, or
never, since some servers drop messages to a closed connection silently. So a
second task keeps receiving: the disconnect message ends the ticker at once.
Run it with:

    uvicorn --app-dir docs/examples push:app
"""

import asyncio

from reference_impl import WebSocket


def interval_of(websocket):
    """The `?interval=` in seconds, if it is a number from 0.01 to 60; else 1."""
    try:
        interval = float(websocket.query_params.get("interval", "1"))
    except ValueError:
        return 1.0
    return interval if 0.01 <= interval <= 60 else 1.0  # False for NaN too.


async def tick(websocket, interval):
    """Send a numbered tick every `interval` seconds, forever."""
    count = 0
    while True:
        await websocket.send_text(f"tick {count}")
        count += 1
        await asyncio.sleep(interval)


async def app(scope, receive, send):
    """Push ticks while waiting for the client to leave."""
    if scope["type"] != "websocket":  # Plain HTTP gets a clear 426; lifespan events are ignored.
        if scope["type"] == "http":
            headers = [(b"upgrade", b"websocket"), (b"content-type", b"text/plain; charset=utf-8")]
            await send({"type": "http.response.start", "status": 426, "headers": headers})
            await send({"type": "http.response.body", "body": b"Upgrade Required: this URL speaks WebSocket.\n"})
        return
    websocket = WebSocket(scope, receive, send)
    await websocket.accept()
    ticker = asyncio.create_task(tick(websocket, interval_of(websocket)))
    try:
        # Messages from the client are ignored; the loop ends when it disconnects.
        async for _ in websocket.iter_text():
            pass
    finally:
        ticker.cancel()
        # Wait for the ticker to stop; ignore its CancelledError or a send error.
        await asyncio.gather(ticker, return_exceptions=True)
