"""Scaled-down load and fault rounds against echo.py and chat.py, on both uvicorn WebSocket backends.

`make stress` (`tests/load/stress.py`) runs the same rounds at full scale.
Each test starts `tests/load/server.py` in a subprocess on a free 127.0.0.1
port and stops it gracefully at the end; the assertions are the `problems`
the driver found (empty when every check passed) plus a clean shutdown with
nothing alarming in the server's log. See `tests/load/driver.py` for what is
checked.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from doctests.pages import reliability

from .driver import (
    BACKENDS,
    Server,
    chat_round,
    echo_round,
    fault_round,
    idle_problems,
    load_rounds,
    serve,
    server_problems,
    write_results,
)

APPS = ("echo", "chat")
# 20 clients × 50 messages, twice per server; the chat delivers 20 × 20 × 50 = 20,000 messages a round.
LOAD = {"clients": 20, "messages": 50, "size": 64}
# 12 well-behaved clients × 50 messages, with 2 droppers, 2 closers and 3 that never read.
FAULTS = {"good": 12, "messages": 50, "faulty": 2, "size": 64}
TIMEOUT = 20.0  # Seconds a round may take; a normal one takes well under 2 s.


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("app", APPS)
def test_load(app: str, backend: str, results: dict[str, Any], request: pytest.FixtureRequest) -> None:
    """Nothing lost, duplicated or reordered; no leftovers; round 2's peak RSS within the bound."""
    with serve(app, backend) as server:
        result = asyncio.run(load_rounds(server, time_limit=TIMEOUT, **LOAD))
        code = server.stop()
    result["server_exit_code"] = code
    result["problems"] += server_problems(server, code)
    results["load"].append(result)
    results["ran"].append(request.node.nodeid)
    results["scale"]["load"] = LOAD
    assert result["rounds"][0]["messages"] == LOAD["clients"] * LOAD["messages"]
    assert result["problems"] == []


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("app", APPS)
def test_faults(app: str, backend: str, results: dict[str, Any], request: pytest.FixtureRequest) -> None:
    """Drops, closes and never-readers leave the others untouched, and leave nothing behind in the server."""
    with serve(app, backend) as server:
        result = asyncio.run(fault_round(server, time_limit=TIMEOUT, **FAULTS))
        code = server.stop()
    result["server_exit_code"] = code
    result["problems"] += server_problems(server, code)
    results["faults"].append(result)
    results["ran"].append(request.node.nodeid)
    results["scale"]["faults"] = FAULTS
    assert result["problems"] == []


@pytest.mark.parametrize(
    ("app", "mutation", "expected"),
    [
        ("chat", "drop", ["round not finished"]),  # A lost message never frees its window slot.
        ("chat", "duplicate", ["1 duplicated"]),
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
def test_checks_catch_a_broken_app(app: str, mutation: str, expected: list[str]) -> None:
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
    for text in expected:
        assert any(text in problem for problem in problems), (text, problems)


def test_reliability_page_renders_a_real_run(tmp_path: Path) -> None:
    """The page generator turns a (tiny) real run into tables, and names the commands when nothing ran."""
    with serve("echo", "websockets-sansio") as server:
        load = asyncio.run(load_rounds(server, clients=2, messages=4, size=16, time_limit=TIMEOUT))
        assert server.stop() == 0
    path = tmp_path / "reliability.json"
    write_results(
        path, "scaled-down (test)", "a command", {"load": {"clients": 2, "messages": 4, "size": 16}}, {"load": [load]}
    )
    page = reliability.render(((path, "the command"),))
    first = load["rounds"][0]
    assert f"| echo | websockets-sansio | 1 | 8 | {first['seconds']} |" in page
    assert "every check passed" in page
    with pytest.raises(FileNotFoundError, match="make one with `the command`"):
        reliability.render(((tmp_path / "missing.json", "the command"),))
