"""Every page passes axe-core's WCAG 2.2 A/AA rules, in the light and in the dark scheme, and on a phone.

axe-core (pinned, checked against the registry's integrity: `axe.py`) is
injected into each built page after it loads; the scheme is chosen the way a
reader's system chooses it, by emulating `prefers-color-scheme`, which the
palette in mkdocs.yml follows. Both schemes are checked on a desktop-sized
tab; the light one also on a phone-sized tab, where more tables overflow and
scroll (every page with a table or content tabs). A serious or critical violation (or any of the few best-practice
rules in `ALSO`) fails the test, naming the page, the rule and the element.
Every violation found, of any impact, is written to `artifacts/axe-<view>.json`
and counted in the summary.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ViewportSize

from . import axe
from .builtsite import built_page
from .layout import PHONE
from .report import SUMMARY, write_json
from .visit import Visitor, origin_of

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = frozenset({"serious", "critical"})
# axe files these under "best-practice", not a WCAG tag, yet each is a real
# barrier here: a search dialog with no name, landmarks a screen reader cannot
# tell apart, a table column with no header. They run too and fail at any impact.
ALSO = ("aria-dialog-name", "landmark-unique", "empty-table-header")
# Material's palette: prefers-color-scheme -> data-md-color-scheme on <body>.
SCHEMES = {"light": "default", "dark": "slate"}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
# Each view: (scheme, viewport).
VIEWS: dict[str, tuple[str, ViewportSize]] = {
    "light": ("light", DESKTOP),
    "dark": ("dark", DESKTOP),
    "light-phone": ("light", PHONE),
}
AXE_TIMEOUT_MS = 30_000  # for one page: load, inject, run
# The whole walk of one view: about 45 pages at 1 to 3 s each on 2 busy cores.
VIEW_TIMEOUT_S = 900

RUN_AXE_JS = """async ([tags, also]) => {
    const rules = Object.fromEntries(also.map((id) => [id, {enabled: true}]));
    const options = {runOnly: {type: "tag", values: tags}, rules, resultTypes: ["violations"]};
    const results = await axe.run(document, options);
    return results.violations.map((rule) => ({
        id: rule.id,
        impact: rule.impact,
        help: rule.help,
        nodes: rule.nodes.map((node) => ({
            target: node.target.map((part) => Array.isArray(part) ? part.join(" >>> ") : part).join(" "),
            impact: node.impact,
            summary: (node.failureSummary || "").split("\\n").slice(1, 2).join("").trim(),
        })),
    }));
}"""


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe.min.js, or a skip saying in one line why it cannot be had."""
    try:
        return axe.script()
    except axe.AxeUnavailable as why:
        pytest.skip(str(why))
    except axe.AxeTampered as why:
        pytest.fail(str(why), pytrace=False)


def audit(browser: Browser, base_url: str, pages: list[str], view: str, axe_script: str) -> dict[str, list[Any]]:
    """axe's violations on every page in `view` (a key of VIEWS), by page."""
    scheme, viewport = VIEWS[view]
    visitor = Visitor(
        browser,
        origin_of(base_url),
        skip_search=True,
        viewport=viewport,
        color_scheme=scheme,
    )
    visitor.page.set_default_timeout(AXE_TIMEOUT_MS)
    found: dict[str, list[Any]] = {}
    try:
        for page in pages:
            visitor.visit(page, base_url + page, wait_for_search=False, settle_ms=0)
            shown = visitor.page.evaluate("() => document.body.dataset.mdColorScheme")
            assert shown == SCHEMES[scheme], f"{page}: asked for {scheme}, the palette shows {shown!r}"
            visitor.page.add_script_tag(content=axe_script)
            found[page] = visitor.page.evaluate(RUN_AXE_JS, [TAGS, ALSO])
    finally:
        visitor.close()
    return found


def phone_relevant(base_url: str, page: str) -> bool:
    """Whether the built page has what a phone-sized tab lays out differently: a table or content tabs."""
    from urllib.request import urlopen

    with urlopen(base_url + page, timeout=10) as response:  # the test's own server on 127.0.0.1
        text = response.read().decode("utf-8", errors="replace")
    return "<table" in text or 'class="tabbed-set' in text


def failing(found: dict[str, list[Any]]) -> list[str]:
    """One line per failing element (serious, critical, or one of `ALSO`): page, rule, target."""
    return [
        f"{page}: {rule['id']} ({node['impact']}) at {node['target']}: {node['summary'] or rule['help']}"
        for page, rules in sorted(found.items())
        for rule in rules
        for node in rule["nodes"]
        if node["impact"] in FAILING_IMPACTS or rule["id"] in ALSO
    ]


@pytest.mark.timeout(VIEW_TIMEOUT_S)
@pytest.mark.parametrize("view", list(VIEWS))
def test_pages_pass_axe_wcag22_aa(
    browser: Browser, base_url: str, pages: list[str], view: str, axe_script: str, artifacts: Path
) -> None:
    """No element of any page has a serious or critical WCAG 2.2 A/AA violation in this view."""
    if view == "light-phone":
        # On a phone what changes is layout: wide tables and tab rows scroll. Every page with a table,
        # tabs or a generated part is audited there; the plain prose pages already passed both schemes.
        pages = [page for page in pages if phone_relevant(base_url, page)]
    found = audit(browser, base_url, pages, view, axe_script)
    write_json(artifacts / f"axe-{view}.json", found)
    by_rule = Counter(
        f"{rule['id']} ({node['impact']})" for rules in found.values() for rule in rules for node in rule["nodes"]
    )
    SUMMARY.setdefault("axe", {})[view] = dict(by_rule)
    lines = failing(found)
    shown = "\n".join(f"  {line}" for line in lines[:60])
    more = f"\n  ... and {len(lines) - 60} more (artifacts/axe-{view}.json)" if len(lines) > 60 else ""
    assert not lines, (
        f"{len(lines)} axe violations (serious, critical, or one of ALSO) in the {view} view:\n{shown}{more}"
    )


# axe leaves SVG text alone, so the state diagram's colours are measured here:
# each text against the page (4.5:1), each line and arrow head (3:1, a graphic
# the reader needs), after blending any transparency over the page colour.
DIAGRAM_CONTRAST_JS = """() => {
    const rgba = (css) => {
        const parts = css.match(/[\\d.]+/g).map(Number);
        return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
    };
    const over = ([r, g, b, a], [R, G, B]) => [r * a + R * (1 - a), g * a + G * (1 - a), b * a + B * (1 - a)];
    const lum = (rgb) => {
        const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
    const page = rgba(getComputedStyle(document.body).backgroundColor);
    const found = [];
    for (const svg of document.querySelectorAll("svg.state-diagram")) {
        const checks = [
            ...[...svg.querySelectorAll("text")].map((el) => [el, "fill", 4.5, el.textContent.slice(0, 30)]),
            ...[...svg.querySelectorAll(".edge path, .state rect, marker path")].map((el) => {
                const part = el.closest("g, marker");
                return [el, part.tagName === "marker" ? "fill" : "stroke", 3, part.getAttribute("class")];
            }),
        ];
        for (const [el, property, needed, what] of checks) {
            const colour = over(rgba(getComputedStyle(el)[property]), page);
            const got = ratio(colour, page);
            found.push({what: `${svg.getAttribute("aria-labelledby")} ${el.tagName} ${what}`, property, needed,
                        got: Math.round(got * 100) / 100});
        }
    }
    return found;
}"""


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_state_diagram_colours_meet_contrast(browser: Browser, base_url: str, site_dir: Path, scheme: str) -> None:
    """Every text of the state diagram is 4.5:1 against the page, every line and arrow 3:1, in this scheme."""
    page = built_page(site_dir, "concepts/state-machines")
    assert page, "docs/concepts/state-machines.md was not built"
    visitor = Visitor(browser, origin_of(base_url), skip_search=True, color_scheme=scheme)
    try:
        visitor.visit(page, base_url + page, wait_for_search=False, settle_ms=0)
        found: list[dict[str, Any]] = visitor.page.evaluate(DIAGRAM_CONTRAST_JS)
    finally:
        visitor.close()
    assert len(found) > 20, f"the state diagram has hardly any parts: {found}"
    low = [
        f"  {item['what']} ({item['property']}): {item['got']}:1 < {item['needed']}:1"
        for item in found
        if item["got"] < item["needed"]
    ]
    assert not low, f"state diagram parts below the contrast they need ({scheme}):\n" + "\n".join(low)
