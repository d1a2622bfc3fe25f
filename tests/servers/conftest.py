"""Fixtures for the real-server tests: load an example, serve it with uvicorn, wait on it."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import uvicorn

from doctests import EXAMPLES
from doctests.measure.probe import BACKENDS, running_server

APPS = sorted(path.stem for path in EXAMPLES.glob("*.py"))
# The import every example uses, and what FastAPI users write instead.
OURS = "from reference_impl import "
THEIRS = {"reference_impl": OURS, "fastapi": "from fastapi.websockets import "}

Serve = Callable[..., contextlib.AbstractContextManager[tuple[str, ModuleType, uvicorn.Server]]]


def load_example(name: str, impl: str, tmp_path: Path) -> ModuleType:
    """Import `docs/examples/NAME.py` afresh, its import swapped to `impl` in a temporary copy."""
    source = (EXAMPLES / f"{name}.py").read_text()
    assert source.count(OURS) == 1, f"{name}.py should import reference_impl exactly once"
    swapped = source.replace(OURS, THEIRS[impl])
    assert impl == "reference_impl" or "reference_impl" not in swapped
    path = tmp_path / impl / f"{name}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(swapped)
    # A fresh module per test: module-level state (the chat room) starts empty.
    spec = importlib.util.spec_from_file_location(f"example_{name}_{impl}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each uvicorn WebSocket backend in turn."""
    return str(request.param)


@pytest.fixture(params=sorted(THEIRS))
def impl(request: pytest.FixtureRequest) -> str:
    """The examples as written, then with the import swapped to FastAPI."""
    return str(request.param)


@pytest.fixture
def serve(backend: str, impl: str, tmp_path: Path) -> Serve:
    """`with serve("echo") as (address, module, server):` runs an example under uvicorn."""

    @contextlib.contextmanager
    def serve(name: str, **config: Any) -> Iterator[tuple[str, ModuleType, uvicorn.Server]]:
        module = load_example(name, impl, tmp_path)
        with running_server(module.app, backend, **config) as (address, server):
            yield address, module, server

    return serve


async def app_finished(server: uvicorn.Server, within: float = 2.0) -> bool:
    """Whether every app call on `server` has returned within `within` seconds."""
    deadline = time.monotonic() + within
    while server.server_state.tasks:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True
