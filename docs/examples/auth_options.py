"""Five ways to authenticate a WebSocket, one path each, all with the same token.

    /query          ws://127.0.0.1:8000/query?token=let-me-in
    /cookie         a `session=let-me-in` cookie, from an allowed Origin (or none)
    /first-message  send "let-me-in" as the first message, within FIRST_MESSAGE_SECONDS
    /protocol       offer the subprotocols "chat.v1" and "token.let-me-in"
    /header         `Authorization: Bearer let-me-in` (browsers cannot send it)

Every check but the first-message one runs before accept: a refused client gets
HTTP 403 and nothing else. The first message only arrives after accept, so
there a refusal is a close frame: 4401 "unauthorized", or 4408 "authentication
timeout" when nothing came in time. Run it with:

    uvicorn --app-dir docs/examples auth_options:app
"""

import asyncio
import hmac

from reference_impl import WebSocket

# In a real app: look up a session, or verify a signed, short-lived token.
TOKEN = "let-me-in"
# Pages allowed to use the session cookie (browsers always send Origin).
ALLOWED_ORIGINS = {"http://127.0.0.1:8000", "http://localhost:8000"}
FIRST_MESSAGE_SECONDS = 5.0
PROTOCOL = "chat.v1"  # What this server speaks; the one it names in its answer.
TOKEN_PROTOCOL = "token."  # An offered subprotocol "token.<token>" carries the token.


def valid(token):
    """Whether `token` (a string or None) is the token; compare_digest takes the same time wherever they differ."""
    return token is not None and hmac.compare_digest(token.encode(), TOKEN.encode())


def by_query(websocket):
    return valid(websocket.query_params.get("token"))


def by_cookie(websocket):
    origin = websocket.headers.get("origin")
    if origin is not None and origin not in ALLOWED_ORIGINS:
        return False  # Another site's page: it would carry our user's cookie.
    return valid(websocket.cookies.get("session"))


def by_protocol(websocket):
    offered = websocket.scope.get("subprotocols", [])
    tokens = [name.removeprefix(TOKEN_PROTOCOL) for name in offered if name.startswith(TOKEN_PROTOCOL)]
    return PROTOCOL in offered and len(tokens) == 1 and valid(tokens[0])


def by_header(websocket):
    scheme, _, token = websocket.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and valid(token)


CHECKS = {"/query": by_query, "/cookie": by_cookie, "/protocol": by_protocol, "/header": by_header}


async def first_message(websocket):
    """Accept, then wait for the token as the first message; whether it came."""
    await websocket.accept()
    try:
        async with asyncio.timeout(FIRST_MESSAGE_SECONDS):
            message = await websocket.receive()
    except TimeoutError:
        await websocket.close(4408, "authentication timeout")
        return False
    if message["type"] == "websocket.disconnect":
        return False
    if not valid(message.get("text")):
        await websocket.close(4401, "unauthorized")
        return False
    return True


async def app(scope, receive, send):
    """Check the credential for the path, then greet and echo text."""
    if scope["type"] != "websocket":  # Plain HTTP gets a clear 426; lifespan events are ignored.
        if scope["type"] == "http":
            headers = [(b"upgrade", b"websocket"), (b"content-type", b"text/plain; charset=utf-8")]
            await send({"type": "http.response.start", "status": 426, "headers": headers})
            await send({"type": "http.response.body", "body": b"Upgrade Required: this URL speaks WebSocket.\n"})
        return
    websocket = WebSocket(scope, receive, send)
    path = scope["path"]
    if path == "/first-message":
        if not await first_message(websocket):
            return
    elif path in CHECKS and CHECKS[path](websocket):
        # Name our protocol, never the token: the answer would echo it.
        await websocket.accept(subprotocol=PROTOCOL if path == "/protocol" else None)
    else:
        await websocket.close(1008)  # Before accept: the client only sees HTTP 403.
        return
    await websocket.send_text("welcome")
    async for text in websocket.iter_text():
        await websocket.send_text(text)
