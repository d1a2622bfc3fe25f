"""Fixtures for the browser tests: the built site, a local server for it, and one Chromium.

The site is built once per session with `mkdocs build --strict` into a temp
directory, or taken as is from `BROWSER_TESTS_SITE_DIR` (e.g. `site` after
`make docs`). It is served from a thread on 127.0.0.1 on a port the OS picks,
and stopped at the end. Chromium is Debian's; without it, every test here is
skipped, with one line in the summary saying why.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from doctests import ROOT as REPO
from doctests.measure import chromium, run_in_browser
from tests.support.browser import launched

from .builtsite import html_pages
from .layout import CODE_FIT_JS, PHONE
from .report import SUMMARY
from .visit import Visit, Visitor, origin_of

ARTIFACTS = REPO / "artifacts"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of this directory `browser`, so `-m "not browser"` can leave them out."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


# Without Chromium nothing here is collected but one node that skips, so the
# summary says why in one line. (A module-level skip in this conftest would
# crash pytest when this directory is its argument: such conftests load before
# collection, where a skip is not expected.)
NO_CHROMIUM = chromium.missing()


class _NoChromium(pytest.File):
    """Stands in for the whole directory when Chromium is missing."""

    def collect(self) -> Iterator[pytest.Item]:
        pytest.skip(NO_CHROMIUM)
        yield from ()


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    """Without Chromium, leave every test module of this directory out."""
    if NO_CHROMIUM and collection_path.parent == HERE and collection_path.name.startswith("test_"):
        return True
    return None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Without Chromium, let `__init__.py` report the one skip."""
    if NO_CHROMIUM and file_path == HERE / "__init__.py":
        return _NoChromium.from_parent(parent, path=file_path)
    return None


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site: `BROWSER_TESTS_SITE_DIR` if set, else a fresh strict build."""
    given = os.environ.get("BROWSER_TESTS_SITE_DIR")
    if given:
        site = Path(given).resolve()
        if not (site / "index.html").is_file():
            pytest.fail(f"BROWSER_TESTS_SITE_DIR={given} holds no built site (no index.html)")
        return site
    site = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(site)],
        cwd=REPO,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},  # Material's end-of-life banner is noise here
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if build.returncode != 0:
        tail = "\n".join((build.stdout + build.stderr).splitlines()[-40:])
        pytest.fail(f"mkdocs build --strict failed ({build.returncode}), last lines:\n{tail}", pytrace=False)
    return site


@pytest.fixture(scope="session")
def pages(site_dir: Path) -> list[str]:
    """Every HTML page of the build."""
    found = html_pages(site_dir)
    assert "index.html" in found, f"the build has no home page; pages: {found}"
    return found


@pytest.fixture(scope="session")
def base_url(site_dir: Path) -> Iterator[str]:
    """The site served on 127.0.0.1 from a thread (as the run-in-browser figures are); the URL ends with '/'."""
    with run_in_browser.serve(site_dir) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    with launched() as chromium_browser:  # skips, saying why, without Chromium
        yield chromium_browser


@pytest.fixture(scope="session")
def http_visits(browser: Browser, base_url: str, pages: list[str]) -> dict[str, Visit]:
    """Every page loaded once over http, waiting for the search index.

    The tab is phone-sized, so the same load also measures the code blocks
    (`layout.CODE_FIT_JS`); requests and weights do not depend on the width.
    """
    visitor = Visitor(browser, origin_of(base_url), viewport=PHONE)
    try:
        return {page: visitor.visit(page, base_url + page, wait_for_search=True, probe=CODE_FIT_JS) for page in pages}
    finally:
        visitor.close()


@pytest.fixture(scope="session")
def desktop(browser: Browser, base_url: str) -> Iterator[Visitor]:
    """A desktop-sized tab on the local server that may use the clipboard; it never loads the search index."""
    visitor = Visitor(
        browser,
        origin_of(base_url),
        skip_search=True,
        viewport={"width": 1280, "height": 800},
        permissions=["clipboard-read", "clipboard-write"],
    )
    try:
        yield visitor
    finally:
        visitor.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """`artifacts/` at the top of the repo (gitignored), created on demand."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the page weights and the external links the tests recorded."""
    weights = SUMMARY.get("weights")
    if weights:
        terminalreporter.section("page weights (all response bodies, cold cache)")
        width = max(len(page) for page in weights)
        for page, size in sorted(weights.items(), key=lambda item: -item[1]):
            terminalreporter.write_line(f"{page:<{width}}  {size:>10,} B  {size / 1e6:6.3f} MB")
    run = SUMMARY.get("run_in_browser")
    if run:
        terminalreporter.section("run in browser (Pyodide, one tab, instant navigation)")
        terminalreporter.write_line(
            f"cold click -> output {run['cold_s']} s (Python start {run['load_s']} s), "
            f"{run['cold_bytes']:,} B in {run['cold_requests']} requests; warm median {run['warm_median_s']} s, "
            f"max {run['warm_max_s']} s; {run['passed']}/{run['blocks']} blocks on {run['pages']} pages "
            f"in {run['survey_s']} s; interpreter loads {run['interpreter_loads']}"
        )
    axe_counts = SUMMARY.get("axe")
    if axe_counts:
        terminalreporter.section("axe-core violations (failing elements by rule and impact)")
        for scheme, by_rule in sorted(axe_counts.items()):
            total = sum(by_rule.values())
            terminalreporter.write_line(f"{scheme}: {total} element(s)")
            for rule, count in sorted(by_rule.items(), key=lambda item: -item[1]):
                terminalreporter.write_line(f"  {rule:<40} {count:>5}")
    external = SUMMARY.get("external_links")
    if external is not None:
        terminalreporter.section(f"external links ({len(external)}, listed, not fetched)")
        for url, on_pages in sorted(external.items()):
            terminalreporter.write_line(f"{url}  (on {len(on_pages)} page(s), e.g. {on_pages[0]})")
