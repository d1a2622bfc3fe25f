"""uvicorn's keepalive settings as the installed uvicorn defines them: option, `Config` argument, default.

Read at build time from uvicorn's command (`uvicorn.main.main`, a click
command) and `uvicorn.Config`'s signature, so the page follows the installed
release. `option_table` serves the shutdown page too.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import uvicorn

PINGS = ("ws_ping_interval", "ws_ping_timeout")


def config_defaults() -> dict[str, Any]:
    """`uvicorn.Config`'s keyword defaults."""
    parameters = inspect.signature(uvicorn.Config.__init__).parameters
    return {name: parameter.default for name, parameter in parameters.items() if name != "self"}


def cli_options() -> dict[str, Any]:
    """uvicorn's command-line options by parameter name (click `Option`s)."""
    command = importlib.import_module("uvicorn.main").main
    return {parameter.name: parameter for parameter in command.params}


def shown(value: object) -> str:
    return f"`{value!r}`"


def option_table(names: tuple[str, ...]) -> str:
    """A Markdown table: command-line option, `Config` argument, default, uvicorn's own help text."""
    defaults, options = config_defaults(), cli_options()
    lines = [
        f"With uvicorn {uvicorn.__version__}:",
        "",
        "| Command line | `uvicorn.Config` / `uvicorn.run` | Default | uvicorn's help |",
        "| --- | --- | --- | --- |",
    ]
    for name in names:
        option = options[name]
        lines.append(f"| `{option.opts[0]}` | `{name}=` | {shown(defaults[name])} | {option.help} |")
    return "\n".join(lines) + "\n"


def worst_case() -> float | None:
    """How long, at most, uvicorn's defaults let a vanished client go unnoticed: interval + timeout."""
    defaults = config_defaults()
    if defaults["ws_ping_interval"] is None or defaults["ws_ping_timeout"] is None:
        return None
    return float(defaults["ws_ping_interval"]) + float(defaults["ws_ping_timeout"])


def render() -> str:
    table = option_table(PINGS)
    total = worst_case()
    if total is None:
        return table
    return (
        table + f"\nWith these defaults, a client that vanishes is noticed at most {total:g} s later "
        "(the next ping is due within the interval, and its pong is then awaited for the timeout).\n"
    )
