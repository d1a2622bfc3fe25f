"""Headless Chromium for a test module: launched once, closed at the end, skipped with one line without it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from doctests.measure import chromium

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext


@contextlib.contextmanager
def launched(timeout_ms: float = 20_000) -> Iterator[Browser]:
    """A headless Chromium (`doctests.measure.chromium`'s settings); the test skips, saying why, without one."""
    if (reason := chromium.missing()) is not None:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = chromium.launch(playwright, timeout_ms=timeout_ms)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def fresh_context(browser: Browser, timeout_ms: float = 5_000) -> Iterator[BrowserContext]:
    """A browser context of its own (its own cookies), with `timeout_ms` for every action; closed at the end."""
    context = browser.new_context()
    context.set_default_timeout(timeout_ms)
    try:
        yield context
    finally:
        context.close()
