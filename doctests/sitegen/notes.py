"""Generated notes after the examples whose output differs in today's Starlette or FastAPI.

The spec check's reports (`builddata.COMPAT_STARLETTE`,
`builddata.COMPAT_FASTAPI`, read through `doctests.builddata` and
`Report`) record, for every example, the file and line of its first line in
the Markdown source and what the other implementation gave. For each
example that failed there, `insert_notes` puts an admonition

    !!! note "In Starlette 1.10.0 and FastAPI 0.163.2"

right after the closing fence of the code block that holds it, with the
example's first line and the output (or exception line) the run recorded.
The title's versions are the reports' own `version`. Line numbers are those
of the page's source: the hook inserts the notes before anything else
changes the page, and refuses a report whose example is no longer on the
line it names (the report is out of date).

An example whose outcome is `equivalent` (the same value or exception,
spelt otherwise: see `doctests.runner.run`) passed, so it gets no note.
Examples tagged `reference-only` get no note: they show the reference's own
machinery, which no other implementation runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from doctests import builddata
from doctests.spec.report import Report

CLOSING_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?:`{3,}|~{3,})[ \t]*$")
PROMPT = re.compile(r"^[ \t]*(?:>>> ?|\.\.\. ?)?")
SKIPPED_TAGS = frozenset({"reference-only"})


@dataclass(frozen=True)
class Run:
    """A report and the name a reader knows it by ("Starlette 1.10.0"), and the target that remakes it."""

    title: str
    report: Report
    target: str


def title(report: Report, labels: dict[str, str]) -> str:
    """`Starlette 1.10.0` for a report whose version is `starlette 1.10.0` (labels: distribution -> name)."""
    distribution, _, version = report.version.partition(" ")
    return f"{labels.get(distribution, distribution)} {version}"


def code_line(text: str) -> str:
    """A source line without its indentation and `>>>`/`...` prompt."""
    return PROMPT.sub("", text, count=1).rstrip()


def shown_output(record: dict[str, Any]) -> str:
    """What the run gave: its output or exception text, or a word that there was none."""
    got = (record.get("got") or "").rstrip("\n")
    return got or "(no output, no exception)"


def closing_fence(lines: list[str], start: int, where: str) -> int:
    """The index of the first closing fence at or after `start` (0-based); `ValueError` naming `where` if none."""
    for index in range(start + 1, len(lines)):
        if CLOSING_FENCE.match(lines[index]):
            return index
    raise ValueError(f"{where}: no closing fence after the example")


def admonition(heading: str, items: list[tuple[str, str]], indent: str) -> list[str]:
    """The note's lines: each example's first line and what the run gave, as a `text` block."""
    body = indent + "    "
    out = [f'{indent}!!! note "In {heading}"\n']
    for source, output in items:
        out += ["\n", f"{body}`{source}` gives:\n", "\n", f"{body}```text\n"]
        out += [f"{body}{line}\n" if line else "\n" for line in output.splitlines()]
        out.append(f"{body}```\n")
    return out


def insert_notes(markdown: str, file: str, runs: Sequence[Run], first_line: int = 1) -> str:
    """`markdown` (the source of `file`, e.g. `docs/tutorial/json.md`) with a note after each diverging block.

    `first_line` is the source line number of `markdown`'s first line (more
    than 1 when front matter was taken off). Raises `builddata.MissingInput`
    naming the report's target if a record's example is not on its line.
    """
    lines = markdown.splitlines(keepends=True)
    # closing fence index -> example line -> run title -> output
    blocks: dict[int, dict[int, dict[str, tuple[str, str]]]] = {}
    for run in runs:
        for record in run.report.examples:
            if record["file"] != file or record["status"] != "failed" or SKIPPED_TAGS & set(record["tags"]):
                continue
            index = record["line"] - first_line
            expected = code_line(str(record["source"]).splitlines()[0])
            if not 0 <= index < len(lines) or code_line(lines[index]) != expected:
                raise builddata.MissingInput(
                    f"{run.target} is out of date: {file}:{record['line']} no longer holds the example "
                    f"`{expected}`: remake it with `make {run.target}`"
                )
            fence = closing_fence(lines, index, f"{file}:{record['line']}")
            blocks.setdefault(fence, {}).setdefault(index, {})[run.title] = (expected, shown_output(record))
    for fence in sorted(blocks, reverse=True):
        indent = lines[fence][: len(lines[fence]) - len(lines[fence].lstrip(" \t"))]
        # Runs that gave the same output share a note: one note per set of runs.
        by_runs: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        for _, outputs in sorted(blocks[fence].items()):
            groups: dict[tuple[str, str], list[str]] = {}
            for run_title, item in outputs.items():
                groups.setdefault(item, []).append(run_title)
            for item, run_titles in groups.items():
                by_runs.setdefault(tuple(run_titles), []).append(item)
        if not lines[fence].endswith("\n"):
            lines[fence] += "\n"
        note: list[str] = []
        for heading, items in by_runs.items():
            note += ["\n", *admonition(" and ".join(heading), items, indent)]
        lines[fence + 1 : fence + 1] = [*note, "\n"]
    return "".join(lines)
