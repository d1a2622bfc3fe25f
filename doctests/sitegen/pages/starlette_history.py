"""Starlette, release by release: the spec check against each Starlette minor, and what FastAPI accepts.

Reads `builddata.STARLETTE_HISTORY` (`doctests.measure.history`; `make
history` checks every release, `builddata.STARLETTE_HISTORY.target` a subset)
and shows which set it holds, one row per release checked with its counts, the
release where each behaviour change first shows (with its cause's title from
`doctests.spec.causes`), and the Starlette range each FastAPI minor requires.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from packaging.specifiers import Specifier, SpecifierSet

from doctests import builddata
from doctests.spec.causes import BY_ID

# Lower bounds first when a range is shown.
OPERATOR_ORDER = ("===", "==", "~=", ">=", ">", "!=", "<=", "<")


def shown_range(text: str) -> str:
    """A specifier set with its lower bound first: `>=0.27.0, <0.28.0`."""
    specifiers: list[Specifier] = sorted(SpecifierSet(text), key=lambda s: OPERATOR_ORDER.index(s.operator))
    return ", ".join(str(s) for s in specifiers) or "any"


def where(key: str) -> str:
    """An unexplained divergence's `file:line`, linked to its page when it is on one."""
    file = key.rpartition(":")[0]
    if file.startswith("docs/") and file.endswith(".md"):
        return f"[`{key}`](../{file.removeprefix('docs/')})"
    return f"`{key}`"


def behaviour(change: dict[str, Any], tags: dict[str, list[str]]) -> str:
    """A change's name: its cause's title, or the unexplained example's place and tags."""
    cause = change["cause"]
    if cause is not None:
        return BY_ID[cause].title if cause in BY_ID else f"`{cause}`"
    labels = ", ".join(f"`{tag}`" for tag in tags.get(change["key"], []))
    return f"Unexplained: {where(change['key'])}" + (f" (tags {labels})" if labels else "")


def example_tags(data: dict[str, Any]) -> dict[str, list[str]]:
    """`file:line` -> tags, for every unexplained divergence in the file."""
    return {
        f"{d['file']}:{d['line']}": list(d.get("tags", []))
        for run in data["releases"]
        for d in run["divergences"]
        if d["cause"] is None
    }


def which_set(data: dict[str, Any]) -> str:
    """What the file holds: every release, or which subset and why."""
    minors: list[str] = data["minors"]
    checked = [run["version"] for run in data["releases"]]
    span = (
        f"the newest release of each Starlette minor from {data['first_minor']} to today ({minors[0]} … {minors[-1]})"
    )
    if data["set"] == "all":
        return f"This page shows **all {len(minors)} releases**: {span}. `make history` made it."
    left = [v for v in minors if v not in checked]
    sample = ", ".join(data["sample"])
    text = (
        f"This page shows **a subset: {len(checked)} of the {len(minors)} releases** ({span}), "
        f"made by `make {builddata.STARLETTE_HISTORY.target}` (`python -m doctests.measure.history --subset`): "
        f"the first and the latest, the minors {sample}"
    )
    if data.get("transitions"):
        text += (
            f", and each release whose divergences differed from the release before it in the full run of "
            f"{data.get('transitions_from')} ({', '.join(data['transitions'])})"
        )
    text += (
        f". `make history` checks all of them; not checked here: {', '.join(left) or 'none'}. "
        "A behaviour's first release below is the first *of the releases checked* that shows it."
    )
    return text


def intro(document: builddata.Document) -> str:
    data = document["data"]
    flags = " ".join(data["spec_flags"])
    return (
        f"{which_set(data)}\n\n"
        f"Each release is installed on its own (`pip install --no-deps --target build/starlette-history/<version>`) "
        f"and checked with `PYTHONPATH=build/starlette-history/<version> python -m doctests {flags}`, the flags of "
        "the [Compatibility](../concepts/compatibility.md) runs, beside this site's other packages. The counts are "
        "of every example; the examples show Starlette 0.29.0's behaviour unless a tag says otherwise, so a failure "
        "is a divergence from the pages, put under a known cause where one matches.\n\n"
        f"The examples tagged `fastapi` use the installed FastAPI {data['installed_fastapi']}, which requires "
        f"`starlette{shown_range(data['installed_fastapi_needs'])}`: with a release outside that range they run "
        "a combination FastAPI does not support, and their failures are not Starlette's (column *FastAPI "
        f"{data['installed_fastapi']} accepts it*).\n\n"
        f"{builddata.describe(document['environment'])} The whole run took {data['seconds']:g} s.\n"
    )


def release_table(data: dict[str, Any], tags: dict[str, list[str]]) -> str:
    runs: list[dict[str, Any]] = data["releases"]
    changes: list[dict[str, Any]] = data["changes"]
    oldest = runs[0]["version"] if runs else ""
    needs = SpecifierSet(data["installed_fastapi_needs"])
    lines = [
        "## Releases\n",
        f"| Release | Passed | Failed | Unexplained | FastAPI {data['installed_fastapi']} accepts it | Changes here |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for run in runs:
        version = run["version"]
        notes = [f"starts: {behaviour(c, tags)}" for c in changes if c["first"] == version and version != oldest]
        notes += [f"ends: {behaviour(c, tags)}" for c in changes if c["until"] == version]
        accepts = "yes" if needs.contains(version, prereleases=True) else "no"
        lines.append(
            f"| {version} | {run['passed']} | {run['failed']} | {run['causes'].get('unexplained', 0)} | {accepts} | "
            + ("<br>".join(notes) or "")
            + " |"
        )
    return "\n".join(lines) + "\n"


def change_table(data: dict[str, Any], tags: dict[str, list[str]]) -> str:
    runs: list[dict[str, Any]] = data["releases"]
    latest = runs[-1]["version"] if runs else ""
    oldest = runs[0]["version"] if runs else ""
    lines = [
        "## Behaviour changes\n",
        "Each behaviour the spec check sees diverge from the pages: a known cause, or an unexplained example. "
        f"It changed at its first release when that is not the oldest checked ({oldest}), and again where "
        "the pages agree once more.\n",
        "| Behaviour | First release showing it | Last release showing it | Agrees again from | Releases |",
        "| --- | --- | --- | --- | ---: |",
    ]
    ordered = sorted(data["changes"], key=lambda c: [r["version"] for r in runs].index(c["first"]))
    for change in ordered:
        first = change["first"] + (" (oldest checked)" if change["first"] == oldest else "")
        last = change["last"] + (" (latest)" if change["last"] == latest else "")
        lines.append(
            f"| {behaviour(change, tags)} | {first} | {last} | {change['until'] or '—'} | "
            f"{change['releases']} of {len(runs)} |"
        )
    return "\n".join(lines) + "\n"


def grouped(ranges: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Consecutive FastAPI minors that require the same Starlette range, together."""
    groups: list[list[dict[str, Any]]] = []
    for row in ranges:
        if groups and SpecifierSet(groups[-1][-1]["starlette"]) == SpecifierSet(row["starlette"]):
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def fastapi_table(data: dict[str, Any]) -> str:
    ranges: list[dict[str, Any]] = data["fastapi"]
    lines = [
        "## Which Starlette each FastAPI accepts\n",
        "The newest release of each FastAPI minor, from the first whose requirement admits Starlette "
        f"{data['first_minor']} or later to today, with its `Requires-Dist` on Starlette read from the metadata "
        "PyPI publishes. Consecutive minors with the same range share a row.\n",
        "| FastAPI | Requires Starlette | Releases of this page it accepts |",
        "| --- | --- | --- |",
    ]
    for group in grouped(ranges):
        first, last = group[0]["fastapi"], group[-1]["fastapi"]
        names = first if first == last else f"{first} … {last} ({len(group)} minors)"
        admits = group[0]["admits"]
        accepted = f"{admits[0]} … {admits[-1]} ({len(admits)})" if len(admits) > 2 else ", ".join(admits) or "none"
        lines.append(f"| {names} | `{shown_range(group[0]['starlette'])}` | {accepted} |")
    return "\n".join(lines) + "\n"


def render(output: builddata.Output[dict[str, Any]] = builddata.STARLETTE_HISTORY) -> str:
    """The page's generated part; `MissingInput` names the make target if the file is missing."""
    document = output.read_document()
    data = document["data"]
    tags = example_tags(data)
    return "\n".join([intro(document), release_table(data, tags), change_table(data, tags), fastapi_table(data)])
