"""What the tests hand to the end-of-run summary, and how they write artifacts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Filled by the tests; conftest's pytest_terminal_summary prints it.
SUMMARY: dict[str, Any] = {}


def write_json(path: Path, data: Any) -> None:
    """Write an artifact as indented JSON."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
