"""Browser tests of the built site: headless Chromium driven by Playwright."""
