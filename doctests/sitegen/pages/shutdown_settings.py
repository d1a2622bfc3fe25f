"""uvicorn's `--timeout-graceful-shutdown`, as the installed uvicorn defines it."""

from __future__ import annotations

from doctests.sitegen.pages.ping_settings import option_table


def render() -> str:
    return option_table(("timeout_graceful_shutdown",))
