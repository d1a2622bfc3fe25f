"""What the tests share, in one place.

* `tests.support.drive`: run a coroutine that must never suspend;
* `tests.support.browser`: headless Chromium for a test module, and a fresh
  context per test;
* `tests.support.figures`: the figures this build measured, or a fresh
  measurement when there are none;
* `tests.support.reports`: a spec-check report record for small tests.

Shared with the measurement programs, so they live in `doctests`: the
repository root (`doctests.ROOT`), Chromium's path, flags and skip reason
(`doctests.measure.chromium`), starting a server for an example app
(`doctests.measure.servers`; uvicorn in a thread with
`doctests.measure.probe.running_server`, in a process with
`doctests.measure.load.serve`), and swapping an example's import
(`doctests.spec.impl.swap_example_import`).
"""
