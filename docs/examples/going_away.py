"""A room that tells its members it is going away (1001, with a reason) before the server stops.

On SIGINT or SIGTERM, uvicorn closes every WebSocket itself, with 1012 and
no reason, and only then sends `lifespan.shutdown`: too late to say anything.
So at `lifespan.startup` this app puts its own handler in front of uvicorn's
for both signals. On a signal it closes every member with 1001 and a reason
the client can show, then hands the signal on to the handler it replaced,
and uvicorn shuts down as usual. A client that connects meanwhile is sent
away the same way. Every text message goes to every member.
Run it with:

    uvicorn --app-dir docs/examples going_away:app
"""

import asyncio
import contextlib
import functools
import signal
import threading

from reference_impl import WebSocket, WebSocketDisconnect

GOING_AWAY = 1001
REASON = "server restarting, please reconnect"
GOODBYE_SECONDS = 2.0  # The longest the goodbyes may hold up the shutdown.
members = set()
leaving = False


async def say_goodbye():
    """Close every member with 1001 and the reason, each within GOODBYE_SECONDS."""

    async def close(member):
        # Already gone, or too slow: the server closes it anyway.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(member.close(GOING_AWAY, REASON), GOODBYE_SECONDS)

    leavers = list(members)
    members.clear()  # No broadcast reaches a member once it has been told.
    await asyncio.gather(*(close(member) for member in leavers))


def install_goodbye(loop):
    """Put `on_signal` in front of the current handlers of SIGINT and SIGTERM."""
    if threading.current_thread() is not threading.main_thread():
        return  # Only the main thread may set signal handlers; `uvicorn` runs the app there.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, functools.partial(on_signal, loop, signal.getsignal(signum)))


def on_signal(loop, previous, signum, frame):
    """Runs between two steps of the event loop: schedule the goodbyes, never await here."""
    loop.call_soon_threadsafe(goodbye_then_hand_on, loop, previous, signum, frame)


def goodbye_then_hand_on(loop, previous, signum, frame):
    global leaving
    if leaving:  # A second signal: hand it on at once (uvicorn: a second Ctrl-C forces the exit).
        hand_on(previous, signum, frame)
        return
    leaving = True
    task = loop.create_task(say_goodbye())
    task.add_done_callback(lambda _: hand_on(previous, signum, frame))


def hand_on(previous, signum, frame):
    """Give the signal to the handler we replaced: uvicorn's own, which starts its shutdown."""
    if callable(previous):
        previous(signum, frame)
    else:  # The default action (or none): restore it and raise the signal again.
        signal.signal(signum, previous)
        signal.raise_signal(signum)


async def lifespan(receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            install_goodbye(asyncio.get_running_loop())
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            # By now uvicorn has closed every connection (with 1012): nothing left to tell.
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope, receive, send):
    """Lifespan installs the goodbye; each WebSocket joins the room until it leaves."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    if scope["type"] != "websocket":  # Plain HTTP gets a clear 426, as in every example.
        headers = [(b"upgrade", b"websocket"), (b"content-type", b"text/plain; charset=utf-8")]
        await send({"type": "http.response.start", "status": 426, "headers": headers})
        await send({"type": "http.response.body", "body": b"Upgrade Required: this URL speaks WebSocket.\n"})
        return
    websocket = WebSocket(scope, receive, send)
    await websocket.accept()
    if leaving:  # A client that reconnected too soon, to the server that is stopping.
        await websocket.close(GOING_AWAY, REASON)
        return
    members.add(websocket)
    try:
        async for text in websocket.iter_text():
            for member in list(members):
                try:
                    await member.send_text(text)
                except (RuntimeError, OSError, WebSocketDisconnect):
                    members.discard(member)  # It left meanwhile; its own handler ends it.
    finally:
        members.discard(websocket)
