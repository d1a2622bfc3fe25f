"""Measure the Run buttons in headless Chromium: cold start, warm runs, bytes fetched, and every block's verdict.

    python -m doctests.measure.run_in_browser [SITE]   # -> `builddata.RUN_IN_BROWSER`

The browser test (`tests/browser/test_run_in_browser.py`) drives the same
functions on its own server and browser; a benchmark can call `measure(site)`,
which serves `SITE` (default `site/`) itself. Everything is measured over
http on 127.0.0.1 with every request to another host aborted. All pages run
in one tab: Material's instant navigation keeps the interpreter, as it does
for a reader (the served `sitemap.xml` is rewritten to the test server's
address, which instant navigation needs to match the address in the page).
"""

from __future__ import annotations

import http.server
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from doctests import ROOT, builddata
from doctests.builddata import RUN_IN_BROWSER

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, Route

PYODIDE_PATH = "/assets/pyodide/"
FINISHED = ("matches", "differs", "ran", "raised", "timeout", "error", "file")
PASSED = ("matches", "ran")
DONE_JS = (
    "index => { const bar = document.querySelectorAll('.pyrun-bar')[index];"
    f" return bar && {list(FINISHED)}.includes(bar.dataset.pyrunStatus); }}"
)
STATUSES_JS = """() => [...document.querySelectorAll('div.highlight[data-pyrun="run"]')].map(block => {
    let bar = block.nextElementSibling;
    while (bar && !bar.classList.contains('pyrun-bar')) bar = bar.nextElementSibling;
    return {line: block.dataset.pyrunLine, status: bar.dataset.pyrunStatus || '',
            text: bar.querySelector('.pyrun-status').textContent,
            output: bar.nextElementSibling.textContent};
})"""


@dataclass
class Traffic:
    """What one tab fetched: every request, requests to other hosts (aborted), console errors, bytes."""

    origin: str
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    bytes_by_url: dict[str, int] = field(default_factory=dict)

    def pyodide_requests(self, since: int = 0) -> list[str]:
        """Requests for the runtime, wheel or driver, from the `since`-th request on."""
        return [url for url in self.requests[since:] if PYODIDE_PATH in urlsplit(url).path]

    def bytes_since(self, urls: list[str]) -> int:
        return sum(self.bytes_by_url.get(url, 0) for url in urls)


@dataclass
class BlockResult:
    page: str
    line: str
    status: str
    text: str
    output: str


@dataclass
class Survey:
    """Every runnable block of every page, run in one tab."""

    cold_s: float = 0.0  # click -> output of the home page's block, Python not loaded yet
    load_s: float = 0.0  # of which starting Python (run.js's own figure)
    cold_bytes: int = 0  # bytes fetched by that first click
    cold_requests: int = 0
    warm_s: list[float] = field(default_factory=list)  # click -> output of one block, Python loaded
    interpreter_loads: int = 0  # 1 when instant navigation kept Python across every page
    pages: int = 0
    blocks: list[BlockResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[BlockResult]:
        return [block for block in self.blocks if block.status not in PASSED]

    def figures(self) -> dict[str, Any]:
        """The JSON-ready summary `RUN_IN_BROWSER` holds."""
        return {
            "cold_s": round(self.cold_s, 3),
            "load_s": round(self.load_s, 3),
            "cold_bytes": self.cold_bytes,
            "cold_requests": self.cold_requests,
            "warm_median_s": round(statistics.median(self.warm_s), 3) if self.warm_s else None,
            "warm_max_s": round(max(self.warm_s), 3) if self.warm_s else None,
            "interpreter_loads": self.interpreter_loads,
            "pages": self.pages,
            "blocks": len(self.blocks),
            "passed": len(self.blocks) - len(self.failed),
            "failed": [asdict(block) for block in self.failed],
            "survey_s": round(self.seconds, 1),
        }


def runnable_pages(site: Path) -> list[str]:
    """Pages (paths from the site root) with at least one runnable block, home page first."""
    pages = sorted(
        path.relative_to(site).as_posix()
        for path in site.rglob("*.html")
        if not path.relative_to(site).as_posix().startswith("assets/")
        and 'data-pyrun="run"' in path.read_text(encoding="utf-8")
    )
    return sorted(pages, key=lambda page: page != "index.html")


def site_url(site: Path) -> str:
    """The `site_url` the site was built with (the first `<loc>` of its sitemap, minus the page)."""
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    first = sitemap.split("<loc>", 1)[1].split("</loc>", 1)[0]
    return first[: first.rindex("/") + 1] if first.endswith(".html") else first


def open_tab(browser: Browser, base_url: str, site: Path) -> tuple[BrowserContext, Page, Traffic]:
    """A tab that aborts requests to other hosts, records traffic, and serves a sitemap naming `base_url`."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
    traffic = Traffic(origin)
    built_for = site_url(site)
    context = browser.new_context()

    def route(route: Route) -> None:
        url = route.request.url
        if not url.startswith(origin + "/"):
            traffic.foreign.append(url)
            route.abort("blockedbyclient")
        elif url.endswith("/sitemap.xml") and built_for != base_url:
            response = route.fetch()
            route.fulfill(response=response, body=response.text().replace(built_for, base_url))
        else:
            route.continue_()

    def finished(request: Request) -> None:
        sizes = request.sizes()
        traffic.bytes_by_url[request.url] = sizes["responseBodySize"] + sizes["responseHeadersSize"]

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda request: traffic.requests.append(request.url))
    page.on("requestfinished", finished)

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            traffic.console_errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: traffic.console_errors.append(f"uncaught: {error}"))
    return context, page, traffic


def run_block(page: Page, index: int, timeout_s: float = 120) -> float:
    """Click the `index`-th Run button of the page and wait for its verdict; return the seconds it took."""
    started = time.monotonic()
    # dispatch_event, not click: a block in a tab the reader has not opened is hidden, yet runs the same.
    page.locator(".pyrun-run").nth(index).dispatch_event("click")
    page.wait_for_function(DONE_JS, arg=index, timeout=timeout_s * 1000)
    return time.monotonic() - started


def statuses(page: Page, name: str) -> list[BlockResult]:
    """Every runnable block's verdict on the page shown."""
    return [BlockResult(page=name, **row) for row in page.evaluate(STATUSES_JS)]


def navigate(page: Page, base_url: str, name: str) -> None:
    """Go to page `name` the way a reader's click does (instant navigation when it applies)."""
    page.evaluate(
        """url => { const a = document.createElement('a'); a.href = url; document.body.append(a); a.click(); }""",
        base_url + name,
    )
    path = urlsplit(base_url + name).path
    page.wait_for_function("path => document.body.dataset.pyrunPage === path", arg=path, timeout=30_000)


def survey(page: Page, traffic: Traffic, base_url: str, pages: list[str], on_page: Callable[[str], None]) -> Survey:
    """Run every runnable block of `pages` (home page first) in one tab; `on_page` is called on each page shown."""
    result = Survey(pages=len(pages))
    started = time.monotonic()
    page.goto(base_url + pages[0], wait_until="load")
    on_page(pages[0])
    before = len(traffic.requests)
    result.cold_s = run_block(page, page.locator(".pyrun-run").count() - 1)
    result.load_s = page.evaluate("() => window.__pyrun.loadMs") / 1000
    fetched = traffic.pyodide_requests(before)
    page.wait_for_load_state("networkidle")
    result.cold_requests, result.cold_bytes = len(fetched), traffic.bytes_since(fetched)
    result.blocks += statuses(page, pages[0])
    for name in pages[1:]:
        navigate(page, base_url, name)
        on_page(name)
        count = page.locator(".pyrun-run").count()
        result.warm_s.append(run_block(page, 0))
        if count > 1:
            run_block(page, count - 1)
        result.blocks += statuses(page, name)
    result.interpreter_loads = page.evaluate("() => window.__pyrun.loads")
    result.seconds = time.monotonic() - started
    return result


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """`site` served on 127.0.0.1 from a thread; yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def measure(site: Path = ROOT / "site") -> Survey:
    """Serve `site`, start Chromium, run every runnable block; the figures are `Survey.figures()`."""
    from playwright.sync_api import sync_playwright

    from doctests.measure import chromium

    with serve(site) as base_url, sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        try:
            context, page, traffic = open_tab(browser, base_url, site)
            result = survey(page, traffic, base_url, runnable_pages(site), lambda name: None)
            context.close()
        finally:
            browser.close()
    return result


def write(result: Survey, path: Path | None = None) -> Path:
    """Write the figures to `builddata.RUN_IN_BROWSER` (or `path`) under the usual environment stamp."""
    return RUN_IN_BROWSER.write(result.figures(), path)


def main() -> int:
    site = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "site"
    result = measure(site)
    print(builddata.read_data(write(result)))
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
