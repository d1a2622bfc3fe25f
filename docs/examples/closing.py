"""Closing with a code and a reason, from either side.

Send "bye" and the server closes with 1000 "goodbye"; send a "/command" it does
not know and it closes with the application code 4000; anything else is echoed.
When the client closes first, the app prints the code and reason it gave. Run it with:

    uvicorn --app-dir docs/examples closing:app
"""

from reference_impl import WebSocket, WebSocketDisconnect


async def app(scope, receive, send):
    """Echo text until one side closes the connection."""
    if scope["type"] != "websocket":  # Plain HTTP gets a clear 426; lifespan events are ignored.
        if scope["type"] == "http":
            headers = [(b"upgrade", b"websocket"), (b"content-type", b"text/plain; charset=utf-8")]
            await send({"type": "http.response.start", "status": 426, "headers": headers})
            await send({"type": "http.response.body", "body": b"Upgrade Required: this URL speaks WebSocket.\n"})
        return
    websocket = WebSocket(scope, receive, send)
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()
            if text == "bye":
                await websocket.close(1000, "goodbye")  # 1000: normal closure.
                return
            if text.startswith("/"):
                # 4000-4999 are for applications; the reason must fit in 123 UTF-8 bytes.
                await websocket.close(4000, "unknown command")
                return
            await websocket.send_text(text)
    except WebSocketDisconnect as disconnect:
        # The client closed first: its close frame's code and reason arrive here.
        print(f"client closed: code={disconnect.code} reason={disconnect.reason!r}")
