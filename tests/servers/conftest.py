"""Fixtures for the real-server tests: load an example, serve it with uvicorn, wait on it."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

from doctests import EXAMPLES
from doctests.measure.probe import BACKENDS, running_server
from doctests.spec.impl import swap_example_import
from tests.support.browser import fresh_context, launched

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

APPS = sorted(path.stem for path in EXAMPLES.glob("*.py"))
# Each example runs as written, and with its import swapped to FastAPI.
LIBRARIES = ("fastapi", "reference_impl")

Serve = Callable[..., contextlib.AbstractContextManager[tuple[str, ModuleType, uvicorn.Server]]]


def load_example(name: str, impl: str, tmp_path: Path) -> ModuleType:
    """Import `docs/examples/NAME.py` afresh, its import swapped to `impl` in a temporary copy."""
    swapped = swap_example_import((EXAMPLES / f"{name}.py").read_text(), impl)
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


@pytest.fixture(params=LIBRARIES)
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


# The browser tests of this folder (auth, the JavaScript client, the chat page):
# one headless Chromium per module, a fresh context (own cookies) per test.
BROWSER_TIMEOUT_MS = 5000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module; the test skips, saying why, without one."""
    with launched(timeout_ms=BROWSER_TIMEOUT_MS * 4) as chromium_browser:
        yield chromium_browser


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A browser context of its own, closed at the end of the test."""
    with fresh_context(browser, BROWSER_TIMEOUT_MS) as fresh:
        yield fresh
