"""Generate the tables of the "What servers do" page from the probe's measurements.

`render()` reads `build/servers.json`, which `doctests/measure/probe.py` writes
from real runs of uvicorn, and returns Markdown: the cases, then one table per
backend. Nothing here is typed by hand except the column headings.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from doctests.builddata import SERVERS, describe

# Most cases begin with these two notes; the page says so once instead of in every row.
OPENING = ["receive() → websocket.connect", "send(websocket.accept) returned"]
ACCEPTED = "<em>(accepted)</em>"


def cell(notes: list[str]) -> str:
    """Notes as one table cell: each as HTML-escaped code on a line of its own, pipes made safe."""
    if not notes:
        return "(nothing)"
    shown = (note if note == ACCEPTED else f"<code>{html.escape(note, quote=False)}</code>" for note in notes)
    return "<br>".join(line.replace("|", "&#124;") for line in shown)


def backend_table(cases: list[dict[str, str]], results: dict[str, Any]) -> list[str]:
    """One backend's table: a row per case with what the app and the client observed."""
    lines = ["| Case | The app observes | The client observes |", "| --- | --- | --- |"]
    for case in cases:
        result = results[case["id"]]
        app = result["app"]
        if app[: len(OPENING)] == OPENING:
            app = [ACCEPTED, *app[len(OPENING) :]]
        lines.append(f"| {case['title']} | {cell(app)} | {cell(result['client'])} |")
    return lines


def render(path: Path | None = None) -> str:
    """Return the Markdown tables for the measurements in `path`.

    Raises:
        MissingInput: `path` does not exist; the message names the make target that makes it.
    """
    document = SERVERS.read_document(path)
    data = document["data"]
    lines = [
        f"{describe(document['environment'])} `ws_max_size` was {data['config']['ws_max_size']} bytes "
        f"and every wait was limited to {data['config']['wait_seconds']:g} s. "
        f"In the tables, *(accepted)* stands for the app receiving `websocket.connect` and its "
        f"`websocket.accept` returning.",
        "",
        "| Case | What the probe does |",
        "| --- | --- |",
        *(f"| {case['title']} | {case['does']} |" for case in data["cases"]),
    ]
    for backend, results in data["backends"].items():
        lines += ["", f'### uvicorn `ws="{backend}"`', "", *backend_table(data["cases"], results)]
    return "\n".join(lines) + "\n"
