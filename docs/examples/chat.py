"""A chat room: every text message goes, unchanged, to everyone connected.

Open http://127.0.0.1:8000/ in two browser tabs: the same app serves the chat
page over HTTP and the room over WebSocket. Run it with:

    uvicorn --app-dir docs/examples chat:app

Slow clients: each member has a queue of at most `QUEUE_SIZE` messages and a
task of its own that sends them, so a broadcast never waits for anyone. A
member whose queue is full is dropped from the room at once; its sender
delivers what is queued and then closes the connection with 1013 ("try again
later"); what it sends meanwhile is not broadcast. A client that has vanished
only makes its own sender fail.
"""

import asyncio

from reference_impl import WebSocket

QUEUE_SIZE = 64


class Member:
    """One connected client and the messages waiting to be sent to it."""

    def __init__(self, websocket):
        self.websocket = websocket
        self.queue = asyncio.Queue(maxsize=QUEUE_SIZE)


room = set()


def broadcast(text):
    """Queue `text` for every member; never waits, so nobody can stall the room."""
    for member in list(room):
        try:
            member.queue.put_nowait(text)
        except asyncio.QueueFull:
            room.discard(member)  # Too slow: it gets nothing more, then a 1013.


async def send_queued(member):
    """Send a member its messages; once it has left the room, close it with 1013."""
    while member in room or not member.queue.empty():
        await member.websocket.send_text(await member.queue.get())
    await member.websocket.close(1013, "too slow")


async def chat(websocket):
    """Join the room, broadcast what this client says, and leave when it goes."""
    await websocket.accept()
    member = Member(websocket)
    room.add(member)
    sender = asyncio.create_task(send_queued(member))
    try:
        async for text in websocket.iter_text():
            if member in room:  # A member dropped as too slow no longer speaks either.
                broadcast(text)
    finally:
        room.discard(member)
        sender.cancel()
        # Collect the sender's end (cancelled, or failed because the client vanished).
        await asyncio.gather(sender, return_exceptions=True)


async def page(scope, receive, send):
    """Serve the chat page at GET /, and 404 elsewhere."""
    found = scope["path"] == "/" and scope["method"] in ("GET", "HEAD")
    body = PAGE.encode() if found else b"Not Found"
    kind = b"text/html; charset=utf-8" if found else b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": 200 if found else 404, "headers": [(b"content-type", kind)]})
    await send({"type": "http.response.body", "body": body})


async def app(scope, receive, send):
    """One app, two kinds of connection: HTTP for the page, WebSocket for the room."""
    if scope["type"] == "http":
        await page(scope, receive, send)
    elif scope["type"] == "websocket":
        await chat(WebSocket(scope, receive, send))


# Plain HTML and JavaScript, no external requests: the page works offline.
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Chat</title>
<link rel="icon" href="data:,">
<style>body { font-family: sans-serif; max-width: 40em; margin: 2em auto; } #log { min-height: 10em; }</style>
</head>
<body>
<h1>Chat</h1>
<p id="status">connecting…</p>
<ul id="log"></ul>
<form id="form"><input id="text" autocomplete="off" autofocus> <button>Send</button></form>
<script>
const status = document.getElementById("status");
const log = document.getElementById("log");
const input = document.getElementById("text");
const scheme = location.protocol === "https:" ? "wss:" : "ws:";
const socket = new WebSocket(`${scheme}//${location.host}/`);
socket.onopen = () => { status.textContent = "connected"; };
socket.onclose = (event) => { status.textContent = `closed: ${event.code} ${event.reason}`; };
socket.onmessage = (event) => {
  const item = document.createElement("li");
  item.textContent = event.data;  // textContent, never innerHTML: messages are untrusted.
  log.append(item);
};
document.getElementById("form").onsubmit = (event) => {
  event.preventDefault();
  if (input.value && socket.readyState === WebSocket.OPEN) socket.send(input.value);
  input.value = "";
};
</script>
</body>
</html>
"""
