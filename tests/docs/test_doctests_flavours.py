"""Flavour tabs (`=== "FastAPI"` / `=== "Starlette"` / `=== "ASGI"`) and skip markers with reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from doctests.runner import run as run_module
from doctests.runner.collect import collect
from doctests.runner.run import Outcome, Runner

FIXTURES = Path(__file__).parent / "fixtures"


def run(name: str) -> list[Outcome]:
    runner = Runner(timeout=2.0)
    return [outcome for session in collect(FIXTURES / name) for outcome in runner.run(session)]


def test_flavour_tabs_are_collected_with_their_tags() -> None:
    sessions = collect(FIXTURES / "flavours.md")
    assert [session.flavour for session in sessions] == ["fastapi", "starlette", "asgi"]
    fastapi, starlette, asgi = sessions
    # Each session: the shared blocks and its own tab's blocks, in page order.
    assert [(s.line, s.flavour, s.shared) for s in fastapi.snippets] == [
        (6, "fastapi", True),
        (13, "fastapi", False),
        (14, "fastapi", False),
        (38, "fastapi", True),
    ]
    assert [(s.kind, s.line, s.shared) for s in starlette.snippets] == [
        ("doctest", 6, True),
        ("script", 22, False),
        ("doctest", 38, True),
    ]
    # The tab's source is dedented; its own tags stay, the flavour is one of the effective tags.
    assert starlette.snippets[1].source.startswith('flavour = "starlette"\n')
    assert starlette.snippets[1].tags == ("asgi-2.5",)
    assert starlette.snippets[1].effective_tags == ("asgi-2.5", "starlette")
    assert fastapi.snippets[1].effective_tags == ("fastapi",)
    # The seed tag applies to the ASGI flavour (the spec `--impl` checks), not to FastAPI or Starlette.
    assert asgi.snippets[1].effective_tags == ("asgi", "starlette-0.29")
    assert asgi.snippets[0].effective_tags == ("asgi", "starlette-0.29")
    assert fastapi.snippets[0].effective_tags == ("fastapi",)
    assert [s.counts_for_coverage for s in asgi.snippets] == [True] * 4
    assert not any(s.counts_for_coverage for s in fastapi.snippets + starlette.snippets)


def test_a_page_without_tabs_is_one_session_without_flavour() -> None:
    (session,) = collect(FIXTURES / "sample.md")
    assert session.flavour is None
    assert all(snippet.flavour is None and not snippet.shared for snippet in session.snippets)


def test_each_flavour_runs_in_its_own_namespace() -> None:
    outcomes = run("flavours.md")
    assert [o.message for o in outcomes if o.status != "passed"] == []
    # The shared last block ran (and passed) once per flavour: no flavour saw another's names.
    assert [o.snippet.flavour for o in outcomes if o.snippet.line == 38] == ["fastapi", "starlette", "asgi"]


def test_a_flavour_whose_library_is_missing_is_skipped_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(run_module.FLAVOUR_LIBRARIES, "fastapi", ("no_such_library_here", (1,)))
    monkeypatch.setitem(run_module.FLAVOUR_LIBRARIES, "starlette", ("pytest", (999,)))
    outcomes = run("flavours.md")
    by_flavour = {
        flavour: {o.status for o in outcomes if o.snippet.flavour == flavour}
        for flavour in ("fastapi", "starlette", "asgi")
    }
    assert by_flavour == {"fastapi": {"skipped"}, "starlette": {"skipped"}, "asgi": {"passed"}}
    fastapi = next(o for o in outcomes if o.snippet.flavour == "fastapi")
    assert fastapi.reason == "fastapi examples need no_such_library_here, which is not installed"
    starlette = next(o for o in outcomes if o.snippet.flavour == "starlette")
    assert starlette.reason.startswith("starlette examples are written for pytest>=999; pytest ")


def test_a_skip_marker_needs_a_reason() -> None:
    outcomes = run("bad_skip.md")
    statuses = {o.snippet.line: (o.status, o.reason if o.status == "skipped" else o.message) for o in outcomes}
    assert statuses == {
        4: (
            "failed",
            "tests/docs/fixtures/bad_skip.md:4: skip marker <!-- skip: next --> gives no reason: "
            "write <!-- skip: next because ... -->\n",
        ),
        11: (
            "failed",
            "tests/docs/fixtures/bad_skip.md:11: skip marker <!-- doctest: skip --> gives no reason: "
            "write <!-- doctest: skip because ... -->\n",
        ),
        19: ("skipped", "it shows code that cannot run here"),
        25: ("skipped", "the same, spelt the other way"),
        30: (
            "failed",
            "tests/docs/fixtures/bad_skip.md:30: unknown directive <!-- skip: everything --> "
            "(only 'next because REASON' exists)\n",
        ),
        38: (
            "failed",
            "tests/docs/fixtures/bad_skip.md:38: a python block in tab \"Other\": only 'FastAPI', "
            "'Starlette', 'ASGI' tabs are run\n",
        ),
    }
