"""The chat example against the naive broadcast loop, for the Broadcasting tutorial: the benchmark's figures.

Reads the same `builddata.BENCH` figures as the Performance page (its
`chat` part, made by `doctests.measure.bench_chat`) and renders the same
table, so the tutorial's claim about the policy shows numbers measured in
this build.
"""

from __future__ import annotations

from doctests.sitegen.pages import performance


def render() -> str:
    return "\n".join(performance.chat_table(performance.load())) + "\n"
