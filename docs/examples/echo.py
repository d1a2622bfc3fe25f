"""Echo: every text message comes back as text, every binary message as bytes.

The app returns as soon as it reads the client's disconnect. If the client
vanishes while an echo is on its way, the server's `send` raises instead
(uvicorn raises `ClientDisconnected`, an `OSError`, as ASGI 2.4 asks) and the
app ends with that error, which the server expects and ignores: see "What
servers do". Run it with:

    uvicorn --app-dir docs/examples echo:app
"""

from reference_impl import WebSocket


async def app(scope, receive, send):
    """A plain ASGI app: one call per connection."""
    if scope["type"] != "websocket":  # Plain HTTP gets a clear 426; lifespan events are ignored.
        if scope["type"] == "http":
            headers = [(b"upgrade", b"websocket"), (b"content-type", b"text/plain; charset=utf-8")]
            await send({"type": "http.response.start", "status": 426, "headers": headers})
            await send({"type": "http.response.body", "body": b"Upgrade Required: this URL speaks WebSocket.\n"})
        return
    websocket = WebSocket(scope, receive, send)
    await websocket.accept()
    while True:
        # `receive()` rather than `receive_text()`: a frame may be text or binary.
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        # Exactly one of "text" and "bytes" is set; "" and b"" are valid, so test with `is not None`.
        if message.get("text") is not None:
            await websocket.send_text(message["text"])
        else:
            await websocket.send_bytes(message["bytes"])
