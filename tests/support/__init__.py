"""What the tests share, in one place.

* `tests.support.drive`: run a coroutine that must never suspend;
* `tests.support.browser`: headless Chromium for a test module, and a fresh
  context per test.

Shared with the measurement programs, so they live in `doctests`: the
repository root (`doctests.ROOT`), Chromium's path, flags and skip reason
(`doctests.measure.chromium`), starting an example app under a server
(`doctests.measure.probe.running_server` in a thread,
`doctests.measure.load.serve` in a process), and swapping an example's import
(`doctests.spec.impl.swap_example_import`).
"""
