"""How the site looks: screenshots in light and dark, and code blocks readable on a phone (issue 7, item 5)."""

from __future__ import annotations

from typing import Any

from .visit import Visit


def test_code_blocks_fit_a_phone(http_visits: dict[str, Visit]) -> None:
    """At 390 px, every code block fits the screen or scrolls inside itself (rule in `layout.py`)."""
    problems = {page: one.probe["problems"] for page, one in http_visits.items() if one.probe["problems"]}
    measured = sum(one.probe["measured"] for one in http_visits.values())
    listing = "\n".join(f"  {page}: {problem}" for page, items in sorted(problems.items()) for problem in items)
    assert measured > 0, "no visible code block on any page: nothing was measured"
    assert not problems, f"code blocks a phone reader cannot read ({measured} measured):\n{listing}"


def _unused(_: Any) -> None:
    pass
