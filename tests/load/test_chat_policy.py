"""The chat's slow-consumer policy on every server: bursts drop nobody, a stalled member only itself.

Scaled down by default (`QUICK_BURST`, `QUICK_STALL` in `doctests/measure/reliability.py`,
a few seconds in all); `CHAT_POLICY_SCALE=full` runs the full scale of `make stress`
(30 members × 50 messages, 45,000 deliveries). On uvicorn the server is the
subprocess of `doctests/measure/load.py` (`serve`); on Hypercorn, Daphne and
Granian it is `serve_on`, the same example behind `doctests.measure.example_host`,
started and stopped by `doctests.measure.servers`. `server_problems` fails a
test on any traceback, error or unclean shutdown in its log.

The policy needs one thing from the server: a `send` that waits while the
client reads nothing. Daphne's never waits (it buffers whatever the app sends),
so there the app cannot tell a stalled member from a reading one: the test
asserts that it stays a member while the others still get everything
(`STALL_NOT_SEEN`), as `docs/examples/index.md` says.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest

from doctests.measure.load import Server, chat_burst, chat_stall, idle_problems, serve, serve_on, server_problems
from doctests.measure.reliability import FULL_BURST, FULL_STALL, QUICK_BURST, QUICK_STALL, QUICK_TIMEOUT
from doctests.measure.servers import BACKENDS, SERVERS, version

FULL = os.environ.get("CHAT_POLICY_SCALE") == "full"
BURST = FULL_BURST if FULL else QUICK_BURST
STALL = FULL_STALL if FULL else QUICK_STALL
TIMEOUT = 600.0 if FULL else QUICK_TIMEOUT
IDS = [server.id for server in SERVERS]
# Servers whose `send` never waits for a client that reads nothing: the stalled member is not seen.
STALL_NOT_SEEN = {"daphne"}
NOT_SEEN_WAIT = 5.0  # Seconds the round waits there for a drop that does not come.


@contextlib.contextmanager
def chat_on(server_id: str) -> Iterator[Server]:
    """The chat example on one of the five servers."""
    config = SERVERS[IDS.index(server_id)]
    if version(config.package) is None:
        pytest.skip(f"{config.package} is not installed")
    if config.package == "uvicorn":
        with serve("chat", BACKENDS[IDS.index(server_id)]) as server:
            yield server
    else:
        with serve_on("chat", config) as server:
            yield server


async def checked(server: Server, round_function: Any, time_limit: float = TIMEOUT, **scale: Any) -> dict[str, Any]:
    """Run one round; add leftovers in the server (tasks, app calls, room members, exceptions) to its problems."""
    baseline = await asyncio.to_thread(server.stats)
    summary: dict[str, Any] = await round_function(server, time_limit=time_limit, **scale)
    idle = await server.wait_idle(baseline, within=10)
    summary["problems"] += idle_problems("after the round", idle, baseline)
    return summary


@pytest.mark.parametrize("server_id", IDS)
def test_burst_drops_nobody(server_id: str) -> None:
    """Every member sends all its messages at once and reads as fast as it can: all arrive, once, in order."""
    with chat_on(server_id) as server:
        summary = asyncio.run(checked(server, chat_burst, **BURST))
        code = server.stop()
    summary["problems"] += server_problems(server, code)
    assert summary["problems"] == []
    assert summary["dropped"] == 0
    assert summary["deliveries"] == summary["expected"] == BURST["clients"] ** 2 * BURST["messages"]


@pytest.mark.parametrize("server_id", IDS)
def test_stalled_member_is_dropped_alone(server_id: str) -> None:
    """A member that stops reading: the others get everything; it gets a prefix and 1013; no traceback."""
    not_seen = server_id in STALL_NOT_SEEN
    with chat_on(server_id) as server:
        summary = asyncio.run(checked(server, chat_stall, NOT_SEEN_WAIT if not_seen else TIMEOUT, **STALL))
        code = server.stop()
    summary["problems"] += server_problems(server, code)
    assert summary["deliveries"] == STALL["good"] ** 2 * STALL["messages"]
    if not_seen:
        # Never dropped: the round waits in vain for the room to shrink, and the member, not closed,
        # has read nothing yet. Its handler still ends, quietly, once it leaves (no other problem).
        total = STALL["good"] * STALL["messages"]
        assert summary["problems"] == [
            f"stall round not finished within {NOT_SEEN_WAIT} s",
            f"the stalled member got {{'received': 0, 'of': {total}}}, not a prefix and then 1013",
        ]
        return
    assert summary["problems"] == []
    assert summary["stalled_member"]["close_code"] == 1013
