"""The generated page parts and the mkdocs hook that inserts them."""

from __future__ import annotations

import asyncio
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


def test_matrix_names_every_reachable_state_pair_helpers_first() -> None:
    every = asyncio.run(matrix.reachable(matrix.STEPS))
    helpers = asyncio.run(matrix.reachable(matrix.HELPER_STEPS))
    assert len(every) == 9
    assert every.keys() == matrix.NAMES.keys()
    assert len(set(matrix.NAMES.values())) == len(matrix.NAMES)
    tables = re.findall(r"<table.*?</table>", matrix.render())
    headers = [re.findall(r'<span class="state-name">(.*?)</span>', table) for table in tables]
    assert headers == [
        ["call", "before accept", "open", "refused", "you closed", "client left", "both closed"],
        ["call", "accepted, connect unread", "connect read, not accepted", "client left before accept"],
    ]
    assert [matrix.NAMES[pair] for pair in helpers] == headers[0][1:]


def test_matrix_records_what_happened_in_every_cell() -> None:
    text = matrix.render()
    tables = re.findall(r"<table.*?</table>", text)
    for table, columns in zip(tables, (6, 3), strict=True):
        rows = re.findall(r'<tr><th scope="row">.*?</tr>', table)
        assert len(rows) == len(matrix.CASES)
        assert all(row.count("<td") == columns for row in rows)
    accept = next(row for row in re.findall(r"<tr>.*?</tr>", tables[0]) if "<code>accept(<wbr>)</code>" in row)
    # Before accept, accept() reads websocket.connect and sends websocket.accept: both states move, to "open".
    moved = '<a href="#matrix-open">→ open</a><span class="visually-hidden"> (client_state → CONNECTED, '
    assert f'<td class="cell-move">{moved}application_state → CONNECTED)</span></td>' in accept
    # Each error cell shows a short text and links to the full text under the tables.
    full = escape('RuntimeError: Cannot call "send" once a close message has been sent.')
    number = re.search(
        rf'<li id="matrix-e(\d+)"><strong>RuntimeError: send after close</strong>: <code>{re.escape(full)}</code>', text
    )
    assert number
    assert (
        f'<a href="#matrix-e{number[1]}"><span class="error-type">RuntimeError:</span> '
        '<span class="error-text">send after close</span></a>' in accept
    )
    assert "**both closed**</span> (`DISCONNECTED`, `DISCONNECTED`): `accept()`, then" in text


def test_matrix_is_readable_without_hover() -> None:
    text = matrix.render()
    assert "title=" not in text
    assert not re.search(r"<th[^>]*>\s*</th>", text), "an empty header cell"
    regions = re.findall(r'<div class="matrix-scroll" role="region" tabindex="0" aria-labelledby="([\w-]+)">', text)
    assert len(regions) == 2
    assert all(f'<caption id="{region}">' in text for region in regions)
    ids = set(re.findall(r'id="([\w-]+)"', text))
    targets = set(re.findall(r'href="#([\w-]+)"', text))
    assert targets
    assert targets <= ids, f"links to nothing: {targets - ids}"
    shorts = re.findall(r"<li id=\"matrix-e\d+\"><strong>(.*?)</strong>: <code>(.*?)</code>", text)
    assert len(shorts) >= 5
    for short, full in shorts:
        assert len(short) <= 40, short
        assert full.startswith(short.split(":")[0] + ":"), (short, full)


def test_matrix_shortens_errors_by_rules() -> None:
    assert matrix.short('RuntimeError: WebSocket is not connected. Need to call "accept" first.') == (
        "RuntimeError: not connected"
    )
    assert matrix.short('RuntimeError: Cannot call "receive" once a disconnect message has been received.') == (
        "RuntimeError: receive after disconnect"
    )
    got = 'RuntimeError: Expected ASGI message "websocket.send" or "websocket.close", but got \'websocket.accept\''
    assert matrix.short(got) == "RuntimeError: expects send or close"
    assert matrix.short("KeyError: 'text'") == "KeyError: 'text'"


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


def test_the_checks_table_lists_what_make_test_runs() -> None:
    from doctests.sitegen.pages import checks

    makefile = (
        "test: env lint unit  ## All\n\t@echo done\n"
        "lint: x  ## Lint it\n\t$(VENV)/bin/ruff check .\n"
        "unit:  ## Units\n\t$(PY) -m pytest tests/unit\n"
    )
    assert checks.targets(makefile)["test"] == (["env", "lint", "unit"], "All", ["@echo done"])
    page = checks.render()
    assert "| `make unit` |" in page
    assert "`python -m pytest tests/unit" in page
    assert "$(" not in page
