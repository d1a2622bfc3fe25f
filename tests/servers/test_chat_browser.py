"""The chat page of `docs/examples/chat.py` in headless Chromium: two pages talk to each other, on every server.

Each of the five configurations of `doctests.measure.servers.SERVERS` serves
the example (through `doctests.measure.example_host`, which hands `/` and the
page's own `ws://host/` to the chat) as a subprocess, stopped and checked for
leftover processes after the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from doctests.measure import chromium
from doctests.measure.example_host import HOST_STATS
from doctests.measure.servers import SERVERS, Server, http_get, running, version

if TYPE_CHECKING:
    from playwright.sync_api import Browser

TIMEOUT_MS = 5000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium.missing() is not None, reason=str(chromium.missing())),
]


@pytest.mark.parametrize("server", SERVERS, ids=[server.id for server in SERVERS])
def test_two_pages_chat(browser: Browser, server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    if version(server.package) is None:
        pytest.skip(f"{server.package} is not installed")
    urls: list[str] = []
    env = {"EXAMPLE_HOST_APPS": "chat"}
    with running(server, "doctests.measure.example_host:app", tmp_path, http_get(HOST_STATS), env) as process:
        address = process.address
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
    assert process.record["exit_code"] == 0
    assert process.record["left_over"] == []
    assert f"http://{address}/" in urls
    assert f"ws://{address}/" in urls
    assert {urlsplit(url).hostname for url in urls} == {"127.0.0.1"}, urls
