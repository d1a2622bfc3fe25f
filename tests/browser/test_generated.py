"""The generated pages are there and filled: the state diagram as inline SVG, and the tables.

What the pages must contain is taken from the code (the state names, the
method names), never typed here.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

from reference_impl import WebSocket, WebSocketState

from .builtsite import PLACEHOLDER, built_page
from .visit import Visitor

# Every visible inline <svg> of the article that is big enough to be a figure
# rather than an icon, with its size and text.
FIGURES_JS = """() => [...document.querySelectorAll("article svg")]
    .filter((svg) => !svg.parentElement.closest("svg"))
    .map((svg) => {
        const box = svg.getBoundingClientRect();
        return {width: box.width, height: box.height, text: svg.textContent,
                visible: box.width > 0 && box.height > 0 && getComputedStyle(svg).visibility === "visible"};
    })
    .filter((figure) => figure.width >= 200 && figure.height >= 100)"""

# Each table of the article: its number of body rows with data cells.
TABLES_JS = """() => [...document.querySelectorAll("article table")]
    .map((table) => [...table.querySelectorAll("tr")].filter((row) => row.querySelector("td")).length)"""

GENERATED_TABLE_PAGES = ["concepts/matrix", "concepts/compatibility", "concepts/servers"]


def load(desktop: Visitor, site_dir: Path, base_url: str, stem: str) -> str:
    """Open the page built from `docs/<stem>.md`; return its article text."""
    page = built_page(site_dir, stem)
    assert page, f"docs/{stem}.md was not built"
    desktop.visit(page, base_url + page, wait_for_search=False, settle_ms=0)
    text = desktop.page.inner_text("article")
    assert PLACEHOLDER not in text, f"{page} is still a placeholder"
    return text


def test_state_diagram_is_visible_inline_svg(desktop: Visitor, site_dir: Path, base_url: str) -> None:
    """The state-machine page shows, inline, an SVG figure naming every WebSocketState."""
    load(desktop, site_dir, base_url, "concepts/state-machines")
    figures: list[dict[str, Any]] = desktop.page.evaluate(FIGURES_JS)
    shown = [figure for figure in figures if figure["visible"]]
    assert shown, f"no visible inline SVG figure (>= 200x100 px) on the state-machine page; found {figures}"
    states = [state.name for state in WebSocketState]
    named = [figure for figure in shown if all(state.lower() in figure["text"].lower() for state in states)]
    assert named, f"no SVG figure names all of {states}; figure texts: {[f['text'][:200] for f in shown]}"


@pytest.mark.parametrize("stem", GENERATED_TABLE_PAGES)
def test_generated_page_has_a_filled_table(desktop: Visitor, site_dir: Path, base_url: str, stem: str) -> None:
    """The page exists, is not a placeholder, and has a table with data rows."""
    load(desktop, site_dir, base_url, stem)
    rows = desktop.page.evaluate(TABLES_JS)
    assert any(rows), f"{stem}: no table with data rows (rows per table: {rows})"


def test_matrix_covers_every_public_method(desktop: Visitor, site_dir: Path, base_url: str) -> None:
    """The method x state matrix names each public method WebSocket defines."""
    text = load(desktop, site_dir, base_url, "concepts/matrix")
    methods = [name for name, member in vars(WebSocket).items() if inspect.isfunction(member) and name[0] != "_"]
    missing = [name for name in methods if name not in text]
    assert methods, "WebSocket defines no public method: the lookup is broken"
    assert not missing, f"the matrix does not mention {missing}"
