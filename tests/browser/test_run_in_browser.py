"""The Run buttons: every runnable block runs in Pyodide offline and prints what its page shows.

One tab runs every runnable block of every page, moving between pages by
instant navigation, so Python starts once (`doctests.measure.run_in_browser`
does the driving and writes the figures to `artifacts/run-in-browser.json`).
The same tab then edits a block, raises, and waits forever until the
timeout. Other tabs check that a page fetches nothing of Pyodide before a
click, that a host sending `application/octet-stream` for `.wasm`/`.mjs`/`.js`
still works, and that from `file://` the button says how to serve the site.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from doctests.measure import run_in_browser as rib

from .report import SUMMARY

PASSED = rib.PASSED
# The first test runs every page (about a minute; more on a busy machine), above pytest-timeout's default.
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def runtime_site(site_dir: Path) -> Path:
    """The built site, if it holds the Pyodide runtime; else the module skips with one line."""
    if not (site_dir / "assets/pyodide/run.json").is_file():
        pytest.skip("the site has no Pyodide runtime (assets/pyodide/run.json): run `make pyodide`, then build it")
    return site_dir


@pytest.fixture(scope="module")
def tab(browser: Browser, base_url: str, runtime_site: Path) -> Iterator[tuple[BrowserContext, Page, rib.Traffic]]:
    """One tab on the test server; requests to other hosts are aborted and recorded."""
    context, page, traffic = rib.open_tab(browser, base_url, runtime_site)
    try:
        yield context, page, traffic
    finally:
        context.close()


@pytest.fixture(scope="module")
def surveyed(
    tab: tuple[BrowserContext, Page, rib.Traffic], base_url: str, runtime_site: Path, artifacts: Path
) -> rib.Survey:
    """Every runnable block of every page, run in the one tab; the figures go to artifacts/ and the summary."""
    _, page, traffic = tab
    pages = rib.runnable_pages(runtime_site)
    before_click: list[str] = []

    def on_page(name: str) -> None:
        if name == pages[0]:  # a full page load, before any click
            page.wait_for_load_state("networkidle")
            before_click.extend(traffic.pyodide_requests())

    result = rib.survey(page, traffic, base_url, pages, on_page)
    assert before_click == [], f"the home page fetched Pyodide files before a click: {before_click}"
    rib.write(result, artifacts / "run-in-browser.json")
    SUMMARY["run_in_browser"] = result.figures()
    return result


def test_every_runnable_block_prints_its_pages_output(surveyed: rib.Survey) -> None:
    assert surveyed.blocks, "no runnable block found"
    problems = [f"{b.page}:{b.line} {b.status}: {b.text}\n{b.output[-800:]}" for b in surveyed.failed]
    assert not problems, f"{len(problems)} of {len(surveyed.blocks)} blocks failed:\n" + "\n".join(problems)


def test_python_starts_once_across_pages(surveyed: rib.Survey) -> None:
    assert surveyed.interpreter_loads == 1, "instant navigation did not keep the interpreter across pages"


def test_nothing_leaves_the_machine_and_no_console_errors(
    surveyed: rib.Survey, tab: tuple[BrowserContext, Page, rib.Traffic]
) -> None:
    traffic = tab[2]
    assert traffic.foreign == [], f"requests to other hosts: {traffic.foreign}"
    assert traffic.console_errors == [], f"console errors: {traffic.console_errors}"


def edit_and_run(page: Page, code: str, timeout_s: float = 60) -> dict[str, Any]:
    """Edit the first runnable block of the page shown, run it; return its status and output."""
    page.locator(".pyrun-edit").first.click()
    page.locator("textarea.pyrun-editor").first.fill(code)
    rib.run_block(page, 0, timeout_s)
    result: dict[str, Any] = page.evaluate(
        """() => { const bar = document.querySelector('.pyrun-bar');
            return {status: bar.dataset.pyrunStatus, text: bar.querySelector('.pyrun-status').textContent,
                    output: bar.nextElementSibling.textContent}; }"""
    )
    return result


@pytest.fixture
def home(surveyed: rib.Survey, tab: tuple[BrowserContext, Page, rib.Traffic], base_url: str) -> Iterator[Page]:
    """The home page in the surveyed tab (Python already running), with a fresh namespace; reset afterwards."""
    page = tab[1]
    rib.navigate(page, base_url, "tutorial/echo.html")
    rib.navigate(page, base_url, "index.html")
    yield page
    page.locator(".pyrun-reset").first.click()


def test_an_edited_block_runs(home: Page) -> None:
    got = edit_and_run(home, "squares = [n * n for n in range(5)]\nsquares\n")
    assert got["status"] == "ran", got
    assert "[0, 1, 4, 9, 16]" in got["output"], got
    assert "edited" in got["text"], got


def test_a_block_that_raises_shows_its_traceback(home: Page) -> None:
    got = edit_and_run(home, "def divide(x):\n    return 1 / x\n\ndivide(0)\n")
    assert got["status"] == "raised", got
    assert "Traceback (most recent call last):" in got["output"], got
    assert "line 2, in divide" in got["output"], got
    assert got["output"].rstrip().endswith("ZeroDivisionError: division by zero"), got


def test_a_block_that_awaits_forever_stops_at_the_timeout(home: Page) -> None:
    got = edit_and_run(home, "import asyncio\nawait asyncio.Event().wait()\n", timeout_s=40)
    assert got["status"] == "timeout", got
    assert "TimeoutError: no result after 10 s" in got["output"], got


def test_reset_restores_the_pages_code(home: Page) -> None:
    edit_and_run(home, "1 + 1\n")
    home.locator(".pyrun-reset").first.click()
    assert home.locator("textarea.pyrun-editor").count() == 0
    rib.run_block(home, 0)
    assert home.locator(".pyrun-bar").first.get_attribute("data-pyrun-status") == "matches"


def test_a_page_fetches_no_pyodide_file_before_a_click(
    browser: Browser, base_url: str, runtime_site: Path, surveyed: rib.Survey
) -> None:
    context, page, traffic = rib.open_tab(browser, base_url, runtime_site)
    try:
        for name in ("index.html", "reference/websocket.html", "tutorial/echo.html"):
            page.goto(base_url + name, wait_until="load")
            page.wait_for_load_state("networkidle")
        assert traffic.pyodide_requests() == [], traffic.pyodide_requests()
        assets = {url: size for url, size in traffic.bytes_by_url.items() if "/assets/run/" in url}
        assert assets, "run.js and run.css were not loaded"
        assert sum(assets.values()) < 20_000, assets
    finally:
        context.close()


class _Octet(http.server.SimpleHTTPRequestHandler):
    """Serves .wasm, .mjs and .js as application/octet-stream, as a misconfigured host would."""

    def guess_type(self, path: str | Any) -> str:
        if str(path).endswith((".wasm", ".mjs", ".js")):
            return "application/octet-stream"
        return super().guess_type(path)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_host_with_wrong_content_types_still_runs(browser: Browser, runtime_site: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Octet, directory=str(runtime_site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}/"
    context, page, traffic = rib.open_tab(browser, base_url, runtime_site)
    try:
        page.goto(base_url + "index.html", wait_until="load")
        rib.run_block(page, 0)
        got = rib.statuses(page, "index.html")
        assert [block.status for block in got] == ["matches"], got
        wasm = [url for url in traffic.requests if url.endswith(".wasm")]
        assert wasm, "the wasm was not fetched from the mislabelling server"
        assert traffic.console_errors == [], traffic.console_errors
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_from_file_the_button_says_how_to_serve_the_site(browser: Browser, runtime_site: Path) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto((runtime_site / "index.html").as_uri(), wait_until="load")
        page.locator(".pyrun-run").first.click()
        bar = page.locator(".pyrun-bar").first
        assert bar.get_attribute("data-pyrun-status") == "file"
        assert "make serve" in bar.inner_text()
        assert not [url for url in requests if rib.PYODIDE_PATH in url]
    finally:
        context.close()
