"""The Compatibility page's causes are checked against the runs, not trusted."""

from __future__ import annotations

from typing import Any

import pytest

from doctests import builddata
from doctests.sitegen.pages import compatibility
from doctests.spec.report import Report
from tests.support.reports import ASCII, record


def example(status: str, expected: str | None, got: str | None, line: int = 3) -> dict[str, Any]:
    return record(line, status, expected, got)


def old_run(record: dict[str, Any]) -> Report:
    return Report("starlette.websockets", "starlette 0.29.0", {}, [], [], ["starlette-0.29"], 1, 0, [record])


def divergences(record: dict[str, Any]) -> list[dict[tuple[str, int], dict[str, Any]]]:
    """The same divergence in both runs, as `render` finds them."""
    return [{(record["file"], record["line"]): record} for _ in compatibility.RUNS]


def test_a_cause_that_matches_no_divergence_is_not_shown() -> None:
    today = example("failed", *ASCII)
    old = old_run(example("passed", ASCII[0], ASCII[0]))
    table = compatibility.cause_table(divergences(today), old)
    shown = [cause for cause in compatibility.CAUSES if f"| {cause.title} |" in table]
    assert [cause.id for cause in shown] == ["ensure-ascii"]
    assert "where Starlette 0.29.0 escapes them" in table
    assert "| **Unexplained** | No known cause matches. | 0 | 0 |" in table


def test_no_cause_says_receive_json_checks_the_state_first() -> None:
    # Starlette 0.29.0 and the reference both check `mode` first.
    assert not [cause.id for cause in compatibility.CAUSES if "receive_json" in cause.why]


def test_a_true_claim_about_0_29_is_accepted() -> None:
    compatibility.check_claims(divergences(example("failed", *ASCII)), old_run(example("passed", ASCII[0], ASCII[0])))


def test_a_false_claim_about_0_29_is_refused() -> None:
    # The cause says 0.29 escapes non-ASCII as the reference does; this 0.29 run did what today's does.
    old = old_run(example("failed", ASCII[0], ASCII[1]))
    with pytest.raises(compatibility.CauseClaimError) as refused:
        compatibility.check_claims(divergences(example("failed", *ASCII)), old)
    message = str(refused.value)
    assert "cause 'ensure-ascii' says 0.29 does what the reference does" in message
    assert "docs/x.md:3" in message
    assert "Starlette 0.29.0 failed" in message
    assert builddata.COMPAT_STARLETTE_029.target in message


def test_a_claim_that_0_29_does_as_today_is_checked_too() -> None:
    today = example("failed", "URL('ws://a/')\n", "URL('http://a/')\n")
    compatibility.check_claims(divergences(today), old_run(example("failed", today["expected"], today["got"])))
    with pytest.raises(compatibility.CauseClaimError, match=r"'scheme-default' says 0\.29 does what today's"):
        compatibility.check_claims(divergences(today), old_run(example("passed", today["expected"], today["expected"])))


def test_every_cause_that_names_0_29_makes_a_checked_claim() -> None:
    for cause in compatibility.CAUSES:
        assert ("{old}" in cause.why) == (cause.starlette_029 is not compatibility.Claim.NONE), cause.id
