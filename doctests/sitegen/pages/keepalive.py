"""The "Find dead connections" table: how long the app took to learn that its client vanished.

Reads `builddata.KEEPALIVE` (`doctests/measure/keepalive.py`): per uvicorn
backend, with short pings and with pings off, what the app's `receive()`
returned and how long after the client went silent. Nothing is typed here
but the headings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from doctests.builddata import KEEPALIVE, describe


def learned_text(setting: dict[str, Any]) -> str:
    """ "after 1.0 s (median of 3; at most 1.0 s)", or "not within 5 s (3 runs)"."""
    runs = setting["runs"]
    if setting["median_seconds"] is None:
        learned = sum(run["learned"] for run in runs)
        if learned == 0:
            return f"**no**: nothing within {setting['waited_at_most']:g} s, in {len(runs)} of {len(runs)} runs"
        return f"in {learned} of {len(runs)} runs only"
    return (
        f"after {setting['median_seconds']:.2f} s (median of {len(runs)} runs; at most {setting['max_seconds']:.2f} s)"
    )


def saw_text(setting: dict[str, Any]) -> str:
    seen = sorted({run["app_saw"] for run in setting["runs"]})
    return "<br>".join(f"`{text}`" for text in seen)


def render(path: Path | None = None) -> str:
    document = KEEPALIVE.read_document(path)
    data = document["data"]
    config = data["config"]
    lines = [
        f"{describe(document['environment'])}",
        "",
        f"Pings on: `ws_ping_interval={config['ping_interval']:g}`, `ws_ping_timeout={config['ping_timeout']:g}`. "
        f"Times are counted from the moment the relay went silent, right after the handshake.",
        "",
        "| Backend | Pings | Did the app learn? | What `receive()` returned |",
        "| --- | --- | --- | --- |",
    ]
    for backend, settings in data["backends"].items():
        for key, label in (("pings_on", "on"), ("pings_off", "off")):
            setting = settings[key]
            lines.append(f'| `ws="{backend}"` | {label} | {learned_text(setting)} | {saw_text(setting)} |')
    return "\n".join(lines) + "\n"
