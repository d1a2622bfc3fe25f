"""mkdocs hooks: generated sections, `>>>` blocks shown as sessions, an offline stdlib inventory.

Registered in `mkdocs.yml` under `hooks:`.

* A Markdown line `<!-- generate: NAME -->` is replaced, at build time, by
  what `doctests.sitegen.pages.NAME.render()` returns (Markdown or HTML).
  `SKIP_GENERATED=NAME[,NAME...]` in the environment renders those parts as
  a one-line note instead: the benchmark times a build that way, because the
  Performance part reads the figures that very run is making.
* A ```` ```python ```` fence whose first line starts with `>>>` is shown
  with the `pycon` lexer, so prompts and output get their own CSS classes
  (`.gp`, `.go`) and the copy button can leave them out. The page source keeps
  `python`, which is what `doctests` runs.
* After each code block holding an example whose output differs in today's
  Starlette or FastAPI, a generated note "In Starlette X" shows what that
  release gives (`doctests.sitegen.notes`, from `build/compat-*.json`; a
  missing report fails the build with `builddata.MissingInput`). The notes
  go in first, while the page's lines are still the source's.
* Each ```` ```python ```` block the docs harness runs is marked runnable in
  the browser or not, with a reason (`doctests.sitegen.runnable`); after the
  build, the pinned Pyodide runtime, the reference wheel and the in-browser
  driver are copied under `site/assets/pyodide/` (`doctests.sitegen.pyodide`),
  for `docs/assets/run/run.js` to load on the first click of a Run button.
* Every table (generated or not) scrolls in a wrapper a keyboard can focus,
  named for screen readers (`doctests/sitegen/regions.py`).
* `doctests/sitegen/python-objects.inv` (written by `python -m doctests.sitegen.inventory`) is
  registered with autorefs, so links to the standard library resolve without
  downloading docs.python.org's inventory.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parents[2]
# mkdocs loads this file by path and restores sys.path afterwards: import the
# package now, so that `doctests.sitegen.pages.NAME` can be found later via its __path__.
sys.path.insert(0, str(ROOT))
import doctests.sitegen.pages  # noqa: E402, F401
from doctests.sitegen import (  # noqa: E402
    notes,
    pyodide,
    runnable,
)
from doctests.sitegen.pages import compatibility  # noqa: E402
from doctests.sitegen.regions import RegionNamer  # noqa: E402

INVENTORY = Path(__file__).with_name("python-objects.inv")
GENERATE = re.compile(r"^[ \t]*<!--\s*generate:\s*(?P<name>[\w.]+)\s*-->[ \t]*$", re.MULTILINE)
SESSION_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*python(?P<rest>[^\n]*)\n(?=(?:[ \t]*\n)*[ \t]*>>>)",
    re.MULTILINE,
)


def render(name: str) -> str:
    """What `doctests.sitegen.pages.<name>.render()` returns; a build error if there is no such page part."""
    if name in os.environ.get("SKIP_GENERATED", "").split(","):
        return f"*(The generated part `{name}` is left out of this build: `SKIP_GENERATED={name}`.)*"
    try:
        module = importlib.import_module(f"doctests.sitegen.pages.{name}")
    except ModuleNotFoundError as error:
        raise PluginError(f"<!-- generate: {name} -->: no module doctests/sitegen/pages/{name}.py ({error})") from error
    return str(module.render())


# The reports the notes come from, read once per build (`on_pre_build` forgets them).
_note_runs: list[notes.Run] | None = None


def on_pre_build(config: MkDocsConfig) -> None:
    global _note_runs
    _note_runs = None


def note_runs() -> list[notes.Run]:
    """Today's Starlette and FastAPI reports, as the notes need them; `MissingInput` if one is missing or stale."""
    global _note_runs
    if _note_runs is None:
        labels = {run.distribution: run.label for run in compatibility.RUNS}
        _note_runs = [
            notes.Run(notes.title(report, labels), report, run.output.target)
            for run, report in ((run, compatibility.load(run)) for run in compatibility.RUNS)
        ]
    return _note_runs


def with_notes(markdown: str, page: Page, config: MkDocsConfig) -> str:
    """`markdown` with the "In Starlette X" notes; line numbers are counted in the page's source file."""
    source_path = Path(config.docs_dir) / page.file.src_uri
    source = source_path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    if not source.endswith(markdown):
        raise PluginError(f"{source_path}: the page's Markdown is not its source's end: cannot place the notes")
    first_line = source[: len(source) - len(markdown)].count("\n") + 1
    file = source_path.resolve().relative_to(ROOT).as_posix()
    return notes.insert_notes(markdown, file, note_runs(), first_line)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if page is not None and page.file.src_uri.endswith(".md"):
        markdown = with_notes(markdown, page, config)
    # After the notes (placed by the source's line numbers), before the generated parts:
    # the harness runs only what the page's own source holds.
    markdown = runnable.mark(markdown, f"docs/{page.file.src_uri}" if page is not None else "page.md")
    markdown = GENERATE.sub(lambda match: render(match["name"]), markdown)
    # Every table gets a wrapper a keyboard can scroll, named after the heading
    # above it (doctests/sitegen/regions.py).
    namer = RegionNamer(fallback=page.title if page is not None and page.title else "table")
    markdown = namer.label_regions(markdown)
    return SESSION_FENCE.sub(r"\g<indent>\g<fence>pycon\g<rest>\n", markdown)


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    # Fail before building anything when the Pyodide cache (copied in on_post_build) is missing.
    try:
        pyodide.runtime()
    except pyodide.MissingRuntime as error:
        raise PluginError(str(error)) from None
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    # Runs before any page is rendered, so autorefs knows these URLs in time.
    from mkdocstrings import Inventory

    register: Any = config.plugins["autorefs"].register_url  # type: ignore[attr-defined]
    with INVENTORY.open("rb") as inventory:
        for item in Inventory.parse_sphinx(inventory, domain_filter=["py"]).values():
            register(item.name, f"https://docs.python.org/3/{item.uri}")
    return files


def on_post_build(config: MkDocsConfig) -> None:
    try:
        pyodide.install(Path(config.site_dir))
    except pyodide.MissingRuntime as error:
        raise PluginError(str(error)) from None
