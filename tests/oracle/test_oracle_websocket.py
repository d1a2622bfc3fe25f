"""`WebSocket` against Starlette 0.29: every reachable state pair x operation x message.

Each case compares the return value (or items yielded), the exception (type,
args, text; code and reason for `WebSocketDisconnect`), both states
afterwards, the messages sent and how many messages were consumed.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from oracle_cases import SETUPS, Setup

STATES = ("CONNECTING", "CONNECTED", "DISCONNECTED")


def test_every_state_pair_has_a_setup() -> None:
    # All nine pairs are reachable by real calls; the test below proves each setup gets there.
    assert sorted(s.pair for s in SETUPS) == sorted(f"{c}/{a}" for c, a in itertools.product(STATES, STATES))


@pytest.mark.parametrize("setup", SETUPS, ids=lambda setup: setup.pair)
def test_setup_reaches_its_pair(differential: Any, setup: Setup) -> None:
    outcomes = [(r.ours, r.theirs) for r in differential.setups if r.case.setup is setup]
    ours, theirs = outcomes[0]
    assert all(outcome == (ours, theirs) for outcome in outcomes), "a setup must end the same way in every case"
    assert ours == theirs
    assert ours.error is None, ours
    assert (ours.client_state, ours.application_state) == (setup.client_state, setup.application_state)
    assert ours.consumed == len(setup.script), "the setup must use up its own script"


@pytest.mark.parametrize("setup", SETUPS, ids=lambda setup: setup.pair)
def test_same_outcome_or_a_documented_difference(differential: Any, setup: Setup) -> None:
    results = [r for r in differential.websocket if r.case.setup is setup]
    assert results
    unexplained = [r.describe() for r in results if r.unexplained]
    assert not unexplained, (
        f"{len(unexplained)} of {len(results)} cases from {setup.how} differ in an undocumented way:\n"
        + "\n".join(unexplained)
    )
