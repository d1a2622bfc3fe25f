"""No word from the project's making where a reader sees it: "seed" and "field notes" name no version.

Scans the page sources, the nav, the reference's source (shown on the
reference pages) and the page generators' output, and names file:line.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import doctests.sitegen.pages
from doctests import ROOT
from doctests.builddata import MissingInput

WORDS = re.compile(r"\bseed\b|field notes", re.IGNORECASE)
SOURCES = sorted([*(ROOT / "docs").rglob("*.md"), ROOT / "mkdocs.yml", *(ROOT / "reference_impl").glob("*.py")])
GENERATORS = sorted(module.name for module in pkgutil.iter_modules(doctests.sitegen.pages.__path__))


def hits(text: str, where: str) -> list[str]:
    """`where:line: text` for each line of `text` with one of the words."""
    return [
        f"{where}:{number}: {line.strip()}" for number, line in enumerate(text.splitlines(), 1) if WORDS.search(line)
    ]


def test_the_scan_finds_the_words() -> None:
    assert hits("a\nthe Seed page\nfield  notes\nField notes here\nseedling", "x.md") == [
        "x.md:2: the Seed page",
        "x.md:4: Field notes here",
    ]


def test_no_reader_visible_source_says_seed_or_field_notes() -> None:
    found = [hit for path in SOURCES for hit in hits(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", GENERATORS)
def test_no_generated_page_part_says_seed_or_field_notes(name: str) -> None:
    module = importlib.import_module(f"doctests.sitegen.pages.{name}")
    try:
        text = str(module.render())
    except MissingInput as missing:
        pytest.skip(str(missing))
    found = hits(text, f"<!-- generate: {name} -->")
    assert not found, "\n".join(found)


def test_the_built_site_if_any_says_neither() -> None:
    site = ROOT / "site"
    if not site.is_dir():
        pytest.skip("no site/ built")
    found = [
        hit
        for path in sorted(site.rglob("*.html"))
        for hit in hits(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")), str(Path(path).relative_to(ROOT)))
    ]
    assert not found, "\n".join(found)
