"""Programs that measure what the site shows; each writes one `doctests.builddata` output.

* Servers: `probe` (five ASGI servers side by side, running `probe_app`),
  `keepalive` (how long a vanished client goes unnoticed), `shutdown` (what
  both ends see, running `shutdown_app`), `server_messages` (uvicorn's own
  messages, captured);
* Load and reliability: `reliability` (load and fault rounds), driven by
  `load` against `load_server`;
* Speed: `bench` (all benchmarks, with `bench_messages`, `bench_echo`,
  `bench_chat`), `run_in_browser` (the Run buttons' start-up and run times);
* The spec check over time: `history` (every Starlette minor release);
* Shared by these programs and the tests: `servers` (start any of the five
  servers on a free loopback port and stop it, leaving nothing behind),
  `example_host` (every example app behind one server), `chromium` (where
  Chromium is and how to launch it).

Each runs as `python -m doctests.measure.NAME`; the Makefile's rule for its
output is the one place that says when it runs.
"""
