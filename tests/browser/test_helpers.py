"""The suite's own machinery, checked on small inputs made here, so a pass elsewhere means something."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from .builtsite import built_page, check_links
from .examples import (
    expected_copy,
    is_example,
    output_matches,
    repl_output,
    run_session,
    session_code,
    session_failed,
    session_output,
)
from .layout import CODE_FIT_JS, PHONE

SESSION = """>>> for n in range(2):
...     print(n)
...
0
1
>>> {"a": 1}
{'a': 1}"""


def test_session_code_and_output_are_told_apart() -> None:
    """Prompts are stripped from the code; only non-prompt lines are output."""
    assert expected_copy(SESSION) == ["for n in range(2):", "    print(n)", '{"a": 1}']
    assert session_output(SESSION) == ["0", "1", "{'a': 1}"]
    assert expected_copy("import x\n\nx.y()\n") == ["import x", "x.y()"]


def test_import_lines_are_not_examples() -> None:
    """A block of imports only is not an example; anything more is, even with top-level await."""
    assert not is_example("from reference_impl import WebSocket\nimport json")
    assert not is_example(">>> from reference_impl import WebSocket")
    assert is_example(">>> import asyncio\n>>> await asyncio.sleep(0)")
    assert is_example("x = 1")


def test_repl_output_drops_the_prompts() -> None:
    """The REPL writes prompts to stdout without newlines; they are removed."""
    assert repl_output(">>> >>> ... ... 0\n1\n>>> {'a': 1}\n>>> \n") == ["0", "1", "{'a': 1}"]


def test_ellipsis_matches_like_doctest() -> None:
    """An ellipsis inside an expected line matches anything; otherwise lines must be equal."""
    assert output_matches(["<object at 0x...>"], ["<object at 0x7f00>"])
    assert not output_matches(["1"], ["2"])
    assert not output_matches(["1"], ["1", "2"])


def test_a_pasted_session_is_run_and_judged(tmp_path: Path) -> None:
    """A session that works prints its output; one that raises is caught though the REPL exits 0."""
    lib = tmp_path / "lib"
    lib.mkdir()
    good = run_session("\n".join(session_code(SESSION)), lib, tmp_path)
    assert not session_failed(good), good.describe()
    assert output_matches(session_output(SESSION), repl_output(good.stdout)), good.describe()
    bad = run_session("1 / 0", lib, tmp_path)
    assert bad.returncode == 0
    assert session_failed(bad), bad.describe()


def test_link_checker_finds_broken_links_and_lists_external_ones(tmp_path: Path) -> None:
    """Missing files and anchors are reported; site_url links count as internal; other hosts are listed."""
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text(
        '<link rel="canonical" href="http://example.test/docs/"><h1 id="top">x</h1>'
        '<a href="a/#here">ok</a><a href="a/#gone">anchor</a><a href="b/">file</a>'
        '<a href="http://example.test/docs/a/">own</a><a href="https://other.test/">out</a><a href="#top">self</a>',
        encoding="utf-8",
    )
    (tmp_path / "a" / "index.html").write_text('<p id="here"></p><a href="../">up</a>', encoding="utf-8")
    report = check_links(tmp_path)
    assert sorted(report.broken) == [
        "index.html: <a> a/#gone (no id 'gone' on a/index.html)",
        "index.html: <a> b/ (no such file)",
    ]
    assert report.external == {"https://other.test/": ["index.html"]}
    assert report.checked == 7  # all but https://other.test/, the canonical link included
    assert built_page(tmp_path, "a") == "a/index.html"
    assert built_page(tmp_path, "b") is None


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    """A bare phone-sized tab."""
    context = browser.new_context(viewport=PHONE)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_phone_rule_flags_only_blocks_a_reader_cannot_read(phone_page: Page) -> None:
    """A scrolling block passes; one that spills or sticks out of the screen fails."""
    long_line = "x" * 300
    phone_page.set_content(
        "<article>"
        f'<pre id="ok"><code style="display:block; overflow-x:auto">{long_line}</code></pre>'
        f'<pre style="overflow:visible; white-space:pre"><code>{long_line}</code></pre>'
        '<pre style="width:600px; overflow-x:auto"><code>short</code></pre>'
        "</article>"
    )
    found = phone_page.evaluate(CODE_FIT_JS)
    assert found["measured"] == 3
    problems = found["problems"]
    assert len(problems) == 2, problems
    assert not any(problem.startswith("pre #1 ") for problem in problems), problems
    assert any(problem.startswith("pre #2 ") and "does not scroll" in problem for problem in problems), problems
    assert any(problem.startswith("pre #3 ") and "viewport" in problem for problem in problems), problems
