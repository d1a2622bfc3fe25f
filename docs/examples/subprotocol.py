"""Subprotocol negotiation: pick the first protocol we support from the client's offer.

The client lists subprotocols in `Sec-WebSocket-Protocol`; the server answers
with exactly one of them, or the browser fails the connection. With no
protocol in common, the handshake is refused (HTTP 403). Run it with:

    uvicorn --app-dir docs/examples subprotocol:app
"""

from reference_impl import WebSocket

SUPPORTED = ("chat.v2", "chat.v1")  # Our order of preference.


async def app(scope, receive, send):
    """Accept with the best common subprotocol, then echo text tagged with it."""
    if scope["type"] != "websocket":  # Plain HTTP gets a clear 426; lifespan events are ignored.
        if scope["type"] == "http":
            headers = [(b"upgrade", b"websocket"), (b"content-type", b"text/plain; charset=utf-8")]
            await send({"type": "http.response.start", "status": 426, "headers": headers})
            await send({"type": "http.response.body", "body": b"Upgrade Required: this URL speaks WebSocket.\n"})
        return
    websocket = WebSocket(scope, receive, send)
    # Already split on commas by the server; ASGI makes the key optional, hence `get`.
    offered = websocket.scope.get("subprotocols", [])
    chosen = next((name for name in SUPPORTED if name in offered), None)
    if chosen is None:
        await websocket.close(1002, "no supported subprotocol")  # Before accept: HTTP 403.
        return
    await websocket.accept(subprotocol=chosen)
    async for text in websocket.iter_text():
        await websocket.send_text(f"{chosen}: {text}")
