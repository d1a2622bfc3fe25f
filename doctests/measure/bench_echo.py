"""uvicorn echo round trips per second: `docs/examples/echo.py` on `reference_impl` vs today's Starlette.

Both servers run at once, each in a process of its own, under the same uvicorn
and WebSocket backend on loopback; one `websockets` client in this process
times sequential round trips (send a text message, await its echo) against
each in turn, round-robin, so that drift hits both alike. The Starlette server
runs a temporary copy of `echo.py` whose only change is the import line.

Every server is started by `doctests.measure.servers` on a free loopback
port, and is stopped (and checked for leftovers) before `measure` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from doctests import EXAMPLES
from doctests.measure import servers
from doctests.spec.impl import swap_example_import

ECHO = EXAMPLES / "echo.py"
BACKEND = "websockets-sansio"


@contextlib.contextmanager
def serve(app_dir: Path) -> Iterator[int]:
    """Serve `app_dir/echo.py` under uvicorn in a process of its own (`doctests.measure.servers`); yield its port."""
    server = servers.BY_ID[f"uvicorn-{BACKEND.split('-')[-1]}"]
    with servers.running(server, "echo:app", app_dir, servers.http_get("/"), role="bench") as process:
        yield process.port


async def round_trips(port: int, count: int) -> float:
    """Seconds for `count` sequential echo round trips on one connection."""
    from websockets.asyncio.client import connect

    async with connect(f"ws://127.0.0.1:{port}/", open_timeout=10) as websocket:
        await websocket.send("warm-up")
        await websocket.recv()
        started = time.perf_counter()
        for _ in range(count):
            await websocket.send("hello")
            await websocket.recv()
        return time.perf_counter() - started


async def wait_until_up(port: int, deadline: float) -> None:
    while True:
        try:
            await round_trips(port, 1)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


def measure(count: int = 2_000, repeats: int = 5, time_limit: float = 120.0) -> dict[str, Any]:
    """Round trips per second for each implementation: best and median of `repeats` runs of `count`."""
    source = ECHO.read_text()
    with tempfile.TemporaryDirectory() as tmp:
        reference_dir, starlette_dir = Path(tmp, "reference"), Path(tmp, "starlette")
        reference_dir.mkdir()
        starlette_dir.mkdir()
        (reference_dir / "echo.py").write_text(source)
        (starlette_dir / "echo.py").write_text(swap_example_import(source, "starlette"))
        with serve(reference_dir) as reference_port, serve(starlette_dir) as starlette_port:
            ports = {"reference": reference_port, "starlette": starlette_port}

            async def run() -> dict[str, list[float]]:
                deadline = time.monotonic() + time_limit
                for port in ports.values():
                    await wait_until_up(port, time.monotonic() + 15)
                rates: dict[str, list[float]] = {name: [] for name in ports}
                for _ in range(repeats):
                    for name, port in ports.items():
                        seconds = await asyncio.wait_for(round_trips(port, count), deadline - time.monotonic())
                        rates[name].append(count / seconds)
                return rates

            rates = asyncio.run(run())
    from importlib import metadata

    import starlette
    import uvicorn

    return {
        "count": count,
        "repeats": repeats,
        "backend": BACKEND,
        "versions": {
            "uvicorn": uvicorn.__version__,
            "websockets": metadata.version("websockets"),
            "starlette": starlette.__version__,
        },
        "per_second": {
            name: {"best": max(values), "median": statistics.median(values)} for name, values in rates.items()
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=2))
