"""Per-message cost of the `WebSocket` wrapper, against the raw ASGI callables.

One round trip is a `send_text` then a `receive_text` (or `send_json` then
`receive_json`) over in-memory callables that never wait. The floor is the
same exchange written against the raw `send`/`receive` with no wrapper.

Every implementation available in this interpreter is timed in the same run,
round-robin, in batches with the garbage collector off (as `timeit` does); the
figure is the fastest batch of several, in nanoseconds per round trip. Only
ratios between figures of one run mean anything.

Run by `run.py` in each environment; on its own it prints JSON:

    .venv-oracle/bin/python doctests/measure/bench_messages.py --impls raw,reference,starlette
"""

from __future__ import annotations

import argparse
import gc
import importlib
import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

TEXT = "hello, world"
DATA = {"op": "ping", "n": 1, "tags": ["a", "b"]}
CONNECT = {"type": "websocket.connect"}
SCOPE = {"type": "websocket", "path": "/", "headers": []}

Batch = Callable[[int], Coroutine[Any, Any, None]]


def drive(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine that never suspends, with no event loop in the measurement."""
    try:
        coroutine.send(None)
    except StopIteration:
        return
    raise RuntimeError("the benchmark coroutine suspended")


def callables(message: dict[str, Any]) -> tuple[Any, Any]:
    """An ASGI `receive` that answers `websocket.connect` once, then `message` forever, and a `send` that drops."""
    messages = itertools.chain([CONNECT], itertools.repeat(message))

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        return None

    return receive, send


def raw_batches() -> dict[str, Batch]:
    """The floor: the same exchange against the bare callables."""
    text_receive, text_send = callables({"type": "websocket.receive", "text": TEXT})
    json_receive, json_send = callables({"type": "websocket.receive", "text": json.dumps(DATA)})
    drive(text_receive())  # the connect message
    drive(json_receive())

    async def text(n: int) -> None:
        for _ in range(n):
            await text_send({"type": "websocket.send", "text": TEXT})
            message = await text_receive()
            message["text"]

    async def json_(n: int) -> None:
        for _ in range(n):
            await json_send({"type": "websocket.send", "text": json.dumps(DATA, separators=(",", ":"))})
            message = await json_receive()
            json.loads(message["text"])

    return {"text": text, "json": json_}


def wrapper_batches(module_name: str) -> dict[str, Batch]:
    """The exchange through `module_name`'s `WebSocket`, accepted first."""
    module = importlib.import_module(module_name)
    sockets = {}
    for kind, payload in (("text", TEXT), ("json", json.dumps(DATA))):
        receive, send = callables({"type": "websocket.receive", "text": payload})
        websocket = module.WebSocket(dict(SCOPE), receive, send)
        drive(websocket.accept())
        sockets[kind] = websocket

    async def text(n: int) -> None:
        websocket = sockets["text"]
        for _ in range(n):
            await websocket.send_text(TEXT)
            await websocket.receive_text()

    async def json_(n: int) -> None:
        websocket = sockets["json"]
        for _ in range(n):
            await websocket.send_json(DATA)
            await websocket.receive_json()

    return {"text": text, "json": json_}


IMPLS: dict[str, Callable[[], dict[str, Batch]]] = {
    "raw": raw_batches,
    "reference": lambda: wrapper_batches("reference_impl.websockets"),
    "starlette": lambda: wrapper_batches("starlette.websockets"),
}


def time_batch(batch: Batch, n: int) -> float:
    """Seconds for one batch of `n` round trips, the collector off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        started = time.perf_counter()
        drive(batch(n))
        return time.perf_counter() - started
    finally:
        if enabled:
            gc.enable()


def measure(impls: list[str], n: int = 20_000, repeats: int = 9) -> dict[str, Any]:
    """ns per round trip for each implementation and exchange: the min and the median of `repeats` batches."""
    batches = {impl: IMPLS[impl]() for impl in impls}
    samples: dict[tuple[str, str], list[float]] = {(impl, kind): [] for impl in impls for kind in ("text", "json")}
    for kind in ("text", "json"):
        for impl in impls:  # warm-up
            time_batch(batches[impl][kind], n // 10)
        for _ in range(repeats):
            for impl in impls:  # round-robin, so drift hits every implementation alike
                samples[impl, kind].append(time_batch(batches[impl][kind], n) / n * 1e9)
    import starlette  # the version under test in this interpreter

    return {
        "python": sys.version.split()[0],
        "starlette": starlette.__version__,
        "batch": n,
        "repeats": repeats,
        "ns": {
            kind: {
                impl: {"min": min(samples[impl, kind]), "median": statistics.median(samples[impl, kind])}
                for impl in impls
            }
            for kind in ("text", "json")
        },
    }


def profile(module_name: str = "reference_impl.websockets", n: int = 50_000, top: int = 10) -> list[dict[str, Any]]:
    """Where a text round trip's time goes under cProfile: the functions with the most own time.

    cProfile's own cost inflates every call alike, so the shares say where the
    calls are, not how long each would take unprofiled.
    """
    import cProfile
    import pstats

    batch = (raw_batches() if module_name == "raw" else wrapper_batches(module_name))["text"]
    profiler = cProfile.Profile()
    profiler.runcall(drive, batch(n))
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in stats.values())
    rows = []
    for (filename, line, function), (_, calls, own, cumulative, _) in stats.items():
        if filename == __file__:
            continue  # the harness: its loop and fake callables are the floor, not the wrapper
        where = filename.rsplit("/", 2)
        rows.append(
            {
                "function": f"{'/'.join(where[-2:])}:{line}({function})" if line else function,
                "calls_per_round_trip": calls / n,
                "own_share": own / total,
                "cumulative_share": cumulative / total,
            }
        )
    rows.sort(key=lambda row: row["own_share"], reverse=True)
    return rows[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impls", default="raw,reference,starlette")
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    print(json.dumps(measure(args.impls.split(","), args.batch, args.repeats)))


if __name__ == "__main__":
    main()
