"""A spec-check report record, as the Compatibility page and the release history read them, for small tests."""

from __future__ import annotations

from typing import Any

# What the reference prints for a non-ASCII JSON message, and what today's Starlette prints.
ASCII = ('\'{"city":"Z\\\\u00fcrich"}\'\n', '\'{"city":"Zürich"}\'\n')


def record(line: int, status: str, expected: str | None = None, got: str | None = None) -> dict[str, Any]:
    """One example's record on a made-up page, `docs/x.md`, line `line`."""
    return {
        "file": "docs/x.md",
        "line": line,
        "kind": "doctest",
        "tags": ["starlette-0.29"],
        "source": "peer.sent[-1]['text']\n",
        "status": status,
        "reason": "" if status == "passed" else "output differs",
        "expected": expected,
        "got": got,
        "selected": True,
    }
