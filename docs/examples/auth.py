"""Authentication at the handshake, and an `Origin` check against cross-site hijacking.

A connection is accepted only with a valid `?token=`; otherwise the app closes
before accepting, which the server turns into HTTP 403. Browsers attach cookies
to WebSocket handshakes from any site, so an app that relies on cookies must
also check `Origin` (cross-site WebSocket hijacking). Run it with:

    uvicorn --app-dir docs/examples auth:app
"""

import hmac

from reference_impl import WebSocket

# In a real app: look up a session, or verify a signed, short-lived token.
# Servers log the query string, so never put a long-lived secret there.
TOKEN = "let-me-in"
# Browsers always send Origin; tools such as `websockets` only when asked to.
ALLOWED_ORIGINS = {"http://127.0.0.1:8000", "http://localhost:8000"}


def allowed(websocket):
    """Whether the handshake carries an allowed Origin (or none) and the token."""
    origin = websocket.headers.get("origin")
    if origin is not None and origin not in ALLOWED_ORIGINS:
        return False
    token = websocket.query_params.get("token", "")
    # compare_digest takes the same time wherever the strings differ.
    return hmac.compare_digest(token.encode(), TOKEN.encode())


async def app(scope, receive, send):
    """Refuse the handshake unless `allowed`, then greet and echo."""
    if scope["type"] != "websocket":  # Plain HTTP gets a clear 426; lifespan events are ignored.
        if scope["type"] == "http":
            headers = [(b"upgrade", b"websocket"), (b"content-type", b"text/plain; charset=utf-8")]
            await send({"type": "http.response.start", "status": 426, "headers": headers})
            await send({"type": "http.response.body", "body": b"Upgrade Required: this URL speaks WebSocket.\n"})
        return
    websocket = WebSocket(scope, receive, send)
    if not allowed(websocket):
        await websocket.close(1008)  # Before accept, the client only sees HTTP 403.
        return
    await websocket.accept()
    await websocket.send_text("welcome")
    async for text in websocket.iter_text():
        await websocket.send_text(text)
