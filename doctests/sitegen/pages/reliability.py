"""Generate the figures of the Reliability page from the load and fault runs.

`render()` reads `builddata.RELIABILITY` (written by the scaled-down run,
`python -m pytest tests/load`, part of `make test`) and
`builddata.RELIABILITY_STRESS` (written by `make stress`), whichever exist,
and returns Markdown: for each run, its scale, machine and versions, a table of
load rounds and a table of fault rounds, and every problem found. All figures
come from the files; only the headings are typed here.
"""

from __future__ import annotations

import html
from typing import Any

from doctests.builddata import RELIABILITY, RELIABILITY_STRESS, MissingInput, Output, describe

RUNS = (RELIABILITY_STRESS, RELIABILITY)


def text(value: Any) -> str:
    """A value for a table cell: HTML-escaped, pipes made safe."""
    return html.escape(str(value), quote=False).replace("|", "&#124;")


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f}"


def heading(data: dict[str, Any]) -> list[str]:
    """Where, when and with what the run was measured, and its verdict."""
    load = data["scale"].get("load")
    verdict = "every check passed" if data["passed"] else "**some checks failed** (listed below)"
    lines = [f"{describe(data['environment'])} Command: `{data['command']}`. Result: {verdict}."]
    if load:
        lines += [
            "",
            f"Load: {load['clients']} clients × {load['messages']} messages of {load['size']} characters each, "
            f"two identical rounds on one server per app and backend.",
        ]
    if "seconds" in data:
        lines[-1] += f" The whole run took {data['seconds']} s."
    return lines


def load_table(entries: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| App | Backend | Round | Messages received | Seconds | Received per second | Peak RSS (MiB) "
        "| RSS after (MiB) | Tasks after (at start) | Round 2 bound (MiB) |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for entry in entries:
        for number, summary in enumerate(entry["rounds"], 1):
            received = summary.get("deliveries", summary["messages"])
            bound = mib(entry["memory"]["bound_kib"]) if number == 2 else ""
            peak = mib(summary["peak_rss_kib"]) + ("" if summary["peak_is_exact"] else " (since start)")
            lines.append(
                f"| {entry['app']} | {entry['backend']} | {number} | {received:,} | {summary['seconds']} "
                f"| {summary['per_second']:,} | {peak} | {mib(summary['idle_rss_kib'])} "
                f"| {summary['idle_tasks']} ({entry['baseline']['tasks']}) | {bound} |"
            )
    return lines


def never_read(entry: dict[str, Any]) -> str:
    """What the clients that never read saw."""
    result = entry.get("never_read_result")
    if not result:
        return "(not reached)"
    if "sent_before_blocked" in result:
        sent = result["sent_before_blocked"]
        return f"the server stopped reading them after {min(sent):,}–{max(sent):,} messages of {result['size']} bytes"
    return (
        f"one read at the end: {result['received']:,} of {result['of']:,} messages, then close "
        f"{result['close_code']} {result['close_reason']!r}"
    )


def fault_table(entries: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| App | Backend | Well-behaved clients × messages | Dropped / closed / never read | The never-reading clients "
        "| Tasks before → after | fds before → after | RSS before → peak → after (MiB) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for entry in entries:
        rss = entry["rss_kib"]
        lines.append(
            f"| {entry['app']} | {entry['backend']} | {entry['good_clients']} × {entry['messages']} "
            f"| {entry['droppers']} / {entry['closers']} / {entry['never_read']} | {text(never_read(entry))} "
            f"| {entry['tasks'][0]} → {entry['tasks'][1]} | {entry['fds'][0]} → {entry['fds'][1]} "
            f"| {mib(rss[0])} → {mib(entry['peak_rss_kib'])} → {mib(rss[1])} |"
        )
    return lines


def run_section(title: str, data: dict[str, Any]) -> list[str]:
    lines = [f"### {title}", "", *heading(data), ""]
    if data.get("load"):
        lines += [*load_table(data["load"]), ""]
    if data.get("faults"):
        lines += [*fault_table(data["faults"]), ""]
    problems = [p for section in ("load", "faults") for entry in data.get(section, []) for p in entry["problems"]]
    if problems:
        lines += ["Problems found:", "", *(f"- {text(p)}" for p in problems[:50]), ""]
    return lines


def render(runs: tuple[Output[dict[str, Any]], ...] = RUNS) -> str:
    """The Markdown for every run whose results file exists.

    Raises:
        MissingInput: no file exists; the message names the make targets that make them.
    """
    documents = [run.read_document() for run in runs if run.exists()]
    found = [{**document["data"], "environment": document["environment"]} for document in documents]
    if not found:
        targets = " or ".join(f"`make {run.target}`" for run in runs)
        raise MissingInput(f"no load and fault figures: make them with {targets}")
    lines: list[str] = []
    for data in found:
        title = "Stress run" if data["kind"].startswith("stress") else "Scaled-down run"
        lines += run_section(f"{title}: {data['kind']}", data)
    return "\n".join(lines)
