"""Run a coroutine that must finish without suspending, with no event loop."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any


class Suspended(AssertionError):
    """The coroutine suspended: with a real server it would wait for a message forever."""


def drive(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Return the coroutine's value, or raise `Suspended` (after closing it) if it awaited something pending."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise Suspended("the call suspended; with a real server it would wait forever")
