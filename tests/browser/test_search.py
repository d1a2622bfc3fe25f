"""Typing each public method of `WebSocket` into the search box finds its reference entry."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest
from markdown.extensions.toc import slugify
from playwright.sync_api import Browser, Error, Page

from reference_impl.websockets import WebSocket

from .builtsite import built_page, url_paths
from .visit import Visitor, origin_of

# The reference page of each class whose methods WebSocket has; an inherited
# method's entry may sit on its own class's page or on WebSocket's.
REFERENCE_PAGES = {"WebSocket": "reference/websocket", "HTTPConnection": "reference/http-connection"}


def public_methods() -> list[tuple[str, str]]:
    """(name, defining class) of WebSocket's public methods that reference_impl defines.

    Properties are not methods, and the `Mapping` mixins (`get`, `keys` ...)
    belong to `collections.abc`, not to this API.
    """
    found = []
    for name, _ in inspect.getmembers(WebSocket):
        if name.startswith("_"):
            continue
        owner = next(cls for cls in WebSocket.__mro__ if name in vars(cls))
        if owner.__module__.startswith("reference_impl") and inspect.isfunction(vars(owner)[name]):
            found.append((name, owner.__name__))
    return found


METHODS = public_methods()

# True once a result links into one of `paths` and names the method as a whole
# word (so "receive" is not found by "receive_text") in its #anchor or title.
FOUND_JS = r"""([name, paths]) => {
    const word = new RegExp("(^|\\W)" + name + "(\\W|$)");
    return [...document.querySelectorAll(".md-search-result a[href]")].some((link) => {
        const url = new URL(link.href);
        if (!paths.includes(url.pathname)) return false;
        const title = link.querySelector("h1, h2");
        return word.test(decodeURIComponent(url.hash)) || (title !== null && word.test(title.textContent));
    });
}"""
RESULTS_JS = """() => [...document.querySelectorAll(".md-search-result a[href]")].map((link) => link.href)"""


def test_the_api_has_methods_to_search_for() -> None:
    """The method list comes from the code; a WebSocket without accept/send/close would mean a broken lookup."""
    names = {name for name, _ in METHODS}
    assert {"accept", "receive_text", "send_text", "close"} <= names, names


@pytest.fixture(scope="module")
def search_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A desktop tab on the home page with its search index loaded."""
    visitor = Visitor(browser, origin_of(base_url), viewport={"width": 1280, "height": 800})
    try:
        home = visitor.visit("index.html", base_url, wait_for_search=True)
        if not home.search_ready:
            pytest.fail("search never became ready on the home page")
        yield visitor.page
    finally:
        visitor.close()


@pytest.mark.parametrize(("name", "owner"), METHODS, ids=[name for name, _ in METHODS])
def test_search_finds_method(search_page: Page, site_dir: Path, base_url: str, name: str, owner: str) -> None:
    """A reader who types a method's name gets a result for it on its reference page."""
    stems = {REFERENCE_PAGES["WebSocket"], REFERENCE_PAGES.get(owner, REFERENCE_PAGES["WebSocket"])}
    targets = sorted({path for stem in stems if (page := built_page(site_dir, stem)) for path in url_paths(page)})
    assert targets, f"no built reference page for {name}: looked for {sorted(stems)}"
    box = search_page.locator(".md-search__input")
    box.fill(name)
    # Material searches on keyup (a reader's last keystroke), which fill() does not send.
    box.press("End")
    try:
        search_page.wait_for_function(FOUND_JS, arg=[name, targets], timeout=5000)
    except Error:
        shown = [href.removeprefix(base_url.rstrip("/")) for href in search_page.evaluate(RESULTS_JS)]
        pytest.fail(f"searching {name!r} shows no entry for it on {targets}; results: {shown[:15]}")


# Pasting an error text a reader sees into the search box lands on its entry on
# the troubleshooting page. The texts come from the code that raises them.
def pasted_errors() -> list[str]:
    from reference_impl.transitions import TABLE
    from reference_impl.websockets import NOT_CONNECTED

    errors = [row.error for row in TABLE if row.error and row.error.startswith("Cannot call")]
    return [NOT_CONNECTED, *errors]


TROUBLESHOOTING_JS = r"""([paths, anchor]) => [...document.querySelectorAll(".md-search-result a[href]")].some(
    (link) => paths.includes(new URL(link.href).pathname) && new URL(link.href).hash === "#" + anchor)"""


@pytest.mark.parametrize("text", pasted_errors())
def test_pasting_an_error_text_finds_its_troubleshooting_entry(
    search_page: Page, site_dir: Path, base_url: str, text: str
) -> None:
    page = built_page(site_dir, "how-to/troubleshooting")
    assert page is not None, "no built troubleshooting page"
    paths = sorted(url_paths(page))
    box = search_page.locator(".md-search__input")
    box.fill(text)
    box.press("End")
    try:
        # The entry's heading is the text itself, so its anchor is the text's slug (the toc extension's).
        search_page.wait_for_function(TROUBLESHOOTING_JS, arg=[paths, slugify(text, "-")], timeout=5000)
    except Error:
        shown = [href.removeprefix(base_url.rstrip("/")) for href in search_page.evaluate(RESULTS_JS)]
        pytest.fail(f"pasting {text!r} shows no entry on {paths}; results: {shown}")
