"""The accessibility of what the site generator writes, checked without a browser.

The browser tests (tests/browser/test_a11y.py, test_keyboard.py) check the
built pages; these check the sources of that markup: the table regions, the
state diagram's text alternative, and that the theme partials copied into
docs/overrides/theme still match the theme's own but for their one fix.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import material
import pytest

from doctests import ROOT
from doctests.sitegen import hooks as mkdocs_hooks
from doctests.sitegen.pages import state_diagram, transitions_table
from doctests.sitegen.regions import RegionNamer, wrap_tables
from reference_impl.transitions import TABLE, Side

THEME_PARTIALS = Path(material.__file__).parent / "templates" / "partials"
OVERRIDES = ROOT / "docs" / "overrides" / "theme" / "partials"

# For each copied partial: the theme's lines it replaces. If the theme's copy
# changes anywhere else, the test fails and the partial must be copied again.
REPLACED = {
    "search.html": ['<div class="md-search" data-md-component="search" role="dialog">'],
    "nav-item.html": [
        '        <nav class="md-nav" data-md-level="{{ level }}" aria-labelledby="{{ path }}_label" '
        'aria-expanded="{{ nav_item.active | tojson }}">'
    ],
    "toc-item.html": ['    <nav class="md-nav" aria-label="{{ toc_item.title | striptags | e }}">', "    </nav>"],
}

TABLE_MD = "| a | b |\n|---|---:|\n| 1 | 2 |"


def _body(template: str) -> list[str]:
    """A template's lines after its leading `{#- ... -#}` comment."""
    return template[template.index("-#}\n") + 4 :].splitlines()


@pytest.mark.parametrize("name", sorted(REPLACED))
def test_copied_theme_partial_differs_from_the_theme_only_by_its_fix(name: str) -> None:
    theirs = _body((THEME_PARTIALS / name).read_text(encoding="utf-8"))
    ours = _body((OVERRIDES / name).read_text(encoding="utf-8"))
    removed = [line[1:] for line in difflib.unified_diff(theirs, ours, lineterm="", n=0) if line[:1] == "-"]
    removed = [line for line in removed if not line.startswith("--")]
    assert removed == REPLACED[name], f"docs/overrides/theme/partials/{name} no longer matches the theme's copy"


def test_the_overrides_folder_holds_only_templates() -> None:
    # theme.custom_dir copies every other file into the site.
    files = {path.suffix for path in (ROOT / "docs" / "overrides" / "theme").rglob("*") if path.is_file()}
    assert files == {".html"}


def test_a_bare_table_is_wrapped_and_a_wrapped_one_is_left_alone() -> None:
    wrapped = wrap_tables(f"text\n\n{TABLE_MD}\n\nmore")
    assert wrapped == f'text\n\n<div class="table-region" markdown>\n\n{TABLE_MD}\n\n</div>\n\nmore'
    already = f'<div class="generated-table" markdown>\n\n{TABLE_MD}\n\n</div>'
    assert wrap_tables(already) == already


def test_a_table_in_a_code_block_is_left_alone() -> None:
    code = f"```markdown\n{TABLE_MD}\n```\n\n````text\n```\n{TABLE_MD}\n````"
    assert wrap_tables(code) == code


def test_regions_are_named_after_their_heading_and_distinct() -> None:
    namer = RegionNamer(fallback="Page")
    namer.seen("# Title\n\n```python\n# not a heading\n```\n")
    part = namer.label_regions(f"## Figures `x` {{#figures}}\n\n{TABLE_MD}\n\n{TABLE_MD}\n")
    labels = re.findall(r'<div class="table-region" role="region" tabindex="0" aria-label="([^"]*)"', part)
    assert labels == ["Table: Figures x", "Table 2: Figures x"]
    matrix_like = namer.label_regions('<div class="generated-table"><table><tr><th>x</th></tr></table></div>')
    assert 'role="region" tabindex="0" aria-label="Table 3: Figures x"' in matrix_like


def test_the_hook_gives_generated_tables_a_keyboard_region() -> None:
    out = mkdocs_hooks.on_page_markdown("# T\n\n<!-- generate: transitions_table -->\n", None, None, None)  # type: ignore[arg-type]
    assert out.count('role="region" tabindex="0"') == 1
    assert f'aria-label="{transitions_table.REGION_LABEL}"' in out


def test_state_diagram_is_an_image_with_a_title_and_a_description() -> None:
    svgs = re.findall(r"<svg.*?</svg>", state_diagram.render())
    for side, svg in zip(Side, svgs, strict=True):
        name = side.name.lower()
        assert f'role="img" aria-labelledby="title-{name}" aria-describedby="desc-{name}"' in svg
        assert svg.count("<title") == 1, "a <title> inside the picture is a hover-only tooltip"
        desc = re.search(rf'<desc id="desc-{name}">(.*?)</desc>', svg)
        assert desc, "no <desc>"
        for row in TABLE:
            if row.side is side and row.error is not None:
                assert row.error.split("{")[0].rstrip(".") in desc[1].replace("&quot;", '"')
