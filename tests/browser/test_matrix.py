"""The method × state matrix reads at 1280 px without sideways scrolling, and does not widen a phone's page.

A screenshot of the matrix (light scheme) goes to `artifacts/screenshots/matrix-light.png` for people to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from .builtsite import built_page
from .layout import PHONE

SCREEN = {"width": 1280, "height": 800}

# Where each part of the matrix is, and how wide the page and each table's region are.
MEASURE_JS = """() => {
    const box = (element) => element.getBoundingClientRect();
    const regions = [...document.querySelectorAll("article .matrix-scroll")];
    const errors = document.querySelector("article .matrix-errors");
    return {
        viewport: document.documentElement.clientWidth,
        pageWidth: document.documentElement.scrollWidth,
        bodyWidth: document.body.scrollWidth,
        regions: regions.map((region) => ({
            role: region.getAttribute("role"), tabindex: region.getAttribute("tabindex"),
            label: (document.getElementById(region.getAttribute("aria-labelledby")) || {}).textContent || "",
            scrollWidth: region.scrollWidth, clientWidth: region.clientWidth,
        })),
        headers: regions.flatMap((region) => [...region.querySelectorAll("thead th")]
            .map((th) => ({text: th.innerText.replace(/\\s+/g, " "), left: box(th).left, right: box(th).right}))),
        top: regions.length ? box(regions[0]).top + scrollY : 0,
        bottom: errors ? box(errors).bottom + scrollY : 0,
    };
}"""


@pytest.fixture(scope="module")
def tab(browser: Browser) -> Iterator[Page]:
    """A light-scheme tab; each test sets its viewport."""
    context = browser.new_context(viewport=SCREEN, color_scheme="light")
    try:
        yield context.new_page()
    finally:
        context.close()


def open_matrix(tab: Page, site_dir: Path, base_url: str, width: int) -> dict[str, Any]:
    page = built_page(site_dir, "concepts/matrix")
    assert page, "docs/concepts/matrix.md was not built"
    tab.set_viewport_size({"width": width, "height": SCREEN["height"]})
    tab.goto(base_url + page, wait_until="load")
    found: dict[str, Any] = tab.evaluate(MEASURE_JS)
    assert len(found["regions"]) == 2, f"expected two matrix tables, found {len(found['regions'])}"
    return found


def test_matrix_fits_1280(tab: Page, site_dir: Path, base_url: str, artifacts: Path) -> None:
    """At 1280 px every state column header is on screen, and neither the page nor a table scrolls sideways."""
    found = open_matrix(tab, site_dir, base_url, SCREEN["width"])
    folder = artifacts / "screenshots"
    folder.mkdir(exist_ok=True)
    clip = {"x": 0, "y": found["top"] - 16, "width": SCREEN["width"], "height": found["bottom"] - found["top"] + 32}
    png = tab.screenshot(path=folder / "matrix-light.png", full_page=True, clip=clip)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    outside = [header for header in found["headers"] if header["left"] < 0 or header["right"] > SCREEN["width"]]
    assert not outside, f"state column headers outside the 1280 px viewport: {outside}"
    assert found["pageWidth"] <= found["viewport"], f"the page is {found['pageWidth']} px wide at 1280 px"
    scrolling = [region for region in found["regions"] if region["scrollWidth"] > region["clientWidth"] + 1]
    assert not scrolling, f"a matrix table scrolls sideways at 1280 px: {scrolling}"
    assert all(header["text"].strip() for header in found["headers"]), "an empty header cell"


def test_matrix_on_a_phone(tab: Page, site_dir: Path, base_url: str) -> None:
    """At 390 px the page does not scroll sideways: each table scrolls in a focusable, labelled region."""
    found = open_matrix(tab, site_dir, base_url, PHONE["width"])
    assert found["bodyWidth"] <= found["viewport"], f"the body is {found['bodyWidth']} px wide at 390 px"
    assert found["pageWidth"] <= found["viewport"], f"the page is {found['pageWidth']} px wide at 390 px"
    for region in found["regions"]:
        assert region["role"] == "region", region
        assert region["tabindex"] == "0", region
        assert region["label"].strip(), region
    tab.focus("article .matrix-scroll")
    assert tab.evaluate("document.activeElement.classList.contains('matrix-scroll')")
