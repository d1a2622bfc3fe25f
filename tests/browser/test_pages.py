"""Every page loads offline and clean, over http and from file://, and none is too heavy.

Each page is loaded once, with the HTTP cache off (cold cache). Requests to
any host but the local one are blocked and recorded, so a page that needs the
internet fails here exactly as it would for a reader offline.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Error

from .report import SUMMARY, write_json
from .visit import Visit, Visitor, wait_search_ready

# "1.5 MB" read as decimal megabytes, the stricter reading.
MAX_PAGE_BYTES = 1_500_000


def _listing(found: dict[str, list[str]]) -> str:
    """One line per distinct problem, with the pages it occurs on (most pages share their assets)."""
    pages_by_item: dict[str, list[str]] = {}
    for page, items in sorted(found.items()):
        for item in dict.fromkeys(items):
            pages_by_item.setdefault(item, []).append(page)
    lines = []
    for item, pages in pages_by_item.items():
        where = ", ".join(pages) if len(pages) <= 3 else f"{len(pages)} pages: {', '.join(pages[:3])}, ..."
        lines.append(f"  {item}  [{where}]")
    return "\n".join(lines)


def _collect(visits: dict[str, Visit], attribute: str) -> dict[str, list[str]]:
    return {page: getattr(one, attribute) for page, one in visits.items() if getattr(one, attribute)}


@pytest.fixture(scope="module")
def file_visits(browser: Browser, site_dir: Path, pages: list[str]) -> dict[str, Visit]:
    """Every page loaded from file://, except 404.html.

    A web server sends 404.html for a missing URL; its links are absolute from
    the site root, which from file:// is the filesystem root, so it is not a
    page a reader can open from disk.
    """
    visitor = Visitor(browser, "file://")
    try:
        return {
            page: visitor.visit(page, (site_dir / page).as_uri(), wait_for_search=False)
            for page in pages
            if page != "404.html"
        }
    finally:
        visitor.close()


def test_pages_request_nothing_from_other_hosts(http_visits: dict[str, Visit]) -> None:
    """No page asks any host but the local server for anything (fonts, CDN scripts, ...)."""
    foreign = _collect(http_visits, "foreign")
    assert not foreign, f"pages requested other hosts (blocked):\n{_listing(foreign)}"


def test_pages_log_no_console_errors(http_visits: dict[str, Visit]) -> None:
    """No page logs a console error or throws an uncaught exception."""
    errors = _collect(http_visits, "console_errors")
    assert not errors, f"console errors:\n{_listing(errors)}"


def test_pages_have_no_failed_local_requests(http_visits: dict[str, Visit]) -> None:
    """Every local request a page makes succeeds (no 4xx/5xx, no network failure)."""
    failed = _collect(http_visits, "failed")
    assert not failed, f"failed local requests:\n{_listing(failed)}"


def test_search_index_loads_on_every_page(http_visits: dict[str, Visit]) -> None:
    """On every page Material's search gets its index and reports itself ready."""
    not_ready = [page for page, one in http_visits.items() if not one.search_ready]
    assert not not_ready, f"search never became ready on {len(not_ready)} page(s): {not_ready}"


def test_pages_from_file_urls_stay_local_and_clean(file_visits: dict[str, Visit], site_dir: Path) -> None:
    """Opened from disk (file://), no page reaches the network, logs an error or misses a file."""
    problems: dict[str, list[str]] = {}
    for page, one in file_visits.items():
        items = [f"foreign request: {url}" for url in one.foreign]
        items += [f"console error: {text}" for text in one.console_errors]
        items += [f"failed: {what}" for what in one.failed]
        if items:
            # The build's temp path makes every line unique; drop it.
            problems[page] = [item.replace(site_dir.as_uri(), "<site>") for item in items]
    assert file_visits, "no page to open from file://"
    assert not problems, f"problems from file://:\n{_listing(problems)}"


def test_search_works_from_file_url(browser: Browser, site_dir: Path) -> None:
    """Opened from disk, search starts when the reader opens it, and finds a method."""
    visitor = Visitor(browser, "file://")
    try:
        home = visitor.visit("index.html", (site_dir / "index.html").as_uri(), wait_for_search=False)
        # From file://, Material starts its search worker only once the reader opens search.
        visitor.page.keyboard.press("/")
        ready = wait_search_ready(visitor.page, 5000)
        box = visitor.page.locator(".md-search__input")
        box.fill("receive_text")
        box.press("End")  # Material searches on keyup, which fill() does not send
        try:
            visitor.page.wait_for_selector(".md-search-result__link[href*='receive_text']", timeout=5000)
            hrefs = visitor.page.eval_on_selector_all(".md-search-result__link", "els => els.map(e => e.href)")
        except Error:
            hrefs = []
    finally:
        visitor.close()
    assert ready, f"from file:// the search index never loaded; requests: {home.requests}"
    assert any("reference/websocket" in href and href.endswith("receive_text") for href in hrefs), hrefs


def test_heaviest_page_is_under_the_limit(http_visits: dict[str, Visit], artifacts: Path) -> None:
    """Report each page's transferred bytes (cold cache, shared assets included); the heaviest is < 1.5 MB."""
    weights = {page: one.total_bytes for page, one in http_visits.items()}
    details = {
        page: {"bytes": one.total_bytes, "responses": {urlsplit(url).path: n for url, n in one.body_bytes.items()}}
        for page, one in http_visits.items()
    }
    write_json(artifacts / "weights.json", {"limit_bytes": MAX_PAGE_BYTES, "pages": details})
    SUMMARY["weights"] = weights
    assert all(size > 0 for size in weights.values()), f"pages with nothing transferred: {weights}"
    heaviest = max(weights, key=weights.__getitem__)
    assert weights[heaviest] < MAX_PAGE_BYTES, (
        f"{heaviest} transfers {weights[heaviest]:,} bytes (limit {MAX_PAGE_BYTES:,}); "
        f"largest responses: {sorted(http_visits[heaviest].body_bytes.items(), key=lambda kv: -kv[1])[:5]}"
    )
