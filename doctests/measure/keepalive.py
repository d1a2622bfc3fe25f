"""Measure how long an app under uvicorn takes to learn that its client vanished without a close.

A client that loses power, or whose network drops, sends no close frame and
no TCP FIN: its server hears nothing at all. This program makes that happen on
loopback. Between the `websockets` client and uvicorn sits a small TCP relay
(`Relay`); once the handshake is done and the app waits in `receive()`, the
relay *blackholes*: it keeps reading both sides, so nothing blocks and no
socket closes, but forwards nothing. The app then learns of the loss only if
the server finds out by itself, and uvicorn's one way of finding out is its
keepalive ping: a ping every `ws_ping_interval` seconds, and the connection
is failed when no pong comes back within `ws_ping_timeout` seconds.

For each backend the program runs the case with short pings (`PING_INTERVAL`,
`PING_TIMEOUT`) and with pings off (`ws_ping_interval=None`), `RUNS` times
each, and records what the app's `receive()` returned and when, counted from
the moment the relay went silent. With pings off, the wait is bounded by
`WAIT_WITHOUT_PINGS` seconds and recorded as "not learned". Run it with:

    python -m doctests.measure.keepalive    # see builddata.KEEPALIVE

`doctests/sitegen/pages/keepalive.py` shows the figures on the "Find dead
connections" page; `tests/deploy/test_keepalive.py` checks the page's
statements against a fresh, shorter run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from websockets.asyncio.client import connect

from doctests.builddata import KEEPALIVE
from doctests.measure.probe import BACKENDS, running_server

PING_INTERVAL = 0.5  # Seconds between uvicorn's pings in the "pings on" runs.
PING_TIMEOUT = 0.5  # Seconds uvicorn waits for each pong.
WAIT_WITHOUT_PINGS = 5.0  # How long a "pings off" run waits before it records "not learned".
RUNS = 3  # Runs per backend and setting.

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class Run(TypedDict):
    """One run: whether the app learned, after how long, and what `receive()` returned."""

    learned: bool
    seconds: float | None
    app_saw: str


class Setting(TypedDict):
    """The runs of one backend with one ping setting."""

    ws_ping_interval: float | None
    ws_ping_timeout: float | None
    waited_at_most: float
    runs: list[Run]
    max_seconds: float | None
    median_seconds: float | None


# The relay ------------------------------------------------------------------


@dataclass
class Relay:
    """A TCP relay on 127.0.0.1 that forwards both ways until `blackhole()`, then swallows everything.

    After `blackhole()` it still reads what either side writes, so neither
    side's writes ever block or fail, and it closes nothing: to both ends the
    other one has simply gone quiet, as a vanished peer does.
    """

    upstream: tuple[str, int]
    silent: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    def blackhole(self) -> None:
        """Stop forwarding, in both directions, from now on."""
        self.silent.set()

    async def pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65536):
                if not self.silent.is_set():
                    writer.write(chunk)
                    await writer.drain()

    async def handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        self.writers += [client_writer, server_writer]
        for reader, writer in ((client_reader, server_writer), (server_reader, client_writer)):
            task = asyncio.create_task(self.pipe(reader, writer))
            self.tasks.add(task)

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        """Listen on a free loopback port; yield "127.0.0.1:PORT"; close every socket on exit."""
        server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            yield f"127.0.0.1:{port}"
        finally:
            server.close()
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
            for writer in self.writers:
                writer.close()
            await server.wait_closed()


# The app --------------------------------------------------------------------


@dataclass
class Observed:
    """What the app saw, written from uvicorn's thread and read from the measuring one."""

    accepted: threading.Event = field(default_factory=threading.Event)
    ended: threading.Event = field(default_factory=threading.Event)
    at: float = 0.0  # time.monotonic() when receive() returned or raised
    saw: str = ""


def waiting_app(observed: Observed) -> Callable[[Message, Receive, Send], Awaitable[None]]:
    """An app that accepts, then waits in `receive()` and notes what it returns, and when."""

    async def app(scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            return
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        observed.accepted.set()
        try:
            message = await receive()
        except BaseException as error:  # The exception is the observation.
            observed.at, observed.saw = time.monotonic(), f"{type(error).__name__}"
            observed.ended.set()
            raise
        observed.at = time.monotonic()
        fields = " ".join(f"{key}={value!r}" for key, value in message.items() if key != "type")
        observed.saw = f"{message['type']} {fields}".strip()
        observed.ended.set()

    return app


async def wait_event(event: threading.Event, within: float) -> bool:
    """Poll a thread event from async code for at most `within` seconds."""
    deadline = time.monotonic() + within
    while not event.is_set():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def one_run(address: str, observed: Observed, wait: float) -> Run:
    """Connect through a relay to `address`, go silent after the handshake, wait up to `wait` s for the app."""
    host, port = address.split(":")
    relay = Relay((host, int(port)))
    async with relay.serving() as relayed:
        client = await connect(f"ws://{relayed}/", open_timeout=5, ping_interval=None, close_timeout=0.1)
        try:
            if not await wait_event(observed.accepted, 5):
                raise RuntimeError("the app did not accept within 5 s")
            relay.blackhole()
            silent_since = time.monotonic()
            learned = await wait_event(observed.ended, wait)
        finally:
            client.transport.abort()  # No closing handshake: the relay would swallow it anyway.
    if not learned:
        return {"learned": False, "seconds": None, "app_saw": f"nothing within {wait:g} s"}
    return {"learned": True, "seconds": round(observed.at - silent_since, 3), "app_saw": observed.saw}


def measure_setting(backend: str, interval: float | None, timeout: float | None, wait: float, runs: int) -> Setting:
    """`runs` runs of one backend with one ping setting, each on a fresh server."""
    results: list[Run] = []
    for _ in range(runs):
        observed = Observed()
        with running_server(waiting_app(observed), backend, ws_ping_interval=interval, ws_ping_timeout=timeout) as (
            address,
            _,
        ):
            results.append(asyncio.run(one_run(address, observed, wait)))
    times = [run["seconds"] for run in results if run["seconds"] is not None]
    every = len(times) == len(results)
    return {
        "ws_ping_interval": interval,
        "ws_ping_timeout": timeout,
        "waited_at_most": wait,
        "runs": results,
        "max_seconds": max(times) if every else None,
        "median_seconds": round(statistics.median(times), 3) if every else None,
    }


def measure(
    ping_interval: float = PING_INTERVAL,
    ping_timeout: float = PING_TIMEOUT,
    wait_without_pings: float = WAIT_WITHOUT_PINGS,
    runs: int = RUNS,
    backends: tuple[str, ...] = BACKENDS,
) -> dict[str, Any]:
    """Every backend with pings on and off; the JSON-ready data of `builddata.KEEPALIVE`."""
    # With pings on, the loss is due after interval + timeout: allow that twice over, plus a second.
    wait_with_pings = 2 * (ping_interval + ping_timeout) + 1.0
    return {
        "config": {
            "ping_interval": ping_interval,
            "ping_timeout": ping_timeout,
            "wait_without_pings": wait_without_pings,
            "runs": runs,
        },
        "backends": {
            backend: {
                "pings_on": measure_setting(backend, ping_interval, ping_timeout, wait_with_pings, runs),
                "pings_off": measure_setting(backend, None, None, wait_without_pings, runs),
            }
            for backend in backends
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="runs per backend and setting")
    parser.add_argument("--output", type=Path, default=None, help=f"where to write (default {KEEPALIVE.target})")
    args = parser.parse_args(argv)
    path = KEEPALIVE.write(measure(runs=args.runs), args.output)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
