"""The figures a test checks: the ones this build measured, or a fresh measurement when there are none.

`make` runs each measuring program before the tests that check its figures
(`servers` after `build/servers.json`, `deploy` after the keepalive,
shutdown and server-message figures), so the tests assert the very data the
pages are built from without measuring it twice. Run on its own, without
that file, a test measures afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from doctests.builddata import Output


def measured(output: Output[dict[str, Any]], fresh: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`output`'s data if this build made it, else what `fresh()` measures now."""
    return output.read() if output.exists() else fresh()
