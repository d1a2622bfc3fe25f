"""Chromium for the browser tests: one place for its path, its flags and the reason a test skips."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

PATH = os.environ.get("BROWSER_TESTS_CHROMIUM", "/usr/bin/chromium")
# Headless, and quiet on a closed network: without the background-networking
# flags Chromium keeps trying to reach Google's hosts and logs every refusal.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def missing() -> str | None:
    """Why browser tests cannot run here, in one line, or `None` when Chromium is there."""
    if Path(PATH).is_file() and os.access(PATH, os.X_OK):
        return None
    return f"browser tests need Chromium at {PATH} (apt-get install chromium, or set BROWSER_TESTS_CHROMIUM)"


def launch(playwright: Playwright, timeout_ms: float = 20_000) -> Browser:
    """A headless Chromium with the flags above."""
    return playwright.chromium.launch(executable_path=PATH, args=ARGS, timeout=timeout_ms)
