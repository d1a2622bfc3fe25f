"""The examples of `docs/examples/` as one ASGI app, for any server: `doctests.measure.example_host:app`.

The tests start each server of `doctests.measure.servers.SERVERS` once, on
this app, and reach every example through it. It reads two environment
variables when it is imported:

* `EXAMPLE_HOST_APPS`: the examples, comma-separated (e.g. `echo,chat`).
* `EXAMPLE_HOST_IMPLS`: the imports each is loaded with, comma-separated:
  `reference_impl` (as written) and/or `fastapi` (the import swapped by
  `doctests.spec.impl.swap_example_import`). Default: `reference_impl`.

A request for `/IMPL/NAME/rest` goes to example NAME loaded with IMPL, with
its path rewritten to `/rest`; any other path goes to the first example with
the first import (so the chat page's own `ws://host/` reaches the chat).
Each example is wrapped in `load_server.Watched`, which counts its running
WebSocket calls and the exceptions that escaped it. Two plain HTTP paths are
answered here:

* `GET /__host__/stats`: JSON, per `IMPL/NAME`, the WebSocket calls still
  running, the calls so far, the exceptions that escaped, and the chat room's
  size (when the example has a `room`).
* `GET /__load__/stats`: the first example's `Watched.stats()`, what
  `doctests/measure/load.py` reads from its own uvicorn subprocess.

Lifespan events are answered here too, so that no server logs an app that
ignores them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from types import ModuleType
from typing import Any

from doctests import EXAMPLES
from doctests.measure.load_server import STATS_PATH, Watched
from doctests.spec.impl import swap_example_import

HOST_STATS = "/__host__/stats"


def load(name: str, impl: str) -> ModuleType:
    """Import `docs/examples/NAME.py` with its import swapped to `impl`, as a module of its own."""
    path = EXAMPLES / f"{name}.py"
    source = swap_example_import(path.read_text(encoding="utf-8"), impl)
    module_name = f"hosted_{name}_{impl}"
    spec = importlib.util.spec_from_loader(module_name, loader=None, origin=str(path))
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    sys.modules[module_name] = module
    exec(compile(source, str(path), "exec"), module.__dict__)  # Our own example file, its import swapped.
    return module


class Host:
    """Every hosted example behind one ASGI callable, routed by path prefix."""

    def __init__(self, names: list[str], impls: list[str]) -> None:
        self.routes = {f"{impl}/{name}": Watched(load(name, impl)) for impl in impls for name in names}
        self.default = next(iter(self.routes.values()))

    def stats(self) -> dict[str, Any]:
        result = {}
        for route, watched in self.routes.items():
            room = getattr(watched.module, "room", None)
            result[route] = {
                "running": watched.running,
                "calls": watched.calls,
                "errors": [error["repr"] for error in watched.errors],
                "room": None if room is None else len(room),
            }
        return result

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        if scope["type"] == "http" and scope["path"] == HOST_STATS:
            body = json.dumps(self.stats()).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] == "http" and scope["path"] == STATS_PATH:
            await self.default.respond(send, self.default.stats())
            return
        parts = scope["path"].split("/", 3)  # "", impl, name, rest
        route = "/".join(parts[1:3])
        if route in self.routes:
            rest = "/" + (parts[3] if len(parts) > 3 else "")
            scope = scope | {"path": rest, "raw_path": rest.encode()}
            await self.routes[route](scope, receive, send)
        else:
            await self.default(scope, receive, send)


def from_environment() -> Host:
    names = [name for name in os.environ.get("EXAMPLE_HOST_APPS", "echo").split(",") if name]
    impls = [impl for impl in os.environ.get("EXAMPLE_HOST_IMPLS", "reference_impl").split(",") if impl]
    return Host(names, impls)


app = from_environment()
