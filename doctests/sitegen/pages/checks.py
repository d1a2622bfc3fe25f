"""The checks `make test` runs, read from the Makefile: the target, what it checks, the command it runs.

The Makefile is the one place that says what runs; this part shows it on the
"How this site is checked" page, so the page cannot list a check that does
not run, or miss one that does.
"""

from __future__ import annotations

import re

from doctests import ROOT

# The Makefile's variables, as a reader would type the command in the project's environment.
SHOWN = {"$(VENV)/bin/": "", "$(ORACLE_PY)": ".venv-oracle/bin/python", "$(PY)": "python", "$(MAKE)": "make"}
# A list the Makefile names, and what it holds, in words.
LISTS = {"GENERATED": "every generated input", "COMPAT": "the compatibility reports"}
FILTER_OUT = re.compile(r"\$\(filter-out (?P<out>[^,]+),\$\((?P<list>\w+)\)\)")
VARIABLE = re.compile(r"\$\((?P<list>\w+)\)")
TARGET = re.compile(r"^(?P<name>[a-z][\w.-]*):(?P<prerequisites>[^=#\n]*?)(?:##\s*(?P<help>.*))?$")


def targets(makefile: str) -> dict[str, tuple[list[str], str, list[str]]]:
    """Target name -> (prerequisites, help text, recipe lines), for the simple targets of `makefile`."""
    found: dict[str, tuple[list[str], str, list[str]]] = {}
    current: list[str] | None = None
    for line in makefile.splitlines():
        match = TARGET.match(line)
        if match:
            current = []
            found[match["name"]] = (match["prerequisites"].split(), (match["help"] or "").strip(), current)
        elif line.startswith("\t") and current is not None:
            current.append(line.strip())
        elif not line.startswith("\t"):
            current = None
    return found


def shown(step: str) -> str:
    """A recipe line with the Makefile's variables written out."""
    for variable, text in SHOWN.items():
        step = step.replace(variable, text)
    step = FILTER_OUT.sub(lambda m: f"({LISTS.get(m['list'], m['list'])} but {m['out']})", step)
    return VARIABLE.sub(lambda m: f"({LISTS.get(m['list'], m['list'])})", step)


def render() -> str:
    """A table of the checks `make test` runs, in the order it runs them."""
    known = targets((ROOT / "Makefile").read_text(encoding="utf-8"))
    checks = [name for name in known["test"][0] if name != "env"]
    lines = ["| `make` target | What it checks | Runs |", "| --- | --- | --- |"]
    for name in checks:
        _, help_text, recipe = known[name]
        steps = [shown(step) for step in recipe if not step.startswith("@")]
        runs = "<br>".join(f"`{step}`" for step in steps) or "(its prerequisites)"
        lines.append(f"| `make {name}` | {help_text} | {runs.replace('|', '&#124;')} |")
    return "\n".join(lines) + "\n"
