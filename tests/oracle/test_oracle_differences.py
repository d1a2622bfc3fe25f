"""The allowed differences are exactly `reference_impl.differences.DIFFERENCES`, each seen and each strict.

Also guards the size of the run, so a refactor of the tables cannot silently
shrink it, and the driver's promise that a case which would hang is reported.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from oracle_differences import SCOPE_CHECKS, WEBSOCKET_CHECKS
from oracle_driver import Outcome, drive

from reference_impl.differences import BY_ID, DIFFERENCES
from tests.support.drive import Suspended

MIN_WEBSOCKET_CASES = 3000  # 3222 when written
MIN_SCOPE_CASES = 1000  # 1188 when written
CHECKS: dict[str, Any] = {**WEBSOCKET_CHECKS, **SCOPE_CHECKS}


def test_checks_name_exactly_the_documented_differences() -> None:
    assert not set(WEBSOCKET_CHECKS) & set(SCOPE_CHECKS)
    assert sorted(CHECKS) == sorted(BY_ID)


@pytest.mark.parametrize("difference", [d.id for d in DIFFERENCES])
def test_each_difference_is_observed(differential: Any, difference: str) -> None:
    assert differential.allowed()[difference] > 0, f"{difference!r} is never observed: the list is stale"


@pytest.mark.parametrize("difference", [d.id for d in DIFFERENCES])
def test_a_further_difference_is_not_explained(differential: Any, difference: str) -> None:
    # Take a case the difference explains, make our side differ once more, and
    # the same check must refuse it: a check only ever allows the documented shape.
    result = next(r for r in differential.websocket + differential.scopes if r.difference == difference)
    check = CHECKS[difference]
    assert check(result.case, result.ours, result.theirs)
    if isinstance(result.ours, Outcome):
        worse = dataclasses.replace(result.ours, client_state="ELSEWHERE")
    else:
        worse = ("returned", "something else")
    assert not check(result.case, worse, result.theirs)


def test_enough_cases(differential: Any) -> None:
    assert len(differential.websocket) >= MIN_WEBSOCKET_CASES
    assert len(differential.scopes) >= MIN_SCOPE_CASES
    # Most cases must agree outright; the differences are the exception.
    same = sum(r.same for r in differential.websocket + differential.scopes)
    assert same > 0.95 * (len(differential.websocket) + len(differential.scopes))


class _Wait:
    def __await__(self) -> Any:
        yield  # what a real server's receive does when no message is there yet


async def _waits_forever() -> None:
    await _Wait()


def test_a_suspending_call_is_reported_not_awaited() -> None:
    with pytest.raises(Suspended):
        drive(_waits_forever())
