"""Starlette, release by release: the producer's pure parts and the page, on fixture data (no network, no runs)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet

from doctests import builddata
from doctests.measure import history
from doctests.measure.history import Divergence, ReleaseRun
from doctests.sitegen.pages import starlette_history
from doctests.spec.report import Report
from tests.support.reports import ASCII, record


def run(version: str, *divergences: tuple[int, str | None]) -> ReleaseRun:
    found: list[Divergence] = [{"file": "docs/x.md", "line": n, "cause": c, "tags": ["t"]} for n, c in divergences]
    causes: dict[str, int] = {}
    for _, cause in divergences:
        causes[cause or "unexplained"] = causes.get(cause or "unexplained", 0) + 1
    return {
        "version": version,
        "examples": 10,
        "passed": 10 - len(found),
        "failed": len(found),
        "divergences": found,
        "causes": causes,
        "imported_from": f"build/starlette-history/{version}/starlette/__init__.py",
        "seconds": 1.0,
    }


def test_divergences_are_classified_with_the_compatibility_causes() -> None:
    examples = [record(1, "passed", "1\n", "1\n"), record(2, "failed", *ASCII), record(3, "failed", "a\n", "b\n")]
    report = Report("starlette.websockets", "starlette 0.40.0", {}, [], [], [], 1, 2, examples)
    summary = history.summarise("0.40.0", report, "somewhere", 1.25)
    assert summary["causes"] == {"ensure-ascii": 1, "unexplained": 1}
    assert [(d["line"], d["cause"]) for d in summary["divergences"]] == [(2, "ensure-ascii"), (3, None)]
    assert (summary["passed"], summary["failed"], summary["examples"]) == (1, 2, 3)


def test_first_release_of_each_change() -> None:
    runs = [run("0.27.0", (1, None)), run("0.28.0", (1, None)), run("0.29.0", (2, "ensure-ascii")), run("1.0.0")]
    changes = {c["key"]: c for c in history.first_releases(runs)}
    assert changes["docs/x.md:1"] == {
        "key": "docs/x.md:1",
        "cause": None,
        "first": "0.27.0",
        "last": "0.28.0",
        "until": "0.29.0",
        "releases": 2,
    }
    assert changes["ensure-ascii"]["first"] == "0.29.0"
    assert changes["ensure-ascii"]["until"] == "1.0.0"
    assert history.transitions(runs) == ["0.29.0", "1.0.0"]


def test_a_cause_seen_twice_in_one_release_counts_once() -> None:
    (change,) = history.first_releases([run("1.0.0", (1, "ensure-ascii"), (2, "ensure-ascii"))])
    assert (change["first"], change["last"], change["until"], change["releases"]) == ("1.0.0", "1.0.0", None, 1)


def test_last_patch_of_each_minor_and_pip_output() -> None:
    output = "starlette (1.0.1)\nAvailable versions: 1.0.1, 1.0.0, 0.32.0.post1, 0.32.0, 0.26.1\n  INSTALLED: 1.0.1\n"
    versions = history.parse_index_versions(output)
    assert history.last_patches(versions, "0.27") == ["0.32.0.post1", "1.0.1"]


MINORS = ["0.27.0", "0.28.0", "0.29.0", "0.38.6", "0.40.0", "0.46.2", "1.0.1", "1.10.0"]


def test_subset_is_the_sample_plus_the_first_and_latest() -> None:
    chosen, known = history.choose(MINORS, subset=True, previous=None)
    assert chosen == ["0.27.0", "0.29.0", "0.38.6", "0.46.2", "1.0.1", "1.10.0"]
    assert known == []
    assert history.choose(MINORS, subset=False, previous=None)[0] == MINORS


def test_subset_adds_each_transition_of_the_full_run() -> None:
    chosen, known = history.choose(MINORS, subset=True, previous={"transitions": ["0.28.0", "0.40.0", "9.9.9"]})
    assert chosen == ["0.27.0", "0.28.0", "0.29.0", "0.38.6", "0.40.0", "0.46.2", "1.0.1", "1.10.0"]
    assert known == ["0.28.0", "0.40.0", "9.9.9"]


def test_fastapi_ranges_stop_at_the_first_minor_that_admits_no_release() -> None:
    needs = {"0.95.2": "==0.26.1", "0.96.1": ">=0.27.0,<0.28.0", "0.97.0": ">=0.29.0", "0.98.0": ">=1.0.0"}
    asked: list[str] = []

    def requirement(version: str) -> SpecifierSet:
        asked.append(version)
        return SpecifierSet(needs[version])

    rows = history.fastapi_ranges(list(needs), ["0.27.0", "0.29.0", "1.0.0", "1.0.1"], MINORS, requirement)
    assert [row["fastapi"] for row in rows] == ["0.96.1", "0.97.0", "0.98.0"]
    assert rows[0]["admits"] == ["0.27.0"]
    assert rows[-1]["admits"] == ["1.0.1", "1.10.0"]
    assert "0.95.2" in asked


def document(set_: str) -> dict[str, Any]:
    runs = [run("0.27.0", (1, None)), run("0.29.0", (2, "ensure-ascii")), run("1.10.0", (2, "ensure-ascii"))]
    return {
        "set": set_,
        "first_minor": "0.27",
        "sample": ["0.29"],
        "minors": ["0.27.0", "0.28.0", "0.29.0", "1.10.0"],
        "releases": runs,
        "changes": history.first_releases(runs),
        "transitions": ["0.29.0"],
        "transitions_from": "2025-01-01 00:00 UTC",
        "fastapi": [
            {"fastapi": "0.96.1", "starlette": "<0.28.0,>=0.27.0", "admits": ["0.27.0"]},
            {"fastapi": "0.97.0", "starlette": "<0.28.0,>=0.27.0", "admits": ["0.27.0"]},
            {"fastapi": "0.165.0", "starlette": ">=1.6.0", "admits": ["1.10.0"]},
        ],
        "installed_fastapi": "0.165.0",
        "installed_fastapi_needs": ">=1.6.0",
        "spec_flags": list(history.SPEC_FLAGS),
        "seconds": 12.5,
    }


def output_in(folder: Path) -> builddata.Output[dict[str, Any]]:
    return dataclasses.replace(builddata.STARLETTE_HISTORY, folder=folder)


def test_page_from_a_fixture_document(tmp_path: Path) -> None:
    output = output_in(tmp_path)
    output.write(document("subset"))
    page = starlette_history.render(output)
    assert "**a subset: 3 of the 4 releases**" in page
    assert "not checked here: 0.28.0" in page
    assert "| 0.29.0 | 9 | 1 | 0 | no | starts: `send_json` keeps non-ASCII characters<br>ends: Unexplained:" in page
    assert "| `send_json` keeps non-ASCII characters | 0.29.0 | 1.10.0 (latest) | — | 2 of 3 |" in page
    assert "| 0.96.1 … 0.97.0 (2 minors) | `>=0.27.0, <0.28.0` | 0.27.0 |" in page
    assert "| 0.165.0 | `>=1.6.0` | 1.10.0 |" in page


def test_page_names_the_full_run(tmp_path: Path) -> None:
    output = output_in(tmp_path)
    output.write(document("all"))
    assert "This page shows **all 4 releases**" in starlette_history.render(output)


def test_a_missing_file_names_its_make_target(tmp_path: Path) -> None:
    with pytest.raises(builddata.MissingInput, match=r"make build/starlette-history\.json"):
        starlette_history.render(output_in(tmp_path))
