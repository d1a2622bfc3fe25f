"""A JSON request/response API over one WebSocket.

Each request is a JSON object such as {"id": 1, "op": "add", "args": [2, 3]}
(the ops are "add" and "mul"); each reply echoes the "id" with a "result" or
an "error". A message that is not
JSON closes the connection with 1007 (invalid payload data). Run it with:

    uvicorn --app-dir docs/examples json_api:app
"""

import json
import math

from reference_impl import WebSocket, WebSocketDisconnect

OPERATIONS = {"add": sum, "mul": math.prod}


def answer(request):
    """Build the reply to one decoded request."""
    if not isinstance(request, dict):
        return {"id": None, "error": "expected a JSON object"}
    reply = {"id": request.get("id")}
    op, args = request.get("op"), request.get("args", [])
    if not isinstance(op, str) or op not in OPERATIONS:
        reply["error"] = f"unknown op {op!r}"
    elif not isinstance(args, list) or not all(isinstance(arg, int | float) for arg in args):
        reply["error"] = "args must be a list of numbers"
    else:
        reply["result"] = OPERATIONS[op](args)
    return reply


async def app(scope, receive, send):
    """Answer JSON requests until the client disconnects."""
    if scope["type"] != "websocket":  # Plain HTTP gets a clear 426; lifespan events are ignored.
        if scope["type"] == "http":
            headers = [(b"upgrade", b"websocket"), (b"content-type", b"text/plain; charset=utf-8")]
            await send({"type": "http.response.start", "status": 426, "headers": headers})
            await send({"type": "http.response.body", "body": b"Upgrade Required: this URL speaks WebSocket.\n"})
        return
    websocket = WebSocket(scope, receive, send)
    await websocket.accept()
    while True:
        try:
            request = await websocket.receive_json()
        except WebSocketDisconnect:
            return
        except json.JSONDecodeError:
            await websocket.close(1007, "invalid JSON")
            return
        await websocket.send_json(answer(request))
