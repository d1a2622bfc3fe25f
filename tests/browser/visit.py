"""Load pages one after another in one browser tab and record everything each one fetched.

The tab's context routes every request, and Playwright disables the HTTP
cache while routing is on, so each visit downloads everything it needs: the
bytes a visit counts are what a first-time reader transfers for that page,
shared assets included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Request, Response, Route

# Schemes that never reach the network.
NON_NETWORK = frozenset({"data", "blob", "about", "chrome-error"})

# Material shows this translation under the search box once the index is loaded
# and the worker is ready; until then it shows "search.result.initializer".
SEARCH_READY_JS = """() => {
    const config = document.getElementById("__config");
    const meta = document.querySelector(".md-search-result__meta");
    if (!config || !meta) return false;
    const ready = JSON.parse(config.textContent).translations["search.result.placeholder"];
    return meta.textContent.trim() === ready;
}"""


@dataclass
class Visit:
    """What loading one page did."""

    page: str
    url: str
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    body_bytes: dict[str, int] = field(default_factory=dict)
    search_ready: bool | None = None  # None: not checked
    probe: Any = None  # what the optional probe script returned

    @property
    def total_bytes(self) -> int:
        """Bytes of every response body the page needed."""
        return sum(self.body_bytes.values())


def origin_of(url: str) -> str:
    """`scheme://host:port` of an http URL, or "file://" for a file URL."""
    parts = urlsplit(url)
    return "file://" if parts.scheme == "file" else f"{parts.scheme}://{parts.netloc}"


def is_local(url: str, origin: str) -> bool:
    """Whether `url` stays on this machine: the test server's origin, a file, or no network at all."""
    parts = urlsplit(url)
    if parts.scheme in NON_NETWORK:
        return True
    if parts.scheme == "file":
        return origin == "file://"
    return f"{parts.scheme}://{parts.netloc}" == origin


class Visitor:
    """One tab that visits pages of one origin, blocking and recording requests to any other host."""

    def __init__(self, browser: Browser, origin: str, *, skip_search: bool = False, **context_options: Any) -> None:
        """Open the tab.

        Args:
            browser: The shared browser.
            origin: `scheme://host:port` of the local server, or "file://".
            skip_search: Do not load the search index. Building it costs the
                worker CPU on every page, which tests that never search
                need not pay.
            **context_options: For `Browser.new_context` (viewport, permissions ...).
        """
        self.origin = origin
        self.skip_search = skip_search
        self.current = Visit(page="", url="")
        self._responses: list[Response] = []
        self.context = browser.new_context(**context_options)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", self._on_request)
        self.page.on("requestfailed", self._on_failed)
        self.page.on("response", self._on_response)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.current.console_errors.append(f"uncaught: {error}"))

    def visit(
        self,
        page_name: str,
        url: str,
        *,
        wait_for_search: bool,
        probe: str | None = None,
        settle_ms: int = 50,
        search_timeout_ms: int = 5000,
    ) -> Visit:
        """Load `url` and return what happened.

        Args:
            page_name: The page's path in the build, for reports.
            url: Where to load it from (http://127.0.0.1:PORT/... or file://...).
            wait_for_search: Wait until Material reports its search index
                loaded, and record whether it did.
            probe: JavaScript function to evaluate once loaded; its result is kept.
            settle_ms: After load (and search), how long to let late requests start.
            search_timeout_ms: How long the search index may take.
        """
        self.current = Visit(page=page_name, url=url)
        self._responses = []
        self.page.goto(url, wait_until="load")
        if wait_for_search:
            self.current.search_ready = wait_search_ready(self.page, search_timeout_ms)
        self.page.wait_for_timeout(settle_ms)
        if probe:
            self.current.probe = self.page.evaluate(probe)
        for response in self._responses:
            self.current.body_bytes[response.url] = _body_size(response)
        return self.current

    def close(self) -> None:
        """Close the tab and its context."""
        self.context.close()

    def _route(self, route: Route) -> None:
        if self.skip_search and "/search/search_index." in route.request.url:
            route.abort("blockedbyclient")
        elif is_local(route.request.url, self.origin):
            route.continue_()
        else:
            # Block it, so a page that needs the internet fails here as it would offline.
            self.current.foreign.append(route.request.url)
            route.abort("blockedbyclient")

    def _on_request(self, request: Request) -> None:
        self.current.requests.append(request.url)
        # A request that bypassed routing (e.g. from a worker) still counts.
        if not is_local(request.url, self.origin) and request.url not in self.current.foreign:
            self.current.foreign.append(request.url)

    def _on_failed(self, request: Request) -> None:
        if is_local(request.url, self.origin):
            self.current.failed.append(f"{request.url} ({request.failure})")

    def _on_response(self, response: Response) -> None:
        self._responses.append(response)
        if response.status >= 400 and is_local(response.url, self.origin):
            self.current.failed.append(f"{response.url} (HTTP {response.status})")

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.current.console_errors.append(message.text)


def wait_search_ready(page: Page, timeout_ms: int) -> bool:
    """Wait until Material's search index is loaded; False if it did not happen in time."""
    try:
        page.wait_for_function(SEARCH_READY_JS, timeout=timeout_ms)
    except Error:
        return False
    return True


def _body_size(response: Response) -> int:
    """Bytes of a response body: its Content-Length, else the body itself (0 when there is none).

    The local server sends every file uncompressed with a Content-Length, so
    that header is the transferred body size, read without another round trip.
    """
    length = response.headers.get("content-length")
    if length is not None:
        return int(length)
    try:
        return len(response.body())
    except Error:
        return 0
