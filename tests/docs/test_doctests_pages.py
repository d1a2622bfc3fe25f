"""The generated page parts and the mkdocs hook that inserts them."""

from __future__ import annotations

import re
from html import escape

import pytest
from mkdocs.exceptions import PluginError

from doctests.sitegen import hooks as mkdocs_hooks
from doctests.sitegen import inventory
from doctests.sitegen.pages import differences, matrix, state_diagram, transitions_table
from reference_impl.differences import DIFFERENCES
from reference_impl.transitions import ANY, OTHER, TABLE, Side, WebSocketState


def test_state_diagram_draws_every_row_of_its_side() -> None:
    svgs = re.findall(r"<svg.*?</svg>", state_diagram.render())
    assert len(svgs) == 2
    for side, svg in zip(Side, svgs, strict=True):
        rows = [row for row in TABLE if row.side is side]
        for state in WebSocketState:
            assert f">{state.name}<" in svg
        for row in rows:
            if row.message_type not in (ANY, OTHER):
                assert f">{row.message_type}<" in svg
        assert svg.count('class="edge error"') == sum(row.error is not None for row in rows)
        # Nothing to fetch: the only URL is the SVG namespace.
        assert re.findall(r"https?://[^\"]+", svg) == ["http://www.w3.org/2000/svg"]


def test_transition_table_has_one_line_per_row() -> None:
    lines = [line for line in transitions_table.render().splitlines() if line.startswith("| `")]
    assert len(lines) == len(TABLE)


def test_differences_lists_every_difference() -> None:
    text = differences.render()
    assert all(f"{{#{difference.id}}}" in text for difference in DIFFERENCES)


def test_matrix_reaches_all_nine_state_pairs_and_records_what_happened() -> None:
    text = matrix.render()
    rows = re.findall(r"<tr><td>.*?</tr>", text)
    assert len(rows) == len(matrix.CASES)
    assert all(row.count("<td") == 2 + 9 for row in rows)
    accept = next(row for row in rows if "<code>accept()</code>" in row)
    # S1 is a new connection: accept() reads websocket.connect and sends websocket.accept,
    # which leads to S5 (CONNECTED, CONNECTED).
    assert '<td title="client → CONNECTED, app → CONNECTED">→ S5</td>' in accept
    assert escape('RuntimeError: Cannot call "send" once a close message has been sent.') in text
    assert "S9** `DISCONNECTED`, `DISCONNECTED`" in text


def test_hook_replaces_generate_lines_and_marks_sessions() -> None:
    page = '<!-- generate: transitions_table -->\n\n```python title="x"\n>>> 1\n1\n```\n\n```python\nx = 1\n```\n'
    out = mkdocs_hooks.on_page_markdown(page, page=None, config=None, files=None)  # type: ignore[arg-type]
    assert "generate:" not in out
    assert "| `client_state` |" in out
    # Each block also says whether it runs in the browser (doctests.sitegen.runnable).
    assert '``` { .pycon data-pyrun="run" data-pyrun-src="page.md" data-pyrun-line="3" title="x" }\n>>> 1' in out
    assert '``` { .python data-pyrun="run" data-pyrun-src="page.md" data-pyrun-line="8" }\nx = 1' in out
    with pytest.raises(PluginError, match=r"no module doctests/sitegen/pages/nonexistent\.py"):
        mkdocs_hooks.render("nonexistent")


def test_shipped_inventory_is_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert inventory.main(["--check"]) == 0, capsys.readouterr().err
