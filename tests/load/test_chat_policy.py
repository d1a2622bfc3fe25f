"""The chat's slow-consumer policy on both uvicorn backends: bursts drop nobody, a stalled member only itself.

Scaled down by default (`QUICK_BURST`, `QUICK_STALL` in `doctests/measure/reliability.py`,
a few seconds in all); `CHAT_POLICY_SCALE=full` runs the full scale of `make stress`
(30 members × 50 messages, 45,000 deliveries). The server is the subprocess of
`doctests/measure/load.py` (`serve`); `server_problems` fails a test on any
traceback, error or unclean shutdown in its log.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

from doctests.measure.load import BACKENDS, Server, chat_burst, chat_stall, idle_problems, serve, server_problems
from doctests.measure.reliability import FULL_BURST, FULL_STALL, QUICK_BURST, QUICK_STALL, QUICK_TIMEOUT

FULL = os.environ.get("CHAT_POLICY_SCALE") == "full"
BURST = FULL_BURST if FULL else QUICK_BURST
STALL = FULL_STALL if FULL else QUICK_STALL
TIMEOUT = 600.0 if FULL else QUICK_TIMEOUT


async def checked(server: Server, round_function: Any, **scale: Any) -> dict[str, Any]:
    """Run one round; add leftovers in the server (tasks, app calls, room members, exceptions) to its problems."""
    baseline = await asyncio.to_thread(server.stats)
    summary: dict[str, Any] = await round_function(server, time_limit=TIMEOUT, **scale)
    idle = await server.wait_idle(baseline, within=10)
    summary["problems"] += idle_problems("after the round", idle, baseline)
    return summary


@pytest.mark.parametrize("backend", BACKENDS)
def test_burst_drops_nobody(backend: str) -> None:
    """Every member sends all its messages at once and reads as fast as it can: all arrive, once, in order."""
    with serve("chat", backend) as server:
        summary = asyncio.run(checked(server, chat_burst, **BURST))
        code = server.stop()
    summary["problems"] += server_problems(server, code)
    assert summary["problems"] == []
    assert summary["dropped"] == 0
    assert summary["deliveries"] == summary["expected"] == BURST["clients"] ** 2 * BURST["messages"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_stalled_member_is_dropped_alone(backend: str) -> None:
    """A member that stops reading: the others get everything; it gets a prefix and 1013; no traceback."""
    with serve("chat", backend) as server:
        summary = asyncio.run(checked(server, chat_stall, **STALL))
        code = server.stop()
    summary["problems"] += server_problems(server, code)
    assert summary["problems"] == []
    assert summary["deliveries"] == STALL["good"] ** 2 * STALL["messages"]
    assert summary["stalled_member"]["close_code"] == 1013
