"""Collect examples: fenced `python` blocks in Markdown, `>>>` examples in docstrings.

Sybil does the lexing (fences, docstrings); this module turns what it finds
into `Snippet`s and groups them into `Session`s: a Markdown page is one
session, and so is each docstring.

Conventions for Markdown pages:

* A ```` ```python ```` block whose first non-blank line starts with `>>>` is
  a doctest session; a ```` ```python ```` block without `>>>` is a script.
  Fence attributes (```` ```python title="app.py" ````) are allowed.
* A fence spelt `py`, `pycon` or `python3` is an error rather than a silent
  skip: write `python` (to run it) or `text` (not to).
* `<!-- doctest: skip because REASON -->` (or `<!-- skip: next because
  REASON -->`) on a line before the fence skips the block, and the reason is
  reported with it; a skip marker without a reason (`<!-- doctest: skip -->`,
  `<!-- skip: next -->`) is an error naming the page and line, as is any
  other `skip:` or `doctest:` comment. `<!-- tags: asgi-2.5, reference-only
  -->` tags the block. Blank lines may separate these comments from the
  fence; any other line ends the search.
* A script block may consist of `--8<-- "docs/examples/app.py"` lines
  (pymdownx.snippets); the included files are run.

Flavour tabs: an app may be shown three ways with pymdownx.tabbed, each tab
a `=== "FastAPI"`, `=== "Starlette"` or `=== "ASGI"` line followed by its
content indented by 4 spaces. A fence inside such a tab belongs to that
flavour (`fastapi`, `starlette`, `asgi`); a fence inside any other tab is an
error, and a fence outside tabs is shared. A page with flavour tabs becomes
one session per flavour, as if each were its own page: the `asgi` session
always (it is the one coverage counts), plus one per other flavour the page
shows. Each session holds the shared blocks and that flavour's blocks, in
page order, so every flavour gets a fresh namespace and event loop, and the
shared blocks run once in each (they may use the names the flavour's tabs
define, such as `app`). A page without tabs is one session, as before.

A snippet's flavour is one of its effective tags. In the `asgi` session (and
on pages without tabs) the seed tag applies as before, so the ASGI tabs are
part of the spec that `--impl` checks. In the `fastapi` and `starlette`
sessions the seed tag does not apply: those blocks run today's FastAPI or
Starlette whatever `--impl` says (only `reference_impl` imports are swapped),
and `--exclude-tag fastapi` / `--exclude-tag starlette` leave them out. The
runner skips a flavour session, with the reason, where its library cannot be
used (see `doctests.runner.run.FLAVOUR_LIBRARIES`).

Tags say what an example checks. An untagged example is part of the seed's
spec (its effective tag is `starlette-0.29`); `asgi-2.5` marks a deliberate difference
from Starlette 0.29, `reference-only` an example of the reference's own
machinery (the peer, the table, the matrix), `fastapi` one that imports
today's FastAPI or Starlette, `starlette` one that imports today's Starlette
(`TestClient`, say; the runner skips both, with the reason, where the library
is missing or too old). Docstrings are tagged two ways:

* a docstring whose first example is a comment `>>> # tags: a, b` gives all
  its examples those tags;
* every docstring of a module in `MODULE_TAGS` gets that module's tags:
  `transitions`, `datastructures` and `differences` are the reference's
  machinery and never touch the swappable `WebSocket` API.
"""

from __future__ import annotations

import doctest
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from sybil import Document
from sybil.document import PythonDocStringDocument
from sybil.parsers.markdown.lexers import RawFencedCodeBlockLexer

from doctests import DOCS_HOME, ROOT
from doctests.reference import MODULES

Flavour = Literal["fastapi", "starlette", "asgi"]
DEFAULT_PATHS = ("docs/*.md", "docs/**/*.md", "reference_impl/**/*.py")
MISSPELT = {"py", "pycon", "python3", "py3"}

# The info string after the backticks: an optional `{ .lang`, the language,
# then any attributes (title="...", linenums="1", hl_lines="2").
FENCE_INFO = re.compile(r"[ \t]*\{?[ \t]*\.?(?P<language>[\w+-]*)(?P<attributes>[^\n]*)\n")
FENCE_LEXER = RawFencedCodeBlockLexer(info_pattern=FENCE_INFO)
DIRECTIVE = re.compile(r"<!--\s*(?P<name>doctest|tags|skip)\s*:\s*(?P<value>.*?)\s*-->\s*$")
# "skip because REASON" after `doctest:`, "next because REASON" after `skip:`.
SKIP_VALUE = {
    "doctest": re.compile(r"^skip\b\s*(?:because\s+(?P<reason>\S.*))?$"),
    "skip": re.compile(r"^next\b\s*(?:because\s+(?P<reason>\S.*))?$"),
}
# A pymdownx.tabbed tab title: `=== "FastAPI"` (or `===+`, `===!`), its content indented 4 more.
TAB = re.compile(r"""^(?P<indent>[ \t]*)===[!+]*[ \t]+"(?P<title>[^"]*)"[ \t]*$""")
# Tab title -> flavour, in the order the flavour sessions run.
FLAVOURS: dict[str, Flavour] = {"FastAPI": "fastapi", "Starlette": "starlette", "ASGI": "asgi"}
# What `ruff format` (0.16+, which formats Markdown code blocks) makes of a snippet line.
MANGLED_SNIPPET = re.compile(r"""^\s*-+\s*8\s*<\s*-+\s*["']""")
SNIPPET = re.compile(r"""^\s*-{1,}8<-{1,}\s+["'](?P<path>[^"':]+)(?::(?P<start>\d+)?(?::(?P<end>\d+))?)?["']\s*$""")

# ">>> # tags: a, b" as the first example of a docstring (doctest itself ignores a comment-only example).
FIRST_PROMPT = re.compile(r"^[ \t]*>>>(?P<rest>.*)$", re.MULTILINE)
DOCSTRING_TAGS = re.compile(r"^\s*#\s*tags\s*:\s*(?P<value>.*?)\s*$")
MODULE_TAGS = {module.name: module.tags for module in MODULES if module.tags}
SEED = "starlette-0.29"

Kind = Literal["doctest", "script", "error"]


@dataclass
class Snippet:
    """One example: a `>>>` statement with its expected output, or a script.

    `line` is the 1-based line of the example's first source line in `path`.
    """

    path: str
    line: int
    kind: Kind
    source: str
    want: str = ""
    exc_msg: str | None = None
    options: dict[int, bool] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    skip: bool = False
    skip_reason: str = ""
    flavour: Flavour | None = None  # the session's flavour: None on a page without tabs
    shared: bool = False  # a block outside tabs, run in each flavour's session

    @property
    def effective_tags(self) -> tuple[str, ...]:
        """The tags (or `("starlette-0.29",)` for an untagged example), with the flavour tag.

        A `fastapi` or `starlette` example runs today's library, so the seed tag never applies to it.
        """
        if self.flavour in ("fastapi", "starlette"):
            return tuple(sorted({*self.tags, self.flavour}))
        tags = self.tags or (SEED,)
        return tuple(sorted({*tags, self.flavour})) if self.flavour else tags

    @property
    def counts_for_coverage(self) -> bool:
        """Whether its rows and calls count: the ASGI flavour and pages without tabs."""
        return self.flavour in (None, "asgi")

    @property
    def where(self) -> str:
        """`path:line`, relative to the repository when possible."""
        return f"{relative(self.path)}:{self.line}"


@dataclass
class Session:
    """Examples that share one namespace and one event loop."""

    path: str
    snippets: list[Snippet]
    module: str | None = None  # for docstrings: the module whose globals they see
    flavour: Flavour | None = None  # for a page with flavour tabs: whose session this is


def relative(path: str | Path) -> str:
    """`path` relative to the repository root (or, installed, to where `docs/` is), if it lies inside it."""
    resolved = Path(path).resolve()
    for home in (DOCS_HOME, ROOT):
        if resolved.is_relative_to(home):
            return str(resolved.relative_to(home))
    return str(path)


def home_of(pattern: str) -> Path:
    """Where a root-relative path or glob is looked up: `docs/...` where the pages are, the rest in the root."""
    return DOCS_HOME if pattern.startswith("docs/") else ROOT


def expand(patterns: list[str]) -> list[Path]:
    """Files named by `patterns` (globs relative to the root, or plain paths), sorted, once each."""
    found: dict[Path, None] = {}
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():
            # A folder means its pages, plus its docstrings if it is a package
            # (docs/examples/*.py are apps that pages include, not docstrings to run).
            children = sorted(path.rglob("*.md"))
            if (path / "__init__.py").exists():
                children += sorted(path.rglob("*.py"))
            found.update(dict.fromkeys(child.resolve() for child in children))
        elif path.exists():
            found[path.resolve()] = None
        else:
            found.update(dict.fromkeys(sorted(p.resolve() for p in home_of(pattern).glob(pattern))))
    return list(found)


def directives(text: str, position: int) -> tuple[tuple[str, ...], str | None, str | None]:
    """Read `tags:`, `doctest:` and `skip:` comments on the lines just above `position`.

    Returns the tags, the skip reason (`None`: not skipped), and an error text for a bad directive.
    """
    tags: list[str] = []
    skip: str | None = None
    error = None
    # `position` is the start of the fence's line, so these are the lines above it.
    for line in reversed(text[:position].splitlines()):
        if not line.strip():
            continue
        match = DIRECTIVE.match(line.strip())
        if match is None:
            break
        name, value = match["name"], match["value"]
        if name == "tags":
            tags += [tag.strip() for tag in value.split(",") if tag.strip()]
            continue
        skipping = SKIP_VALUE[name].match(value)
        if skipping is None:
            usage = "'skip because REASON'" if name == "doctest" else "'next because REASON'"
            error = f"unknown directive <!-- {name}: {value} --> (only {usage} exists)"
        elif not skipping["reason"]:
            error = f"skip marker <!-- {name}: {value} --> gives no reason: write <!-- {name}: {value} because ... -->"
        else:
            skip = skipping["reason"]
    return tuple(sorted(set(tags))), skip, error


def tab_of(text: str, position: int) -> str | None:
    """The title of the pymdownx.tabbed tab whose content holds the line at `position`, if any."""
    line_start = text.rfind("\n", 0, position) + 1
    fence_line = text[line_start : text.find("\n", line_start) if "\n" in text[line_start:] else len(text)]
    indent = len(fence_line) - len(fence_line.lstrip(" "))
    if indent < 4:
        return None
    # Walk up to the nearest non-blank line indented less than the fence: the tab's title, or not a tab.
    for line in reversed(text[:line_start].splitlines()):
        if not line.strip():
            continue
        if len(line) - len(line.lstrip(" ")) < indent:
            match = TAB.match(line)
            if match is None or len(match["indent"].expandtabs()) != indent - 4:
                return None
            return match["title"]
    return None


def include_snippets(source: str) -> str:
    """Replace `--8<-- "file"` lines by the file's text, as pymdownx.snippets does."""
    lines = []
    for line in source.splitlines(keepends=True):
        match = SNIPPET.match(line)
        if match is None:
            if MANGLED_SNIPPET.match(line):
                raise ValueError(f"not a snippet line (reformatted by ruff format?): {line.strip()}")
            lines.append(line)
            continue
        included = (home_of(match["path"]) / match["path"]).read_text(encoding="utf-8").splitlines(keepends=True)
        start = int(match["start"] or 1)
        end = int(match["end"] or len(included))
        lines += included[start - 1 : end]
    return "".join(lines)


def doctest_snippets(
    path: str, text: str, first_line: int, tags: tuple[str, ...], skip: str | None
) -> Iterator[Snippet]:
    """One `Snippet` per `>>>` statement of `text`, whose first line is `first_line`; `skip` is a reason."""
    for example in doctest.DocTestParser().get_examples(text, path):
        yield Snippet(
            path,
            first_line + example.lineno,
            "doctest",
            example.source,
            example.want,
            example.exc_msg,
            example.options,
            tags,
            skip is not None,
            skip or "",
        )


def markdown_snippets(path: Path) -> list[Snippet]:
    """All `python` blocks of one Markdown page, in order, each with its tab's flavour (`None`: shared)."""
    document = Document(path.read_text(encoding="utf-8"), str(path))
    snippets: list[Snippet] = []
    for region in FENCE_LEXER(document):
        language = region.lexemes["language"]
        source = str(region.lexemes["source"])
        fence_line = document.text.count("\n", 0, region.start) + 1
        tags, skip, error = directives(document.text, region.start)
        if language in MISSPELT:
            error = f"a ```{language} fence is shown as Python but never run: write ```python (or ```text)"
        elif language != "python":
            continue
        title = tab_of(document.text, region.start)
        flavour: Flavour | None = None
        if title is not None:
            if title in FLAVOURS:
                flavour = FLAVOURS[title]
            elif not error:
                error = f'a python block in tab "{title}": only {", ".join(map(repr, FLAVOURS))} tabs are run'
        if not error and not source.lstrip().startswith(">>>"):
            try:
                source = include_snippets(source)
            except (OSError, ValueError) as problem:
                error = str(problem)
        if error:
            found = [Snippet(str(path), fence_line, "error", error, tags=tags)]
        elif source.lstrip().startswith(">>>"):
            found = list(doctest_snippets(str(path), source, fence_line + 1, tags, skip))
        else:
            script = Snippet(str(path), fence_line + 1, "script", source, tags=tags, skip=skip is not None)
            script.skip_reason = skip or ""
            found = [script]
        for snippet in found:
            snippet.flavour = flavour
        snippets += found
    return snippets


def markdown_sessions(path: Path) -> list[Session]:
    """A page without flavour tabs is one session; a page with them, one per flavour (see the module doc)."""
    snippets = markdown_snippets(path)
    shown = {snippet.flavour for snippet in snippets if snippet.flavour is not None}
    if not shown:
        return [Session(str(path), snippets)]
    sessions = []
    for flavour in FLAVOURS.values():
        if flavour not in shown and flavour != "asgi":
            continue
        own = [
            snippet if snippet.flavour is not None else replace(snippet, flavour=flavour, shared=True)
            for snippet in snippets
            if snippet.flavour in (None, flavour)
        ]
        sessions.append(Session(str(path), own, flavour=flavour))
    return sessions


def module_name(path: Path) -> str:
    """The dotted module name of a source file under the repository root."""
    parts = list(path.resolve().relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def docstring_sessions(path: Path) -> list[Session]:
    """One session per docstring of `path` that has `>>>` examples."""
    text = path.read_text(encoding="utf-8")
    sessions = []
    for start, _end, docstring in PythonDocStringDocument.extract_docstrings(text):
        first_line = text.count("\n", 0, start) + 1
        snippets = list(doctest_snippets(str(path), docstring, first_line, (), None))
        tags = set(MODULE_TAGS.get(module_name(path), ()))
        prompt = FIRST_PROMPT.search(docstring)
        match = DOCSTRING_TAGS.match(prompt["rest"]) if prompt else None
        if match:
            tags.update(tag.strip() for tag in match["value"].split(",") if tag.strip())
        for snippet in snippets:
            snippet.tags = tuple(sorted(tags))
        if snippets:
            sessions.append(Session(str(path), snippets, module=module_name(path)))
    return sessions


def collect(path: Path) -> list[Session]:
    """The sessions of one file: a page is one, a source file has one per docstring."""
    if path.suffix == ".md":
        return markdown_sessions(path)
    if path.suffix == ".py":
        return docstring_sessions(path)
    raise ValueError(f"{relative(path)}: only .md and .py files hold examples")
