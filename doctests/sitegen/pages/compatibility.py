"""The Compatibility page: where today's Starlette and FastAPI diverge from the reference, and why.

It reads the JSON reports of two real runs of the spec check, made before
the site is built (`make compat` does both):

    python -m doctests --impl starlette.websockets --report ...    # builddata.COMPAT_STARLETTE
    python -m doctests --impl fastapi.websockets --report ...      # builddata.COMPAT_FASTAPI

and Starlette 0.29.0's run (`builddata.COMPAT_STARLETTE_029`, made in
`.venv-oracle`). A divergence is an example that fails with the
implementation (the reference passes them all: `make doctest` checks it):
its outcome is `different` or `missing`. An `equivalent` example (an equal
value or the expected exception's subclass, spelt otherwise) passed, so it
is no divergence; the first table counts them apart. Its "why" comes from `CAUSES`
(`doctests.spec.causes`, which the release-by-release history shares):
each cause is a difference read from the installed package, with a test on
the example's expected and actual text. A divergence no cause matches is
shown as unexplained, never given a made-up reason.

The causes are checked against the runs, not trusted:

* a cause no divergence matches is not shown;
* a cause that says what Starlette 0.29.0 does (`Cause.starlette_029`) is
  checked against the 0.29.0 run for every divergence it explains, and the
  page is refused (`CauseClaimError`) if 0.29.0 did otherwise.
"""

from __future__ import annotations

import html
import importlib.metadata
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doctests import ROOT, builddata
from doctests.spec.causes import CAUSES, Cause, Claim, classify
from doctests.spec.causes import MODULE as CAUSES_MODULE
from doctests.spec.report import Report

PAGE = "docs/concepts/compatibility.md"
PAGE_MODULE = "doctests/sitegen/pages/compatibility.py"


@dataclass(frozen=True)
class Run:
    """One implementation's report, as the page needs it."""

    label: str  # "Starlette"
    output: builddata.Output[dict[str, Any]]
    distribution: str  # whose installed version the report must match


RUNS = (
    Run("Starlette", builddata.COMPAT_STARLETTE, "starlette"),
    Run("FastAPI", builddata.COMPAT_FASTAPI, "fastapi"),
)
OLD_RUN = builddata.COMPAT_STARLETTE_029


class CauseClaimError(ValueError):
    """A cause's statement about Starlette 0.29.0 is contradicted by the 0.29.0 run."""


def shown(path: Path) -> str:
    """`path` relative to the repository when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def load(run: Run) -> Report:
    """A run's report; an error naming the make target if it is missing or made with another version."""
    report = Report.read(run.output)
    installed = f"{run.distribution} {importlib.metadata.version(run.distribution)}"
    if report.version != installed:
        raise builddata.MissingInput(
            f"{run.output.target} was made with {report.version}, but {installed} is installed: "
            f"remake it with `make {run.output.target}`"
        )
    return report


def divergences(report: Report) -> dict[tuple[str, int], dict[str, Any]]:
    """(file, line) -> record of each example that failed."""
    return {(e["file"], e["line"]): e for e in report.examples if e["status"] == "failed"}


def anchor(file: str, line: int) -> str:
    return "compat-" + re.sub(r"[^a-z0-9]+", "-", f"{file}-{line}".lower()).strip("-")


def link(file: str, line: int) -> str:
    """`file:line`, linked to the page when the example is on one."""
    where = f"`{file}:{line}`"
    if file.startswith("docs/") and file.endswith(".md"):
        target = Path(file).relative_to("docs")
        return f"[{where}](../{target.as_posix()})"
    return where


def pre(text: str | None) -> str:
    shown = (text or "").rstrip("\n") or "(no output, no exception)"
    # Wrapped, so that two long error lines side by side stay readable.
    return f'<pre><code style="white-space: pre-wrap; overflow-wrap: anywhere">{html.escape(shown)}</code></pre>'


def render() -> str:
    reports = [load(run) for run in RUNS]
    old = load_old(reports[0])
    found = [divergences(report) for report in reports]
    check_claims(found, old)
    keys = sorted(set().union(*found))
    parts = [intro(reports, old), tag_table(reports, found), cause_table(found, old)]
    parts.append("## Every divergence\n")
    for key in keys:
        parts.append(divergence(key, [f.get(key) for f in found], old))
    return "\n".join(parts)


def load_old(today: Report) -> Report:
    """Starlette 0.29.0's run; `MissingInput` if it is missing or ran other examples than `today`'s."""
    old = Report.read(OLD_RUN)
    if examples_of(old) != examples_of(today):
        raise builddata.MissingInput(f"{OLD_RUN.target} is out of date: remake it with `make {OLD_RUN.target}`")
    return old


def product(report: Report) -> str:
    """The run's product and version: `Starlette 0.29.0` for the version `starlette 0.29.0`."""
    distribution, _, version = report.version.partition(" ")
    label = next((run.label for run in RUNS if run.distribution == distribution), distribution)
    return f"{label} {version}"


def why(cause: Cause, old: Report) -> str:
    """The cause's text, with `{old}` naming the 0.29 run's version."""
    return cause.why.replace("{old}", product(old))


def check_claims(found: list[dict[tuple[str, int], dict[str, Any]]], old: Report) -> None:
    """Refuse the page if a cause's statement about 0.29 is contradicted by the 0.29 run.

    For each divergence a cause explains: `Claim.AS_REFERENCE` needs 0.29 to
    pass the example (it agrees with the reference there); `Claim.AS_TODAY`
    needs 0.29's output to be the diverging run's output.
    """
    by_key = {(e["file"], e["line"]): e for e in old.examples}
    for divergent in found:
        for key, example in sorted(divergent.items()):
            cause = classify(example)
            if cause is None or cause.starlette_029 is Claim.NONE:
                continue
            then = by_key[key]
            if cause.starlette_029 is Claim.AS_REFERENCE:
                holds, did = then["status"] == "passed", f"{then['status']} ({then['reason'] or 'no reason'})"
            else:
                holds, did = then["got"] == example["got"], f"gave {then['got']!r}, not {example['got']!r}"
            if not holds:
                raise CauseClaimError(
                    f"cause {cause.id!r} {cause.starlette_029.value}, but at {key[0]}:{key[1]} "
                    f"{product(old)} {did} in {OLD_RUN.target}: correct the cause in {CAUSES_MODULE}"
                )


def intro(reports: list[Report], old: Report) -> str:
    lines = [
        "| Run | Version | Examples | Same | Equivalent | Diverge |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for report in reports:
        outcomes = Counter(e["outcome"] for e in report.examples)
        lines.append(
            f"| `python -m doctests --impl {report.implementation}` | {report.version} | "
            f"{len(report.examples)} | {outcomes['same']} | {outcomes['equivalent']} | "
            f"{outcomes['different'] + outcomes['missing']} |"
        )
    names = [
        f"`{name}` is `{where}`" for name, where in sorted(reports[1].swapped.items()) if name in reports[0].swapped
    ]
    same = all(reports[1].swapped.get(name) == where for name, where in reports[0].swapped.items())
    text = "\n".join(lines) + "\n\n"
    spelling = Counter(note for e in reports[0].examples if e["outcome"] == "equivalent" for note in e["spelling"])
    if spelling:
        notes = "; ".join(f"{note} ({count})" for note, count in spelling.most_common())
        text += (
            f"An equivalent example gives the reference's value or exception, spelt otherwise; in the "
            f"{RUNS[0].label} run: {notes}. Equivalent examples pass: they are not divergences.\n\n"
        )
    text += f"In the FastAPI run, {', '.join(names)}"
    text += ": FastAPI re-exports Starlette's classes, so its results are Starlette's.\n" if same else ".\n"
    for run, report in zip(RUNS, reports, strict=True):
        if report.kept:
            kept = ", ".join(f"`{name}`" for name in report.kept)
            text += f"\n`{report.implementation}` has no {kept}: the {run.label} run kept the reference's.\n"
    counted = [e for e in old.examples if e["selected"]]
    failed = sum(e["status"] == "failed" for e in counted)
    tags = " and ".join(f"`{tag}`" for tag in old.require_tags) or "any tag"
    text += (
        f"\nFor comparison, {product(old)} itself (`make spec-oracle`) "
        f"fails {failed} of the {len(counted)} examples tagged {tags} it is checked on.\n"
    )
    return text


def examples_of(report: Report) -> set[tuple[str, int, str]]:
    """Where each example of a run is, and its source: two runs of the same docs agree on these."""
    return {(e["file"], e["line"], e["source"]) for e in report.examples}


def tag_table(reports: list[Report], found: list[dict[tuple[str, int], dict[str, Any]]]) -> str:
    tags = Counter(tag for e in reports[0].examples for tag in e["tags"])
    header = "| Tag | Examples | " + " | ".join(f"{run.label} diverges" for run in RUNS) + " |"
    lines = ["## Divergences per tag\n", header, "| --- | ---: |" + " ---: |" * len(RUNS)]
    for tag, total in sorted(tags.items()):
        counts = [sum(tag in e["tags"] for e in f.values()) for f in found]
        lines.append(f"| `{tag}` | {total} | " + " | ".join(map(str, counts)) + " |")
    return "\n".join(lines) + "\n"


def cause_table(found: list[dict[tuple[str, int], dict[str, Any]]], old: Report) -> str:
    """One row per cause that explains at least one divergence, and the unexplained ones."""
    lines = [
        "## Causes\n",
        "Each cause is a difference read from the installed package; a divergence is put under the first "
        f"cause whose test matches its expected and actual text. A cause that says what {product(old)} does "
        f"is checked against {product(old)}'s own run, and a cause that explains no divergence is not listed.\n",
        "| Cause | Why | " + " | ".join(run.label for run in RUNS) + " |",
        "| --- | --- |" + " ---: |" * len(RUNS),
    ]
    for cause in CAUSES:
        counts = [sum(classify(e) is cause for e in f.values()) for f in found]
        if any(counts):
            lines.append(f"| {cause.title} | {why(cause, old)} | " + " | ".join(map(str, counts)) + " |")
    unexplained = [sum(classify(e) is None for e in f.values()) for f in found]
    lines.append("| **Unexplained** | No known cause matches. | " + " | ".join(map(str, unexplained)) + " |")
    return "\n".join(lines) + "\n"


def divergence(key: tuple[str, int], records: list[dict[str, Any] | None], old: Report) -> str:
    file, line = key
    first = next(record for record in records if record is not None)
    causes = {id(classify(r)): classify(r) for r in records if r is not None}
    reasons = "; ".join(
        f"**Why: {cause.title}.** {why(cause, old)}"
        if cause
        else "**Unexplained:** no known cause matches this difference."
        for cause in causes.values()
    )
    tags = ", ".join(f"`{tag}`" for tag in first["tags"])
    head = f"### {file}:{line} {{#{anchor(file, line)}}}\n\n{link(file, line)} · tags {tags}\n\n"
    source = "```python\n" + str(first["source"]).rstrip("\n") + "\n```\n\n"
    columns: list[tuple[str, str | None]] = [("Reference (the page)", first["expected"])]
    seen: list[str | None] = []
    for run, record in zip(RUNS, records, strict=True):
        got = record["got"] if record else None
        if record is None:
            columns.append((run.label, "(passes in this run)"))
        elif got in seen:
            columns[-1] = (f"{columns[-1][0]} and {run.label}", columns[-1][1])
        else:
            columns.append((run.label, got))
        seen.append(got)
    width = f"{100 // len(columns)}%"
    table = '<table style="table-layout: fixed; width: 100%">\n<tr>'
    table += "".join(f'<th style="width: {width}">{html.escape(label)}</th>' for label, _ in columns) + "</tr>\n"
    table += "<tr>" + "".join(f"<td>{pre(text)}</td>" for _, text in columns) + "</tr>\n</table>\n"
    return head + source + table + f"\n{reasons}\n"
