"""The spec check: the same examples, run against another implementation (`python -m doctests --impl MODULE`).

* `impl`: swaps the implementation's `WebSocket` & co. in for the reference's
  (and swaps an example app's import, for code that serves a whole app);
* `values`: compares an example's output as ASGI behaviour, not spelling;
* `wire`: reads the table rows another implementation went through off the
  messages that crossed the in-memory peer;
* `causes`: why an example diverges, for the Compatibility page and the
  release-by-release history;
* `report`: the JSON report's format (`Report`), and its one-line summary.

`asgi_ws_spec` is the same check as an installed command.
"""
