"""mkdocs hooks: generated sections, `>>>` blocks shown as sessions, an offline stdlib inventory.

Registered in `mkdocs.yml` under `hooks:`.

* A Markdown line `<!-- generate: NAME -->` is replaced, at build time, by
  what `doctests.pages.NAME.render()` returns (Markdown or HTML).
* A ```` ```python ```` fence whose first line starts with `>>>` is shown
  with the `pycon` lexer, so prompts and output get their own CSS classes
  (`.gp`, `.go`) and the copy button can leave them out. The page source keeps
  `python`, which is what `doctests` runs.
* `doctests/python-objects.inv` (written by `python -m doctests.inventory`) is
  registered with autorefs, so links to the standard library resolve without
  downloading docs.python.org's inventory.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parent.parent
# mkdocs loads this file by path and restores sys.path afterwards: import the
# package now, so that `doctests.pages.NAME` can be found later via its __path__.
sys.path.insert(0, str(ROOT))
import doctests.pages  # noqa: E402, F401

INVENTORY = ROOT / "doctests" / "python-objects.inv"
GENERATE = re.compile(r"^[ \t]*<!--\s*generate:\s*(?P<name>[\w.]+)\s*-->[ \t]*$", re.MULTILINE)
SESSION_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*python(?P<rest>[^\n]*)\n(?=(?:[ \t]*\n)*[ \t]*>>>)",
    re.MULTILINE,
)


def render(name: str) -> str:
    """What `doctests.pages.<name>.render()` returns; a build error if there is no such page part."""
    try:
        module = importlib.import_module(f"doctests.pages.{name}")
    except ModuleNotFoundError as error:
        raise PluginError(f"<!-- generate: {name} -->: no module doctests/pages/{name}.py ({error})") from error
    return str(module.render())


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    markdown = GENERATE.sub(lambda match: render(match["name"]), markdown)
    return SESSION_FENCE.sub(r"\g<indent>\g<fence>pycon\g<rest>\n", markdown)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    # Runs before any page is rendered, so autorefs knows these URLs in time.
    from mkdocstrings import Inventory

    register: Any = config.plugins["autorefs"].register_url  # type: ignore[attr-defined]
    with INVENTORY.open("rb") as inventory:
        for item in Inventory.parse_sphinx(inventory, domain_filter=["py"]).values():
            register(item.name, f"https://docs.python.org/3/{item.uri}")
    return files
