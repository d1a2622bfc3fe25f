"""Scaled-down load and fault rounds against echo.py and chat.py, on both uvicorn WebSocket backends.

`make stress` (`doctests/measure/reliability.py`) runs the same rounds at full scale.
Each test starts `doctests/measure/load_server.py` in a subprocess on a free 127.0.0.1
port and stops it gracefully at the end; the assertions are the `problems`
the driver found (empty when every check passed) plus a clean shutdown with
nothing alarming in the server's log. See `doctests/measure/load.py` for what is
checked.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from pathlib import Path

import pytest

from doctests.builddata import RELIABILITY, MissingInput
from doctests.measure.load import (
    BACKENDS,
    Server,
    chat_round,
    echo_round,
    fault_round,
    idle_problems,
    load_rounds,
    results_document,
    serve,
    server_problems,
)
from doctests.measure.reliability import QUICK_FAULTS as FAULTS
from doctests.measure.reliability import QUICK_LOAD as LOAD
from doctests.measure.reliability import QUICK_TIMEOUT as TIMEOUT
from doctests.sitegen.pages import reliability

APPS = ("echo", "chat")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("app", APPS)
def test_load(app: str, backend: str) -> None:
    """Nothing lost, duplicated or reordered; no leftovers; round 2's peak RSS within the bound."""
    with serve(app, backend) as server:
        result = asyncio.run(load_rounds(server, time_limit=TIMEOUT, **LOAD))
        code = server.stop()
    result["server_exit_code"] = code
    result["problems"] += server_problems(server, code)
    assert result["rounds"][0]["messages"] == LOAD["clients"] * LOAD["messages"]
    assert result["problems"] == []


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("app", APPS)
def test_faults(app: str, backend: str) -> None:
    """Drops, closes and never-readers leave the others untouched, and leave nothing behind in the server."""
    with serve(app, backend) as server:
        result = asyncio.run(fault_round(server, time_limit=TIMEOUT, **FAULTS))
        code = server.stop()
    result["server_exit_code"] = code
    result["problems"] += server_problems(server, code)
    assert result["problems"] == []


@pytest.mark.parametrize(
    ("app", "mutation", "expected"),
    [
        ("chat", "drop", ["round not finished"]),  # A lost message never frees its window slot.
        # At least one duplicate: how many a receiver sees depends on how the room interleaves.
        ("chat", "duplicate", [re.compile(r"\b[1-9]\d* duplicated")]),
        ("chat", "swap", ["out of order"]),
        ("echo", "drop", ["round not finished"]),
        ("echo", "leak-task", ["asyncio tasks in the server"]),
        (
            "echo",
            "raise",
            ["exceptions escaped the app: [\"RuntimeError('a deliberate fault')\"", "server log: Traceback"],
        ),
    ],
)
def test_checks_catch_a_broken_app(app: str, mutation: str, expected: list[str | re.Pattern[str]]) -> None:
    """The same checks fail on an app broken on purpose: they are not vacuous."""

    async def one_round(server: Server) -> list[str]:
        baseline = await asyncio.to_thread(server.stats)
        # 4 clients × 120 messages: every connection sends at least 120, so the 97th is mutated.
        # A dropped message stalls the round until its (short) timeout.
        round_function = chat_round if app == "chat" else echo_round
        summary = await round_function(server, clients=4, messages=120, size=16, time_limit=3.0)
        idle = await server.wait_idle(baseline, within=1.0)
        return [*summary["problems"], *idle_problems("after the round", idle, baseline)]

    with serve(app, "websockets-sansio", mutate=mutation) as server:
        problems = asyncio.run(one_round(server))
        code = server.stop()
    assert code == 0
    problems += server_problems(server, code)
    for wanted in expected:  # A text to find, or a pattern to match.
        found = (wanted.search(p) if isinstance(wanted, re.Pattern) else wanted in p for p in problems)
        assert any(found), (wanted, problems)


def test_reliability_page_renders_a_real_run(tmp_path: Path) -> None:
    """The page generator turns a (tiny) real run into tables, and names the commands when nothing ran."""
    with serve("echo", "websockets-sansio") as server:
        load = asyncio.run(load_rounds(server, clients=2, messages=4, size=16, time_limit=TIMEOUT))
        assert server.stop() == 0
    output = dataclasses.replace(RELIABILITY, folder=tmp_path)
    scale = {"load": {"clients": 2, "messages": 4, "size": 16}}
    output.write(results_document("scaled-down (test)", "a command", scale, {"load": [load]}))
    page = reliability.render((output,))
    first = load["rounds"][0]
    assert f"| echo | websockets-sansio | 1 | 8 | {first['seconds']} |" in page
    assert "every check passed" in page
    with pytest.raises(MissingInput, match=r"make them with `make build/reliability\.json`"):
        reliability.render((dataclasses.replace(RELIABILITY, folder=tmp_path / "missing"),))
