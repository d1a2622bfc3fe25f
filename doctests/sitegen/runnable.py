"""Which ```python blocks of a page can run in the browser, decided at build time from the runner's own reading.

The page's blocks are found with `doctests.runner.collect`'s lexer and
directives, so they are exactly the blocks `python -m doctests` runs, in the
same order. A block can run in the browser (Pyodide, with only the standard
library and `reference_impl`) unless:

* the harness skips it (`<!-- doctest: skip -->`), or a tag says it is about
  FastAPI or Starlette (`fastapi`, `starlette`, or a flavour tag naming them);
* it sits in a FastAPI or Starlette tab: the browser runs the ASGI tab, as
  the harness's ASGI pass does, in one namespace per page;
* it imports anything but the standard library and `reference_impl`
  (fastapi, starlette, pytest, uvicorn, websockets, the reader's own modules);
* it uses a name that only such a block defines (a later `>>>` block of a
  pytest page, say): it would stop with `NameError`.

`mark` rewrites each such fence's opening line into the attribute form of
pymdownx.superfences (```` ``` { .python data-pyrun="run" ... } ````), so the
block's `div.highlight` carries `data-pyrun="run"` and the page's line, or
`data-pyrun="no"` and a one-line reason; `assets/run/run.js` reads them.
"""

from __future__ import annotations

import ast
import doctest
import html
import re
import sys
from dataclasses import dataclass
from typing import Literal

from sybil import Document

from doctests.runner.collect import FENCE_LEXER, FLAVOURS, directives, include_snippets, tab_of

# Modules a block may import: the standard library and the package the site is about.
ALLOWED = frozenset(sys.stdlib_module_names) | {"reference_impl", "__future__"}
# Standard-library modules that cannot work in a browser tab (no processes, sockets or threads).
NOT_IN_BROWSER = frozenset({"multiprocessing", "subprocess", "socket", "socketserver", "ssl", "threading", "signal"})
# Tags that mean "this block is about a framework", including flavour tags such as `flavour-fastapi`.
FRAMEWORK_TAG = re.compile(r"fastapi|starlette(?!-\d)")  # not `starlette-0.29`, a behaviour tag
OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*)$")
BRACED = re.compile(r"^\{\s*\.?python(?P<rest>[^}]*)\}\s*$")
PLAIN = re.compile(r"^python(?P<rest>(?:\s[^\n]*)?)$")

Kind = Literal["session", "script"]


@dataclass
class Block:
    """One ```python block of a page as the harness sees it."""

    start: int  # offset of the fence's opening line in the Markdown
    line: int  # 1-based line of that opening line
    kind: Kind
    source: str  # with --8<-- includes expanded
    runnable: bool = True
    reason: str = ""


def blocks(markdown: str, path: str) -> list[Block]:
    """Every ```python block of `markdown`, in order, each with the verdict."""
    document = Document(markdown, path)
    found: list[Block] = []
    defined_elsewhere: set[str] = set()  # names only non-runnable blocks define
    defined_here: set[str] = set()
    for region in FENCE_LEXER(document):
        if region.lexemes["language"] != "python":
            continue
        source = str(region.lexemes["source"])
        start = markdown.rfind("\n", 0, region.start) + 1
        line = markdown.count("\n", 0, start) + 1
        kind: Kind = "session" if source.lstrip().startswith(">>>") else "script"
        tags, skip, error = directives(markdown, region.start)
        block = Block(start, line, kind, source)
        code = ""
        if kind == "script":
            try:
                block.source = code = include_snippets(source)
            except (OSError, ValueError) as problem:
                error = str(problem)
        else:
            code = "\n".join(example.source for example in doctest.DocTestParser().get_examples(source))
        tab = tab_of(markdown, region.start)
        if error or skip:
            block.runnable, block.reason = False, "the docs harness does not run it either"
        elif tab in FLAVOURS and FLAVOURS[tab] != "asgi":
            # The page's namespace in the browser is the ASGI flavour's, as in the harness's ASGI pass.
            block.runnable, block.reason = False, f"it is the {tab} version; the ASGI tab's runs in the browser"
        elif framework := next((tag for tag in tags if FRAMEWORK_TAG.search(tag)), None):
            block.runnable, block.reason = False, f"it is tagged {framework}, which needs packages the browser lacks"
        bound, used, imported = names(code)
        if block.runnable and (missing := sorted(imported - ALLOWED | imported & NOT_IN_BROWSER)):
            block.runnable, block.reason = False, f"it imports {', '.join(missing)}, which the browser does not have"
        if block.runnable and (needs := sorted(used & (defined_elsewhere - defined_here))):
            block.runnable = False
            block.reason = f"it uses {', '.join(needs)} from a block that cannot run here"
        if block.runnable:
            defined_here |= bound
        else:
            defined_elsewhere |= bound
        found.append(block)
    return found


def names(code: str) -> tuple[set[str], set[str], set[str]]:
    """The names `code` binds, the names it reads but does not bind, and the top-level modules it imports."""
    try:
        tree = compile(code, "<block>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError:
        return set(), set(), set()
    bound: set[str] = set()
    read: set[str] = set()
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Import):
            imported.update(alias.name.partition(".")[0] for alias in node.names)
            bound.update((alias.asname or alias.name).partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.module and not node.level:
                imported.add(node.module.partition(".")[0])
            bound.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return bound, read - bound, imported


def attributes(block: Block, path: str) -> str:
    """The fence attributes that tell `run.js` about `block` of the page `path`."""
    if block.runnable:
        return f'data-pyrun="run" data-pyrun-src="{html.escape(path, quote=True)}" data-pyrun-line="{block.line}"'
    return f'data-pyrun="no" data-pyrun-reason="{html.escape(block.reason, quote=True)}"'


def mark(markdown: str, path: str) -> str:
    """`markdown` with every ```python fence rewritten to carry its verdict (see the module docstring)."""
    for block in reversed(blocks(markdown, path)):
        end = markdown.find("\n", block.start)
        opening = OPENING.match(markdown[block.start : end if end >= 0 else len(markdown)])
        if opening is None:
            continue
        info = opening["info"].strip()
        match = BRACED.match(info) or PLAIN.match(info)
        if match is None:
            continue
        language = "pycon" if block.kind == "session" else "python"  # as hooks.SESSION_FENCE shows a session
        rest = match["rest"].strip()
        inside = " ".join(part for part in (f".{language}", attributes(block, path), rest) if part)
        rewritten = f"{opening['indent']}{opening['fence']} {{ {inside} }}"
        markdown = markdown[: block.start] + rewritten + markdown[opening.end() + block.start :]
    return markdown
