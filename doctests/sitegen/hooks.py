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


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    markdown = GENERATE.sub(lambda match: render(match["name"]), markdown)
    # Every table gets a wrapper a keyboard can scroll, named after the heading
    # above it (doctests/sitegen/regions.py).
    namer = RegionNamer(fallback=page.title if page is not None and page.title else "table")
    markdown = namer.label_regions(markdown)
    return SESSION_FENCE.sub(r"\g<indent>\g<fence>pycon\g<rest>\n", markdown)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    # Runs before any page is rendered, so autorefs knows these URLs in time.
    from mkdocstrings import Inventory

    register: Any = config.plugins["autorefs"].register_url  # type: ignore[attr-defined]
    with INVENTORY.open("rb") as inventory:
        for item in Inventory.parse_sphinx(inventory, domain_filter=["py"]).values():
            register(item.name, f"https://docs.python.org/3/{item.uri}")
    return files
