"""What the tests share, in one place.

* `tests.support.chromium`: where Chromium is (`BROWSER_TESTS_CHROMIUM`
  overrides `/usr/bin/chromium`), the flags it needs on this network, why a
  browser test skips, and how to launch it;
* `tests.support.drive`: run a coroutine that must never suspend.

The repository root is `doctests.ROOT`; servers for the example apps are
started by `doctests.measure.probe.running_server` (in a thread) and
`doctests.measure.load.serve` (in a process), which the measurement programs
use too.
"""
