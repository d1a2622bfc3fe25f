"""The "Shut down gracefully" table: what client, app and uvicorn did on SIGINT and SIGTERM.

Reads `build/shutdown.json` (`doctests/measure/shutdown.py`); one row per
backend, app behaviour, `--timeout-graceful-shutdown` and signal. Nothing is
typed here but the headings and the two app descriptions.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from doctests.builddata import SHUTDOWN, describe

APPS = {
    "listening": "waits in `receive()`, then tries `close(1001)`",
    "busy": "works without reading (a long `sleep`)",
}


def code(texts: list[str]) -> str:
    if not texts:
        return "(nothing)"
    return "<br>".join(f"<code>{html.escape(text, quote=False)}</code>".replace("|", "&#124;") for text in texts)


def problems(log: list[str]) -> list[str]:
    """uvicorn's ERROR and WARNING lines, without the level prefix."""
    return [line.split(":", 1)[1].strip() for line in log if line.startswith(("ERROR", "WARNING"))]


def row(case: dict[str, Any]) -> str:
    grace = case["timeout_graceful_shutdown"]
    after = f", {case['uvicorn_after']:g} s after the signal" if case["uvicorn_after"] is not None else ""
    cells = [
        f"`{case['backend']}`",
        APPS.get(case["app"], case["app"]),
        "unset" if grace is None else f"`{grace:g}`",
        case["signal"],
        code([case["client"]]),
        code(case["app_saw"]),
        case["lifespan_shutdown"],
        case["uvicorn"] + after,
        code(problems(case["log"])) if problems(case["log"]) else "",
    ]
    return "| " + " | ".join(cells) + " |"


def render(path: Path | None = None) -> str:
    document = SHUTDOWN.read_document(path)
    data = document["data"]
    lines = [
        describe(document["environment"]),
        "",
        "| Backend | The app | `--timeout-graceful-shutdown` | Signal | The client got | The app saw "
        "| `lifespan.shutdown` | uvicorn | uvicorn logged (errors) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(row(case) for case in data["cases"]),
    ]
    return "\n".join(lines) + "\n"
