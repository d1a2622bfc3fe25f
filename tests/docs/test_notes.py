"""The "In Starlette X" notes the hook puts after examples whose output differs in today's releases."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from doctests.builddata import COMPAT_STARLETTE, MissingInput
from doctests.sitegen import hooks, notes
from doctests.sitegen.pages import compatibility
from doctests.spec.report import Report

PAGE = """# A page

Some prose.

```python
>>> websocket.state
1
>>> peer.sent[-1]["text"]
'{"city":"Z\\\\u00fcrich"}'

```

More prose.

=== "Tabbed"

    ```python
    >>> await websocket.send_text("late")
    Traceback (most recent call last):
      ...
    RuntimeError: Cannot call "send" once a close message has been sent.
    ```

The end.
"""


def record(line: int, source: str, got: str, status: str = "failed", tags: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "file": "docs/page.md",
        "line": line,
        "kind": "doctest",
        "tags": list(tags) or ["starlette-0.29"],
        "source": source,
        "status": status,
        "reason": "output differs",
        "expected": "x\n",
        "got": got,
        "selected": True,
    }


def run(version: str, *records: dict[str, Any]) -> notes.Run:
    report = Report("x.websockets", version, {}, [], [], [], 0, len(records), list(records))
    return notes.Run(notes.title(report, {"starlette": "Starlette", "fastapi": "FastAPI"}), report, "a-make-target")


ASCII = record(8, 'peer.sent[-1]["text"]\n', '\'{"city":"Zürich"}\'\n')
LATE = record(18, 'await websocket.send_text("late")\n', 'WebSocketDisconnected: Cannot call "send".\n')


def test_a_note_follows_the_block_of_each_diverging_example() -> None:
    out = notes.insert_notes(PAGE, "docs/page.md", [run("starlette 1.10.0", ASCII, LATE)])
    lines = out.splitlines()
    fence = lines.index("```", lines.index('>>> peer.sent[-1]["text"]'))
    assert lines[fence + 1 : fence + 8] == [
        "",
        '!!! note "In Starlette 1.10.0"',
        "",
        '    `peer.sent[-1]["text"]` gives:',
        "",
        "    ```text",
        '    \'{"city":"Zürich"}\'',
    ]
    # Inside a tab the note is indented as the block is.
    tabbed = lines.index("    ```", lines.index('    >>> await websocket.send_text("late")'))
    assert lines[tabbed + 2] == '    !!! note "In Starlette 1.10.0"'
    assert '        WebSocketDisconnected: Cannot call "send".' in lines
    assert out.count("!!! note") == 2
    assert lines[-1] == "The end."


def test_runs_that_agree_share_a_note_and_passing_or_reference_only_examples_get_none() -> None:
    passing = record(6, "websocket.state\n", "1\n", status="passed")
    table = dict(LATE, tags=["reference-only"])
    out = notes.insert_notes(
        PAGE, "docs/page.md", [run("starlette 1.10.0", ASCII, passing, table), run("fastapi 0.163.2", ASCII)]
    )
    assert out.count("!!! note") == 1
    assert '!!! note "In Starlette 1.10.0 and FastAPI 0.163.2"' in out


def test_other_files_are_left_alone() -> None:
    assert notes.insert_notes(PAGE, "docs/other.md", [run("starlette 1.10.0", ASCII)]) == PAGE


def test_line_numbers_are_the_source_file_s() -> None:
    # Three lines of front matter before PAGE in the source: the report counts them, the page's text does not.
    moved = dict(ASCII, line=ASCII["line"] + 3)
    out = notes.insert_notes(PAGE, "docs/page.md", [run("starlette 1.10.0", moved)], first_line=4)
    assert '!!! note "In Starlette 1.10.0"' in out


def test_a_report_whose_example_moved_is_refused() -> None:
    with pytest.raises(MissingInput, match=r"a-make-target is out of date: docs/page\.md:9 .*make a-make-target"):
        notes.insert_notes(PAGE, "docs/page.md", [run("starlette 1.10.0", dict(ASCII, line=9))])


def test_the_hook_fails_with_missing_input_when_a_report_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = dataclasses.replace(compatibility.RUNS[0], output=dataclasses.replace(COMPAT_STARLETTE, folder=tmp_path))
    monkeypatch.setattr(compatibility, "RUNS", (missing, *compatibility.RUNS[1:]))
    hooks.on_pre_build(None)  # type: ignore[arg-type]
    try:
        with pytest.raises(MissingInput, match=r"make it with `make build/compat-starlette\.json`"):
            hooks.note_runs()
    finally:
        hooks.on_pre_build(None)  # type: ignore[arg-type]


def test_the_hook_places_the_notes_by_the_page_source_file() -> None:
    if not all(run.output.exists() for run in compatibility.RUNS):
        pytest.skip("no build/compat-*.json: `make compat` makes them")
    from types import SimpleNamespace

    from doctests import ROOT

    page = SimpleNamespace(file=SimpleNamespace(src_uri="tutorial/json.md"))
    config = SimpleNamespace(docs_dir=str(ROOT / "docs"))
    markdown = (ROOT / "docs" / "tutorial" / "json.md").read_text(encoding="utf-8")
    hooks.on_pre_build(None)  # type: ignore[arg-type]
    out = hooks.with_notes(markdown, page, config)  # type: ignore[arg-type]
    titles = {run.title for run in hooks.note_runs()}
    assert any(f'!!! note "In {title}' in out for title in titles)
