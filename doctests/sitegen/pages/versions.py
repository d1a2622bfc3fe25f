"""Which Starlette the pages show, and which Starlette and FastAPI are installed: the home page's versions.

Nothing here is typed: today's versions come from installed metadata
(`importlib.metadata`), the Starlette that FastAPI accepts from FastAPI's own
`Requires-Dist`, and the version the pages show from the report of the run
that checks it (`builddata.COMPAT_STARLETTE_029`, `make spec-oracle`).
"""

from __future__ import annotations

import importlib.metadata
from collections import Counter
from dataclasses import dataclass

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from doctests import builddata
from doctests.spec.report import Report


@dataclass(frozen=True)
class Versions:
    """The versions a reader needs to place the pages."""

    shown: str  # the Starlette whose behaviour the pages show: "0.29.0"
    shown_checked: int  # examples of its behaviour the run checked
    shown_statuses: dict[str, int]  # of those, how many passed, failed, were skipped
    shown_tags: list[str]  # the tags those examples carry
    starlette: str  # installed Starlette
    fastapi: str  # installed FastAPI
    fastapi_needs: SpecifierSet  # the Starlette versions FastAPI's metadata accepts


def requirement(distribution: str, needed: str) -> SpecifierSet:
    """The version specifier of `distribution`'s unconditional requirement on `needed`, from its metadata."""
    for line in importlib.metadata.requires(distribution) or []:
        parsed = Requirement(line)
        if parsed.name.lower() == needed and parsed.marker is None:
            return parsed.specifier
    raise LookupError(f"{distribution}'s metadata has no unconditional requirement on {needed}")


def read() -> Versions:
    """The versions, read now; `MissingInput` if the 0.29 run's report is missing."""
    old = Report.read(builddata.COMPAT_STARLETTE_029)
    distribution, _, version = old.version.partition(" ")
    if distribution != "starlette":
        raise ValueError(f"{builddata.COMPAT_STARLETTE_029.target} is a run of {old.version}, not of Starlette")
    checked = [e for e in old.examples if e["selected"]]
    return Versions(
        shown=version,
        shown_checked=len(checked),
        shown_statuses=dict(Counter(e["status"] for e in checked)),
        shown_tags=old.require_tags,
        starlette=importlib.metadata.version("starlette"),
        fastapi=importlib.metadata.version("fastapi"),
        fastapi_needs=requirement("fastapi", "starlette"),
    )


def render() -> str:
    """The home page's table: the behaviour shown, today's releases, and what FastAPI requires."""
    v = read()
    tags = " and ".join(f"`{tag}`" for tag in v.shown_tags) or "any tag"
    counts = ", ".join(f"{count} {status}" for status, count in sorted(v.shown_statuses.items()))
    passes = f"of the {v.shown_checked} examples tagged {tags}, {counts}"
    accepts = "accepts" if v.fastapi_needs.contains(v.shown) else "does not accept"
    return "\n".join(
        [
            "| What | Version | From |",
            "| --- | --- | --- |",
            f"| The behaviour these pages show | Starlette {v.shown} | "
            f"`{builddata.COMPAT_STARLETTE_029.target}`: {passes} |",
            f"| Today's Starlette | {v.starlette} | installed package metadata |",
            f"| Today's FastAPI | {v.fastapi} | installed package metadata |",
            f"| The Starlette that FastAPI {v.fastapi} requires | `starlette{v.fastapi_needs}` | "
            f"FastAPI's `Requires-Dist` (it {accepts} Starlette {v.shown}) |",
            "",
        ]
    )
