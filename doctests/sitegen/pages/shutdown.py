"""The "Shut down gracefully" table: what client, app and uvicorn did on SIGINT and SIGTERM.

Reads `builddata.SHUTDOWN` (`doctests/measure/shutdown.py`); one row per
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


def uvicorn_text(case: dict[str, Any]) -> str:
    after = f", {case['uvicorn_after']:g} s after the signal" if case["uvicorn_after"] is not None else ""
    logged = problems(case["log"])
    return str(case["uvicorn"]) + after + (f"; logged {code(logged)}" if logged else "")


def rows(cases: list[dict[str, Any]]) -> list[str]:
    """One row per app and timeout; the two signals share it when client, app and lifespan saw the same."""
    groups: dict[tuple[str, float | None], list[dict[str, Any]]] = {}
    for case in cases:
        groups.setdefault((case["app"], case["timeout_graceful_shutdown"]), []).append(case)
    lines = []
    for (app, grace), group in groups.items():
        seen = {(case["client"], tuple(case["app_saw"]), case["lifespan_shutdown"]) for case in group}
        parts = [group] if len(seen) == 1 else [[case] for case in group]
        for part in parts:
            first = part[0]
            signals = ", ".join(case["signal"] for case in part)
            uvicorn = "<br>".join(f"{case['signal']}: {uvicorn_text(case)}" for case in part)
            cells = [
                APPS.get(app, app),
                "unset" if grace is None else f"`{grace:g}`",
                signals,
                code([first["client"]]),
                code(first["app_saw"]),
                first["lifespan_shutdown"],
                uvicorn,
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def render(path: Path | None = None) -> str:
    document = SHUTDOWN.read_document(path)
    data = document["data"]
    lines = [describe(document["environment"])]
    backends = dict.fromkeys(case["backend"] for case in data["cases"])
    for backend in backends:
        lines += [
            "",
            f'#### uvicorn `ws="{backend}"`',
            "",
            "| The app | Graceful timeout | Signal | The client got | The app saw | `lifespan.shutdown` | uvicorn |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            *rows([case for case in data["cases"] if case["backend"] == backend]),
        ]
    return "\n".join(lines) + "\n"
