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
    if scope["type"] != "websocket":
        return
    websocket = WebSocket(scope, receive, send)
    offered = websocket.scope["subprotocols"]  # Already split on commas by the server.
    chosen = next((name for name in SUPPORTED if name in offered), None)
    if chosen is None:
        await websocket.close(1002, "no supported subprotocol")  # Before accept: HTTP 403.
        return
    await websocket.accept(subprotocol=chosen)
    async for text in websocket.iter_text():
        await websocket.send_text(f"{chosen}: {text}")
