"""A chat room: every text message goes, unchanged, to everyone connected.

Open http://127.0.0.1:8000/ in two browser tabs: the same app serves the chat
page over HTTP and the room over WebSocket. Run it with:

    uvicorn --app-dir docs/examples chat:app

Slow clients: each member has a queue and a task of its own that sends it, so
a broadcast never waits for anyone. A member is dropped for making no
progress, not for a burst: when one message has waited `STALL_SECONDS` to go
out (the client drains nothing), or when more than `MAX_BACKLOG` bytes wait
for it. Its connection is then closed with 1013 ("try again later") and what
it says is no longer broadcast. A member that keeps reading is never dropped
however busy the room; a client that has vanished only makes its own sender
fail. Both limits can be set from the environment, e.g. CHAT_STALL_SECONDS=10.
"""

import asyncio
import os

from reference_impl import WebSocket

# A burst only makes a queue long for a moment; a client that takes nothing
# for this long is stuck (or gone without a word), so stop waiting for it.
STALL_SECONDS = float(os.environ.get("CHAT_STALL_SECONDS", "5"))
# Bounds the memory one member can hold, however fast the others talk.
MAX_BACKLOG = int(os.environ.get("CHAT_MAX_BACKLOG", str(4 * 2**20)))  # bytes


class Member:
    """One connected client and the messages waiting to be sent to it."""

    def __init__(self, websocket):
        self.websocket = websocket
        self.queue = asyncio.Queue()  # Unbounded: `backlog` is the bound that counts.
        self.backlog = 0  # UTF-8 bytes in `queue`.


room = set()


def broadcast(text):
    """Queue `text` for every member; never waits, so nobody can stall the room."""
    size = len(text.encode())
    for member in list(room):
        member.queue.put_nowait(text)
        member.backlog += size
        if member.backlog > MAX_BACKLOG:
            room.discard(member)  # Too far behind: no more messages; its sender closes it.


async def send_queued(member):
    """Send a member its messages in order; close it with 1013 once it is dropped."""
    websocket = member.websocket
    while member in room:
        text = await member.queue.get()
        member.backlog -= len(text.encode())
        try:
            # A send waits while the client reads nothing (the server's buffer is full).
            async with asyncio.timeout(STALL_SECONDS):
                await websocket.send_text(text)
        except TimeoutError:
            room.discard(member)  # No progress for STALL_SECONDS.
    # The close frame waits behind the data already sent; don't wait forever for it.
    async with asyncio.timeout(STALL_SECONDS):
        await websocket.close(1013, "too slow")


async def read_into_room(member):
    """Broadcast what the member says, until it disconnects."""
    while True:
        # `receive()`, not `iter_text()`: it still works after the sender has closed
        # the connection, where `receive_text()` would raise RuntimeError.
        message = await member.websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        # Binary messages are not chat; a dropped member is no longer heard.
        if message.get("text") is not None and member in room:
            broadcast(message["text"])


async def chat(websocket):
    """Join the room, and leave when the client goes or the member is dropped."""
    await websocket.accept()
    member = Member(websocket)
    room.add(member)
    reader = asyncio.create_task(read_into_room(member))
    sender = asyncio.create_task(send_queued(member))
    try:
        # Either ending ends the connection: the client left, or it was dropped (or vanished).
        await asyncio.wait({reader, sender}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        room.discard(member)
        reader.cancel()
        sender.cancel()
        # Collect both ends: cancelled, timed out, or failed because the client vanished.
        await asyncio.gather(reader, sender, return_exceptions=True)


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
