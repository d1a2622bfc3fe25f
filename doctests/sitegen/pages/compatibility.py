"""The Compatibility page: where today's Starlette and FastAPI diverge from the reference, and why.

It reads the JSON reports of two real runs of the spec check, made before
the site is built (`make compat` does both):

    .venv/bin/python -m doctests --impl starlette.websockets --report build/compat-starlette.json
    .venv/bin/python -m doctests --impl fastapi.websockets --report build/compat-fastapi.json

and, if present, the seed's Starlette run (`build/compat-starlette-0.29.json`,
made in `.venv-oracle`). A divergence is an example that fails with the
implementation (the reference passes them all: `make doctest` checks it). Its "why" comes from `CAUSES`:
each cause is a fact from the field notes with a test on the example's
expected and actual text. A divergence no cause matches is shown as
unexplained, never given a made-up reason.
"""

from __future__ import annotations

import html
import importlib.metadata
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doctests import ROOT, builddata
from doctests.spec.report import Report

PAGE = "docs/concepts/compatibility.md"


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


@dataclass(frozen=True)
class Cause:
    """A known reason for a divergence, and how to recognise it in a failure."""

    id: str
    title: str
    why: str
    matches: Callable[[dict[str, Any]], bool]


def _text(example: dict[str, Any], key: str) -> str:
    return example.get(key) or ""


def _same_message_other_class(example: dict[str, Any]) -> bool:
    expected, got = _text(example, "expected"), _text(example, "got")
    return expected.startswith("RuntimeError: ") and got == expected.replace(
        "RuntimeError:", "WebSocketDisconnected:", 1
    )


CONNECTING_ERROR = re.compile(r'Expected ASGI message "websocket\.accept"(?:,| or)')


CAUSES = (
    Cause(
        "websocket-disconnected",
        "`WebSocketDisconnected` instead of `RuntimeError`",
        "Using the connection after a close or disconnect (or before `accept`) raises `WebSocketDisconnected`, "
        "a `RuntimeError` subclass, with the seed's text: `except RuntimeError` still catches it, "
        "only the class name differs.",
        _same_message_other_class,
    ),
    Cause(
        "denial-response-error-text",
        "Three message types in the CONNECTING error",
        "`send()` accepts the denial response extension's `websocket.http.response.start` before `accept`, "
        "so the error for anything else lists three message types instead of the seed's two.",
        lambda e: (
            bool(CONNECTING_ERROR.search(_text(e, "expected")))
            and '"websocket.http.response.start"' in _text(e, "got")
            and '"websocket.http.response.start"' not in _text(e, "expected")
        ),
    ),
    Cause(
        "denial-response-accepted",
        "The denial response is accepted",
        "`websocket.http.response.start` before `accept` is the denial response extension: Starlette sends it "
        "(and enters the `RESPONSE` state) where the seed refuses it with a `RuntimeError`.",
        lambda e: e["reason"] == "expected an exception, got none" and "websocket.http.response.start" in e["source"],
    ),
    Cause(
        "response-state",
        "`WebSocketState.RESPONSE`",
        "`WebSocketState` has a fourth member, `RESPONSE = 3`, the state after a denial response.",
        lambda e: "RESPONSE: 3" in _text(e, "got") and "RESPONSE" not in _text(e, "expected"),
    ),
    Cause(
        "ensure-ascii",
        "`send_json` keeps non-ASCII characters",
        "`send_json` calls `json.dumps(..., ensure_ascii=False)`: non-ASCII characters are sent as they are "
        "(UTF-8 in bytes mode) where the seed escapes them as `\\uXXXX`.",
        lambda e: "\\u00" in _text(e, "expected") and "\\u00" not in _text(e, "got"),
    ),
    Cause(
        "oserror-1006",
        "`OSError` from the server becomes `WebSocketDisconnect(1006)`",
        "In CONNECTED, an `OSError` raised by the server's `send` is turned into `WebSocketDisconnect(code=1006)`; "
        "the seed lets the `OSError` through.",
        lambda e: (
            "OSError" in _text(e, "expected") + e["source"]
            and _text(e, "got").startswith("WebSocketDisconnect\n(code=1006")
        ),
    ),
    Cause(
        "receive-json-mode-first",
        "`receive_json` checks `mode` first",
        "`receive_json` rejects a bad `mode` before it checks the connection state; the seed checks the state first.",
        lambda e: "WebSocket is not connected" in _text(e, "expected") and '"mode" argument' in _text(e, "got"),
    ),
    Cause(
        "url-for-needs-router",
        "`url_for` without a router",
        "`url_for` looks for a router (or app) in the scope and raises a `RuntimeError` saying it needs one; "
        "the seed reads `scope['router']` and raises `KeyError`.",
        lambda e: "KeyError: 'router'" in _text(e, "expected") and "url_for" in _text(e, "got"),
    ),
    Cause(
        "scheme-default",
        "`http` when the scope has no `scheme`",
        "With no `scheme` in the scope Starlette builds an `http://` URL, as 0.29 does; the reference uses "
        "the ASGI default `ws` (a deliberate difference, tag `asgi-2.5`).",
        lambda e: "URL('ws://" in _text(e, "expected") and "URL('http://" in _text(e, "got"),
    ),
    Cause(
        "reference-table",
        "The reference's own table",
        "The example prints what the reference's state table recorded; another implementation does not run "
        "that table, so nothing is recorded (tag `reference-only`).",
        lambda e: "reference-only" in e["tags"] and "Row(" in _text(e, "expected") and not _text(e, "got"),
    ),
)


def classify(example: dict[str, Any]) -> Cause | None:
    """The first known cause whose test matches this failure, or `None`."""
    return next((cause for cause in CAUSES if cause.matches(example)), None)


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
    found = [divergences(report) for report in reports]
    keys = sorted(set().union(*found))
    parts = [intro(reports), tag_table(reports, found), cause_table(found, keys)]
    parts.append("## Every divergence\n")
    for key in keys:
        parts.append(divergence(key, [f.get(key) for f in found]))
    return "\n".join(parts)


def intro(reports: list[Report]) -> str:
    lines = ["| Run | Version | Examples | Passed | Diverge |", "| --- | --- | ---: | ---: | ---: |"]
    for report in reports:
        statuses = Counter(e["status"] for e in report.examples)
        lines.append(
            f"| `python -m doctests --impl {report.implementation}` | {report.version} | "
            f"{len(report.examples)} | {statuses['passed']} | {statuses['failed']} |"
        )
    names = [
        f"`{name}` is `{where}`" for name, where in sorted(reports[1].swapped.items()) if name in reports[0].swapped
    ]
    same = all(reports[1].swapped.get(name) == where for name, where in reports[0].swapped.items())
    text = "\n".join(lines) + "\n\n"
    text += f"In the FastAPI run, {', '.join(names)}"
    text += ": FastAPI re-exports Starlette's classes, so its results are Starlette's.\n" if same else ".\n"
    for run, report in zip(RUNS, reports, strict=True):
        if report.kept:
            kept = ", ".join(f"`{name}`" for name in report.kept)
            text += f"\n`{report.implementation}` has no {kept}: the {run.label} run kept the reference's.\n"
    if OLD_RUN.exists():
        seed = Report.read(OLD_RUN)
        counted = [e for e in seed.examples if e["selected"]]
        failed = sum(e["status"] == "failed" for e in counted)
        if examples_of(seed) != examples_of(reports[0]):
            raise builddata.MissingInput(f"{OLD_RUN.target} is out of date: remake it with `make {OLD_RUN.target}`")
        text += (
            f"\nFor comparison, the seed's own implementation ({seed.version}, `make spec-oracle`) "
            f"fails {failed} of the {len(counted)} seed-spec examples it is checked on.\n"
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


def cause_table(found: list[dict[tuple[str, int], dict[str, Any]]], keys: list[tuple[str, int]]) -> str:
    lines = [
        "## Causes\n",
        "Each cause is a difference read from the installed package (see the field notes); a divergence is "
        "put under the first cause whose test matches its expected and actual text.\n",
        "| Cause | Why | " + " | ".join(run.label for run in RUNS) + " |",
        "| --- | --- |" + " ---: |" * len(RUNS),
    ]
    unexplained = [0] * len(RUNS)
    for cause in CAUSES:
        counts = [sum(classify(e) is cause for e in f.values()) for f in found]
        lines.append(f"| {cause.title} | {cause.why} | " + " | ".join(map(str, counts)) + " |")
    for index, f in enumerate(found):
        unexplained[index] = sum(classify(e) is None for e in f.values())
    lines.append("| **Unexplained** | No known cause matches. | " + " | ".join(map(str, unexplained)) + " |")
    return "\n".join(lines) + "\n"


def divergence(key: tuple[str, int], records: list[dict[str, Any] | None]) -> str:
    file, line = key
    first = next(record for record in records if record is not None)
    causes = {id(classify(r)): classify(r) for r in records if r is not None}
    why = "; ".join(
        f"**Why: {cause.title}.** {cause.why}" if cause else "**Unexplained:** no known cause matches this difference."
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
    return head + source + table + f"\n{why}\n"
