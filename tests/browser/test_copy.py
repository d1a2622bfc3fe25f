"""The copy button gives clean code, and each reference page's first example runs as copied.

The clipboard is the real one: the tab is granted clipboard permissions, the
test clicks Material's copy button and reads `navigator.clipboard`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page

from doctests import ROOT as REPO

from .builtsite import PLACEHOLDER, built_page, html_pages
from .examples import (
    expected_copy,
    first_difference,
    is_example,
    is_session,
    make_sandbox,
    output_matches,
    repl_output,
    run_python,
    run_script,
    run_session,
    script_failed,
    session_failed,
    session_output,
    solid_lines,
)
from .visit import Visitor

REFERENCE_STEMS = sorted(path.stem for path in (REPO / "docs" / "reference").glob("*.md"))
PYTHON_LANGUAGES = ("python", "py", "pycon", "python3", "py3")
# Where a page holds a Python block, in the built HTML (Pygments' class on the wrapper).
PYTHON_BLOCK = re.compile(r'class="language-(?:{})[ "]'.format("|".join(PYTHON_LANGUAGES)))
# Python code blocks of the article, except mkdocstrings' "Source code" panels.
BLOCKS = ", ".join(f"article div.language-{language}.highlight" for language in PYTHON_LANGUAGES)
SOURCE_PANELS = ".mkdocstrings-source, details.quote"


# Each Python block of the article, once every details is open: its whole text
# (prompts, code and output), whether a reader can see it, and whether it is a
# mkdocstrings "Source code" panel rather than an example.
BLOCKS_JS = """([selector, panels]) => {
    document.querySelectorAll("article details").forEach((details) => { details.open = true; });
    return [...document.querySelectorAll(selector)].map((div) => {
        const box = div.getBoundingClientRect();
        return {
            text: (div.querySelector("pre code") || div.querySelector("pre")).textContent,
            visible: box.width > 0 && box.height > 0,
            source: !!div.closest(panels),
        };
    });
}"""


@dataclass
class Block:
    """A Python example as the page shows it."""

    locator: Locator
    text: str

    @property
    def kind(self) -> str:
        """Either "session" (a `>>>` block) or "script"."""
        return "session" if is_session(self.text) else "script"

    def copy(self, page: Page) -> str:
        """Click the block's copy button and return what landed on the clipboard."""
        page.evaluate("() => navigator.clipboard.writeText('')")
        self.locator.locator("[data-clipboard-target]").first.click(timeout=3000)
        return str(page.evaluate("() => navigator.clipboard.readText()"))


def example_blocks(page: Page) -> list[Block]:
    """The article's Python examples a reader can see (details opened), source panels left out."""
    found = page.evaluate(BLOCKS_JS, [BLOCKS, SOURCE_PANELS])
    blocks = page.locator(BLOCKS)
    return [
        Block(blocks.nth(index), block["text"])
        for index, block in enumerate(found)
        if block["visible"] and not block["source"]
    ]


@pytest.fixture(scope="session")
def sandbox_lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding only a copy of `reference_impl`, for PYTHONPATH."""
    return make_sandbox(tmp_path_factory.mktemp("sandbox"))


def test_sandbox_sees_only_reference_impl(sandbox_lib: Path, tmp_path: Path) -> None:
    """The examples' interpreter imports reference_impl from the sandbox and none of the project's tools."""
    probe = (
        "import importlib.util as u, reference_impl; print(reference_impl.__file__); "
        "print([n for n in ('mkdocs', 'starlette', 'fastapi', 'pytest', 'playwright') if u.find_spec(n)])"
    )
    run = run_python(["-c", probe], sandbox_lib, tmp_path)
    assert run.returncode == 0, run.describe()
    where, others = run.stdout.splitlines()
    assert Path(where).is_relative_to(sandbox_lib), where
    assert others == "[]", f"the sandbox can import {others}"


def test_copy_buttons_give_code_without_prompts_or_output(desktop: Visitor, base_url: str, site_dir: Path) -> None:
    """On every page, copying the first session and the first script gives the code: no prompts, no output.

    One block of each kind per page keeps the clicks few while covering every
    way a block gets onto a page (Markdown fences, docstrings, includes).
    """
    pages = [
        page for page in html_pages(site_dir) if PYTHON_BLOCK.search((site_dir / page).read_text(encoding="utf-8"))
    ]
    copied = {"session": 0, "script": 0}
    wrong = []
    for page in pages:
        desktop.visit(page, base_url + page, wait_for_search=False, settle_ms=0)
        blocks = example_blocks(desktop.page)
        for kind in copied:
            block = next((block for block in blocks if block.kind == kind), None)
            if block is None:
                continue
            text = block.text
            got, want = solid_lines(block.copy(desktop.page)), expected_copy(text)
            copied[kind] += 1
            if got != want:
                line, have, need = first_difference(got, want)
                first = text.strip().splitlines()[0]
                wrong.append(f"{page} first {kind} ({first!r}): copied line {line} is {have!r}, expected {need!r}")
    assert copied["session"], f"no >>> example to copy on any page ({len(pages)} pages with Python blocks)"
    assert copied["script"], f"no script example to copy on any page ({len(pages)} pages with Python blocks)"
    assert not wrong, "copy gave the wrong text:\n" + "\n".join(wrong)


@pytest.mark.parametrize("stem", REFERENCE_STEMS)
def test_first_reference_example_runs_as_copied(
    desktop: Visitor, base_url: str, site_dir: Path, sandbox_lib: Path, tmp_path: Path, stem: str
) -> None:
    """The first example of each reference page, copied with the button, runs alone in a fresh interpreter.

    The first example is the first Python block that does more than import
    (see `examples.is_example`). A script runs with `python example.py`; a
    session is pasted into `python -m asyncio` and must print what the page
    shows.
    """
    page = built_page(site_dir, f"reference/{stem}")
    assert page, f"docs/reference/{stem}.md was not built"
    desktop.visit(page, base_url + page, wait_for_search=False, settle_ms=0)
    example = next((block for block in example_blocks(desktop.page) if is_example(block.text)), None)
    placeholder = PLACEHOLDER in desktop.page.inner_text("article")
    assert example, f"{page} shows no Python example" + (" (the page is still a placeholder)" if placeholder else "")
    text = example.text
    code = example.copy(desktop.page)
    if is_session(text):
        run = run_session(code, sandbox_lib, tmp_path)
        assert not session_failed(run), f"{page}: the first example fails when pasted:\n{code}\n{run.describe()}"
        expected, printed = session_output(text), repl_output(run.stdout)
        assert output_matches(expected, printed), (
            f"{page}: the first example prints\n{printed}\nbut the page shows\n{expected}\n{run.describe()}"
        )
    else:
        run = run_script(code, sandbox_lib, tmp_path)
        assert not script_failed(run), f"{page}: the first example fails as a script:\n{code}\n{run.describe()}"
