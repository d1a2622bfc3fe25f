"""Collect the scaled-down load and fault results and write them to `build/reliability.json`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .driver import write_results

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "reliability.json"
COMMAND = ".venv/bin/python -m pytest tests/load -p no:cacheprovider"


@pytest.fixture(scope="session")
def results() -> Iterator[dict[str, Any]]:
    """Each test appends its result under "load" or "faults"; the file is written once, at the end.

    The file holds what ran, and says so: a run of only some tests (`-k`)
    writes only those, with the test ids in `ran`.
    """
    collected: dict[str, Any] = {"load": [], "faults": [], "ran": [], "scale": {}}
    yield collected
    if collected["ran"]:
        scale = collected.pop("scale")
        write_results(OUT, "scaled-down (pytest, part of make test)", COMMAND, scale, collected)
