"""The chat page of `docs/examples/chat.py` in headless Chromium: two pages talk to each other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from doctests.measure import chromium
from doctests.measure.probe import BACKENDS, running_server

from .conftest import load_example

if TYPE_CHECKING:
    from playwright.sync_api import Browser

TIMEOUT_MS = 5000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium.missing() is not None, reason=str(chromium.missing())),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module; closed at the end."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = chromium.launch(playwright, timeout_ms=TIMEOUT_MS * 4)
        try:
            yield launched
        finally:
            launched.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_pages_chat(browser: Browser, backend: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    module = load_example("chat", "reference_impl", tmp_path)
    urls: list[str] = []
    with running_server(module.app, backend) as (address, _):
        context = browser.new_context()
        try:
            context.set_default_timeout(TIMEOUT_MS)
            # Every request any page makes, WebSockets included, is recorded.
            context.on("request", lambda request: urls.append(request.url))
            one, two = context.new_page(), context.new_page()
            for page in (one, two):
                page.on("websocket", lambda socket: urls.append(socket.url))
                page.goto(f"http://{address}/")
                expect(page.locator("#status")).to_have_text("connected")
            one.fill("#text", "hello from one")
            one.press("#text", "Enter")
            two.fill("#text", "<b>hi</b> from two")
            two.click("button")
            for page in (one, two):
                expect(page.locator("#log li")).to_have_text(["hello from one", "<b>hi</b> from two"])
                assert page.locator("#log b").count() == 0  # Shown as text, never parsed as HTML.
            two.close()
            one.fill("#text", "still here")
            one.press("#text", "Enter")
            expect(one.locator("#log li")).to_have_text(["hello from one", "<b>hi</b> from two", "still here"])
        finally:
            context.close()
    assert f"http://{address}/" in urls
    assert f"ws://{address}/" in urls
    assert {urlsplit(url).hostname for url in urls} == {"127.0.0.1"}, urls
