"""How the site looks: screenshots in light and dark, and code blocks readable on a phone.

Screenshots go to `artifacts/screenshots/` (gitignored) for people to look
at. To show they are real pictures, each PNG is decoded by the browser and
must hold many colours, and the dark one must be mostly dark.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from .builtsite import built_page
from .visit import Visit

SCREEN = {"width": 1280, "height": 800}
SHOT_HEIGHT = 2400  # long pages are cut here: the top is what a reader sees first
SCREENSHOT_PAGES = {"home": "index", "websocket": "reference/websocket", "state-machines": "concepts/state-machines"}

# Decode a PNG in the browser: its size, how many distinct colours it holds
# (sampled), the most common one, and the share of pixels that differ from it.
PNG_STATS_JS = """async (data) => {
    const image = new Image();
    image.src = "data:image/png;base64," + data;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.width; canvas.height = image.height;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, image.width, image.height).data;
    const counts = new Map();
    let total = 0;
    for (let i = 0; i < pixels.length; i += 4 * 7) {
        const key = (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2];
        counts.set(key, (counts.get(key) || 0) + 1);
        total += 1;
    }
    let dominant = 0, most = 0;
    for (const [key, count] of counts) if (count > most) { dominant = key; most = count; }
    return {width: image.width, height: image.height, colours: counts.size, other: 1 - most / total,
            dominant: [dominant >> 16, (dominant >> 8) & 255, dominant & 255]};
}"""


def luminance(rgb: list[int]) -> float:
    """Relative brightness of an sRGB colour, 0 (black) to 1 (white), close enough to tell light from dark."""
    red, green, blue = (channel / 255 for channel in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


@pytest.fixture(scope="module")
def scheme_pages(browser: Browser) -> Iterator[dict[str, Page]]:
    """A desktop tab per colour scheme, the scheme set as the reader's system preference."""
    contexts = {scheme: browser.new_context(viewport=SCREEN, color_scheme=scheme) for scheme in ("light", "dark")}
    try:
        yield {scheme: context.new_page() for scheme, context in contexts.items()}
    finally:
        for context in contexts.values():
            context.close()


@pytest.mark.parametrize("name", SCREENSHOT_PAGES)
def test_screenshots_light_and_dark(
    scheme_pages: dict[str, Page], site_dir: Path, base_url: str, artifacts: Path, name: str
) -> None:
    """Save light and dark screenshots of the page; both are real pictures, and dark is dark."""
    page = built_page(site_dir, SCREENSHOT_PAGES[name])
    assert page, f"docs/{SCREENSHOT_PAGES[name]}.md was not built"
    folder = artifacts / "screenshots"
    folder.mkdir(exist_ok=True)
    stats: dict[str, dict[str, Any]] = {}
    for scheme, tab in scheme_pages.items():
        tab.goto(base_url + page, wait_until="load")
        height = min(SHOT_HEIGHT, int(tab.evaluate("document.documentElement.scrollHeight")))
        clip = {"x": 0, "y": 0, "width": SCREEN["width"], "height": height}
        png = tab.screenshot(path=folder / f"{name}-{scheme}.png", full_page=True, clip=clip)
        assert png.startswith(b"\x89PNG\r\n\x1a\n"), f"{name}-{scheme}.png is not a PNG"
        stats[scheme] = tab.evaluate(PNG_STATS_JS, base64.b64encode(png).decode("ascii"))
    for scheme, found in stats.items():
        assert found["width"] == SCREEN["width"], (scheme, found)
        assert found["height"] >= SCREEN["height"] // 2, (scheme, found)
        assert found["colours"] >= 16, f"{name}-{scheme}.png has almost no colours: {found}"
        assert found["other"] >= 0.02, f"{name}-{scheme}.png is nearly all one colour: {found}"
    light, dark = luminance(stats["light"]["dominant"]), luminance(stats["dark"]["dominant"])
    assert light > 0.5 > dark, (
        f"{name}: the dark screenshot is not dark (background luminance light {light:.2f}, dark {dark:.2f}); "
        "does theme.palette follow prefers-color-scheme?"
    )


def test_code_blocks_fit_a_phone(http_visits: dict[str, Visit]) -> None:
    """At 390 px, every code block fits the screen or scrolls inside itself (rule in `layout.py`)."""
    problems = {page: one.probe["problems"] for page, one in http_visits.items() if one.probe["problems"]}
    measured = sum(one.probe["measured"] for one in http_visits.values())
    listing = "\n".join(f"  {page}: {problem}" for page, items in sorted(problems.items()) for problem in items)
    assert measured > 0, "no visible code block on any page: nothing was measured"
    assert not problems, f"code blocks a phone reader cannot read ({measured} measured):\n{listing}"
