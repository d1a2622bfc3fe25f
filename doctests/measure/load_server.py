"""Serve one example app under uvicorn, in a process of its own, with a window for the tests.

The load and fault tests run the server in a subprocess so that its memory
(RSS) and its open file descriptors are its own. This script imports
`docs/examples/NAME.py` (as `uvicorn --app-dir docs/examples NAME:app` does)
and serves it on a listening socket the parent process bound and passed down
(`--fd`), so no port is fixed and there is no race between choosing a port and
binding it. Run by the tests, not by hand:

    python doctests/measure/load_server.py echo --ws websockets-sansio --fd 3

The app is wrapped by `Watched`, which passes every call through unchanged
except plain HTTP requests to `STATS_PATH`, which it answers itself:

* `GET /__load__/stats` returns JSON: the number of asyncio tasks in the
  server's loop, WebSocket app calls still running, exceptions that escaped
  the app, live `WebSocket` and uvicorn protocol objects after a garbage
  collection, the chat room's size (when the app has a `room`), open fds, and
  RSS.
* `GET /__load__/stop` asks uvicorn to shut down as on Ctrl-C, so the process
  exits 0 after its graceful shutdown, and stderr shows anything it logged.

`--mutate KIND` breaks the app on purpose (drops, duplicates or swaps a
message, or leaks a task), so that a test can show each check fails when it
should.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import json
import socket
import sys
from pathlib import Path
from typing import Any

import uvicorn

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
STATS_PATH = "/__load__/stats"
STOP_PATH = "/__load__/stop"


def proc_status() -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of this process, in KiB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def live_objects() -> dict[str, int]:
    """How many WebSocket wrappers and uvicorn WebSocket protocols are still alive, after a collection."""
    gc.collect()
    counts = {"WebSocket": 0, "uvicorn protocol": 0}
    for obj in gc.get_objects():
        kind = type(obj)
        module = kind.__module__
        if not isinstance(module, str):  # Some classes (in Twisted, under Daphne) make it a property.
            continue
        if kind.__name__ == "WebSocket" and module.startswith("reference_impl"):
            counts["WebSocket"] += 1
        elif module.startswith("uvicorn.protocols.websockets"):
            counts["uvicorn protocol"] += 1
    return counts


class Watched:
    """The example app, plus counters and the two `/__load__/` endpoints."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.app = module.app
        self.server: uvicorn.Server | None = None
        self.running = 0  # WebSocket app calls that have started and not yet returned.
        self.calls = 0
        self.errors: list[dict[str, Any]] = []  # Every exception that escaped the app.

    def stats(self) -> dict[str, Any]:
        """What the tests compare before and after a round."""
        room = getattr(self.module, "room", None)
        return {
            # Includes uvicorn's main task and the task serving this very request.
            "tasks": len(asyncio.all_tasks()),
            "websocket_calls_running": self.running,
            "websocket_calls": self.calls,
            "app_errors": self.errors,
            "room": None if room is None else len(room),
            "live_objects": live_objects(),
            "fds": len(list(Path("/proc/self/fd").iterdir())),
            **proc_status(),
        }

    async def respond(self, send: Any, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": data})

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == STATS_PATH:
            await self.respond(send, self.stats())
            return
        if scope["type"] == "http" and scope["path"] == STOP_PATH:
            assert self.server is not None
            self.server.should_exit = True
            await self.respond(send, {"stopping": True})
            return
        websocket = scope["type"] == "websocket"
        self.calls += websocket
        self.running += websocket
        try:
            await self.app(scope, receive, send)
        except BaseException as error:
            # Counted, then re-raised so that uvicorn logs it as it would without the wrapper.
            self.errors.append({"repr": repr(error), "oserror": isinstance(error, OSError)})
            raise
        finally:
            self.running -= websocket


def sender_of(message: dict[str, Any]) -> str:
    """The sender a load-test payload names: its first word ("SENDER SEQ xxx...")."""
    data = message.get("text") if message.get("text") is not None else message.get("bytes") or b""
    text = data.decode(errors="replace") if isinstance(data, bytes) else str(data)
    return text.split(" ", 1)[0]


MUTATIONS = ("drop", "duplicate", "swap", "leak-task", "raise")
EVERY = 97  # A mutation touches every 97th message a connection sends.


def mutate(app: Any, kind: str) -> Any:
    """The app with a deliberate fault, to show that the checks catch one (tests only).

    `drop`, `duplicate` and `swap` alter every `EVERY`-th message a connection
    sends (swap: it goes out after the next message from the same sender, so a
    per-sender check must see it, even in chat where senders interleave);
    `raise` raises instead of sending it; `leak-task` starts a task per
    connection that never ends.
    """
    leaked: set[asyncio.Task[None]] = set()

    async def mutated(scope: dict[str, Any], receive: Any, send: Any) -> None:
        count = 0
        held: list[dict[str, Any]] = []

        async def faulty_send(message: dict[str, Any]) -> None:
            nonlocal count
            if message["type"] != "websocket.send":
                while held:  # Nothing held is lost when the connection closes.
                    await send(held.pop())
                await send(message)
                return
            count += 1
            if count % EVERY == 0 and kind == "raise":
                raise RuntimeError("a deliberate fault")
            if count % EVERY == 0 and kind in ("drop", "swap"):
                held.append(message)
                if kind == "drop":
                    held.clear()
                return
            await send(message)
            if count % EVERY == 0 and kind == "duplicate":
                await send(message)
            while held and sender_of(held[-1]) == sender_of(message):
                await send(held.pop())

        if kind == "leak-task" and scope["type"] == "websocket":
            leaked.add(asyncio.create_task(asyncio.sleep(3600)))
        await app(scope, receive, faulty_send)

    return mutated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app", help="an example in docs/examples, e.g. echo or chat")
    parser.add_argument("--ws", default="websockets-sansio", help="uvicorn's WebSocket backend")
    parser.add_argument("--fd", type=int, required=True, help="a listening TCP socket inherited from the parent")
    parser.add_argument("--mutate", choices=MUTATIONS, help="break the app on purpose (to test the tests)")
    args = parser.parse_args()
    sys.path.insert(0, str(EXAMPLES))  # What `uvicorn --app-dir docs/examples` does.
    watched = Watched(importlib.import_module(args.app))
    if args.mutate:
        watched.app = mutate(watched.module.app, args.mutate)
    config = uvicorn.Config(watched, ws=args.ws, lifespan="off", log_level="warning", timeout_graceful_shutdown=5)
    watched.server = uvicorn.Server(config)
    watched.server.run(sockets=[socket.socket(fileno=args.fd)])


if __name__ == "__main__":
    main()
