"""A keyboard-only reader reaches every control, in order, and always sees where the focus is.

On one tutorial page and on the matrix page, Tab is pressed from the top until
the focus leaves the page (or a bound is hit). The walk must reach every
control a reader needs (links in the text, copy buttons, content tabs, the
search box, table regions, the header's and footer's controls), in document
order; each focused element must show a focus indicator (a computed outline
or box-shadow), and must not sit hidden under the sticky header. Anything a
page shows on hover only (a `title` tooltip, an `<abbr>`) must be on an
element the keyboard reaches, where a screen reader announces it.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
from playwright.sync_api import Browser

from .builtsite import built_page
from .visit import Visitor, origin_of

PAGES = ["tutorial/echo", "concepts/matrix"]
SETTLE_MS = 400
MAX_TABS = 600  # far more than either page has; the walk stops when focus leaves the page

# How the scripts below name an element in a report.
DESCRIBE_JS = """
const describe = (el) => {
    const text = (el.getAttribute("aria-label") || el.textContent || el.getAttribute("title") || el.value || "")
        .replace(/\\s+/g, " ").trim().slice(0, 50);
    const classes = typeof el.className === "string" ? el.className.trim().split(/\\s+/).filter(Boolean) : [];
    const id = el.id ? "#" + el.id : "";
    return `<${el.tagName.toLowerCase()}${id}${classes.map((name) => "." + name).join("")}> "${text}"`;
};
"""

# Every element a reader must be able to reach, by a name for reports. Only
# the ones rendered (a box, not visibility:hidden) and in the tab order
# (tabIndex >= 0) count; a visually hidden input counts by its label's box.
REQUIRED_JS = """() => {
    const groups = {
        "link in the text": "article a[href]",
        "copy button": ".md-code__button",
        "content tab": ".tabbed-set > input:checked",
        "search box": ".md-search__input",
        "table region": "article [role=region][tabindex='0']",
        "header control": ".md-header a[href], .md-header label[tabindex], .md-header button",
        "footer link": ".md-footer a[href]",
    };
    const boxed = (el) => el.getClientRects().length > 0;
    const shown = (el) => (boxed(el) || [...(el.labels || [])].some(boxed))
        && getComputedStyle(el).visibility !== "hidden" && !el.closest("[hidden], [inert]");
    let count = 0;
    for (const [kind, selector] of Object.entries(groups)) {
        for (const el of document.querySelectorAll(selector)) {
            if (el.tabIndex < 0 || el.disabled || !shown(el)) continue;
            el.dataset.a11yRequired = kind;
            count += 1;
        }
    }
    return count;
}"""

# What the focused element is and how it looks. A visually hidden input
# (Material's palette toggle, content tabs) shows its focus on the <label>
# after it, or on its own label. "Hidden" is: off screen, or under the header
# at its top edge.
FOCUSED_JS = (
    "() => {"
    + DESCRIBE_JS
    + """
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const order = Array.prototype.indexOf.call(document.getElementsByTagName("*"), el);
    const box = el.getBoundingClientRect();
    const next = el.nextElementSibling;
    let shownBy = el;
    if (box.width <= 2 || box.height <= 2) {
        shownBy = next && next.tagName === "LABEL" ? next : (el.labels && el.labels[0]) || el;
    }
    const style = getComputedStyle(shownBy);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow !== "none";
    const shown = shownBy.getBoundingClientRect();
    const x = Math.min(Math.max(shown.left + shown.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(shown.top + Math.min(shown.height / 2, 8), 0), innerHeight - 1);
    const hit = document.elementFromPoint(x, y);
    const header = document.querySelector(".md-header");
    const underHeader = !!hit && !!header && header.contains(hit) && !header.contains(shownBy);
    const where = `at y ${Math.round(shown.top)}..${Math.round(shown.bottom)} of ${innerHeight}, `
        + `on top: ${hit ? describe(hit) : "nothing"}`;
    return {order, describe: describe(el), where, required: el.dataset.a11yRequired || null,
            indicator: outline || shadow, underHeader, inView: shown.bottom > 0 && shown.top < innerHeight};
}"""
)

MISSED_JS = (
    "() => {"
    + DESCRIBE_JS
    + """
    return [...document.querySelectorAll("[data-a11y-required]:not([data-a11y-reached])")]
        .map((el) => `${el.dataset.a11yRequired}: ${describe(el)}`);
}"""
)

MARK_REACHED_JS = "() => { document.activeElement.dataset.a11yReached = '1'; }"

# Each element of the article whose information shows on hover only: a
# `title` attribute, an <abbr>. It must be in the tab order, where Chromium
# gives the title to screen readers as the element's name or description.
HOVER_ONLY_JS = (
    "() => {"
    + DESCRIBE_JS
    + """
    return [...document.querySelectorAll("article [title], article abbr")]
        .filter((el) => !(el.tabIndex >= 0 && !el.disabled))
        .map((el) => `${describe(el)} title="${(el.getAttribute("title") || "").slice(0, 60)}"`);
}"""
)


@pytest.fixture(scope="module")
def keyboard(browser: Browser, base_url: str) -> Iterator[Visitor]:
    """A desktop-sized tab that loads the search index, as a reader's does.

    Without the index Material's sidebar loses its height, and focusing its
    lower links scrolls the page instead of the sidebar: not what a reader sees.
    """
    visitor = Visitor(browser, origin_of(base_url), viewport={"width": 1280, "height": 800})
    visitor.page.set_default_timeout(15_000)
    try:
        yield visitor
    finally:
        visitor.close()


def walk(visitor: Visitor) -> list[dict[str, Any]]:
    """Press Tab from the top of the page until the focus leaves it; what each press focused."""
    page = visitor.page
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    steps: list[dict[str, Any]] = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is not None and (focused["underHeader"] or not focused["inView"]):
            # Material closes the search overlay and scrolls with 250 ms transitions: let them end.
            page.wait_for_timeout(SETTLE_MS)
            focused = page.evaluate(FOCUSED_JS)
        if focused is None or (steps and focused["order"] == steps[0]["order"]):
            break
        page.evaluate(MARK_REACHED_JS)
        steps.append(focused)
    return steps


@pytest.mark.parametrize("stem", PAGES)
def test_tab_reaches_every_control_in_order_with_a_visible_focus(
    keyboard: Visitor, site_dir: Any, base_url: str, stem: str
) -> None:
    """Tab alone reaches every control, in document order, each with a focus indicator, none under the header."""
    page = built_page(site_dir, stem)
    assert page, f"docs/{stem}.md was not built"
    keyboard.visit(page, base_url + page, wait_for_search=True, settle_ms=100)
    required = keyboard.page.evaluate(REQUIRED_JS)
    assert required, f"{page}: found no controls to reach"
    steps = walk(keyboard)
    assert len(steps) < MAX_TABS, f"{page}: the focus never left the page after {MAX_TABS} presses of Tab (a trap?)"
    problems: list[str] = []
    missed = keyboard.page.evaluate(MISSED_JS)
    problems += [f"never reached by Tab: {item}" for item in missed]
    for before, after in pairwise(steps):
        if after["order"] < before["order"]:
            problems.append(f"out of document order: {after['describe']} comes after {before['describe']}")
    for step in steps:
        if not step["indicator"]:
            problems.append(f"no visible focus indicator (outline or box-shadow): {step['describe']}")
        if step["underHeader"] or not step["inView"]:
            problems.append(f"focused but hidden (under the header or off screen): {step['describe']} {step['where']}")
    listing = "\n".join(f"  {problem}" for problem in problems)
    assert not problems, f"{page}: {len(steps)} Tab stops, {required} required controls; problems:\n{listing}"


@pytest.mark.parametrize("stem", PAGES)
def test_nothing_is_shown_on_hover_only(keyboard: Visitor, site_dir: Any, base_url: str, stem: str) -> None:
    """Every `title` tooltip or `<abbr>` of the article is on an element the keyboard reaches."""
    page = built_page(site_dir, stem)
    assert page, f"docs/{stem}.md was not built"
    keyboard.visit(page, base_url + page, wait_for_search=False, settle_ms=0)
    hover_only: list[str] = keyboard.page.evaluate(HOVER_ONLY_JS)
    listing = "\n".join(f"  {item}" for item in hover_only[:30])
    more = f"\n  ... and {len(hover_only) - 30} more" if len(hover_only) > 30 else ""
    assert not hover_only, (
        f"{page}: {len(hover_only)} element(s) show information on hover only (not focusable):\n{listing}{more}"
    )
