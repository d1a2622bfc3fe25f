"""Run a page's examples inside Pyodide, the way `python -m doctests` runs them (shipped to the site as a file).

Standard library only: the site build copies this file next to the Pyodide
runtime, and `assets/run/run.js` imports it in the browser. It mirrors
`doctests.runner.run`:

* one namespace per page (`__name__ == "__docs__"`), and top-level `await`
  (`ast.PyCF_ALLOW_TOP_LEVEL_AWAIT`) on the browser's one event loop;
* a `>>>` block is split into statements by `doctest.DocTestParser`; each runs
  in `single` mode, so a bare expression echoes its value, and its output is
  compared with the page's (`ELLIPSIS`, `NORMALIZE_WHITESPACE`, inline
  `# doctest: +FLAG`s, exception lines without their module prefix);
* each statement awaits under `asyncio.timeout`. Code that never awaits
  cannot be interrupted: the browser has one thread, and no signal.

Edited code has no expected output: a former `>>>` block runs statement by
statement (values echo as in the REPL), a script runs whole.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import contextlib
import doctest
import inspect
import io
import json
import re
import traceback
from dataclasses import asdict, dataclass, field
from types import CodeType, TracebackType
from typing import Literal

FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
MODULE_PREFIX = re.compile(r"^(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_]\w*(?::|$))")
PAGE_NAME = "__docs__"
TIMEOUT = 10.0

Mode = Literal["session", "interactive", "script"]
Status = Literal["matches", "differs", "ran", "raised", "timeout"]


@dataclass
class Result:
    """What one block did: a transcript to show, and a verdict for the status line."""

    status: Status
    transcript: str
    differences: list[str] = field(default_factory=list)  # for "differs": one text per statement


class Timeout(Exception):
    """A statement awaited longer than the timeout."""


class Page:
    """One page's namespace; `run` executes one block of it."""

    def __init__(self, path: str, timeout: float = TIMEOUT) -> None:
        self.path = path  # names the page's state; `filename` in tracebacks is the page's source
        self.timeout = timeout
        self.namespace: dict[str, object] = {"__name__": PAGE_NAME, "__builtins__": builtins}
        self.checker = doctest.OutputChecker()
        self.tasks: set[asyncio.Task[object]] = set()

    def close(self) -> None:
        """Cancel the tasks this page's examples left running (the harness closes the page's loop)."""
        for task in self.tasks:
            if not task.done():
                task.cancel()
        self.tasks.clear()

    async def run(self, source: str, line: int, mode: Mode, check: bool, filename: str = "<page>") -> Result:
        """Run `source`, line `line` on of `filename` (the page's source); compare with the page if `check`."""
        filename = filename if check else "<edited>"
        if mode == "session":
            return await self._session(source, line, filename, check)
        if mode == "interactive":
            return await self._interactive(source, filename)
        output, error = await self._statement(source, line, filename, "exec")
        if isinstance(error, Timeout):
            return Result("timeout", output + f"TimeoutError: {error}\n")
        if error is not None:
            return Result("raised", output + format_traceback(error, filename))
        return Result("ran", output)

    async def _session(self, source: str, line: int, filename: str, check: bool) -> Result:
        transcript: list[str] = []
        differences: list[str] = []
        timed_out = False
        for example in doctest.DocTestParser().get_examples(source, filename):
            transcript.append(prompted(example.source))
            got, error = await self._statement(example.source, line + example.lineno, filename, "single")
            transcript.append(got)
            if isinstance(error, Timeout):
                transcript.append(f"TimeoutError: {error}\n")
                timed_out = True
                differences.append(f"{prompted(example.source)}{error}")
                continue
            if error is not None:
                transcript.append(format_traceback(error, filename))
            difference = self.compare(example, got, error) if check else None
            if difference is not None:
                differences.append(difference)
        status: Status = "timeout" if timed_out else "differs" if differences else "matches"
        return Result(status, "".join(transcript), differences)

    async def _interactive(self, source: str, filename: str) -> Result:
        try:
            tree = compile(source, filename, "exec", flags=ast.PyCF_ONLY_AST | FLAGS, dont_inherit=True)
        except SyntaxError as problem:
            return Result("raised", format_traceback(problem, filename))
        transcript: list[str] = []
        for statement in tree.body:
            text = ast.get_source_segment(source, statement, padded=True) or ast.unparse(statement)
            transcript.append(prompted(text.strip() + "\n"))
            code = compile(ast.Interactive(body=[statement]), filename, "single", flags=FLAGS, dont_inherit=True)
            got, error = await self._execute(code)
            transcript.append(got)
            if isinstance(error, Timeout):
                return Result("timeout", "".join(transcript) + f"TimeoutError: {error}\n")
            if error is not None:
                return Result("raised", "".join(transcript) + format_traceback(error, filename))
        return Result("ran", "".join(transcript))

    async def _statement(
        self, source: str, line: int, filename: str, mode: Literal["single", "exec"]
    ) -> tuple[str, BaseException | None]:
        padded = "\n" * (line - 1) + source  # tracebacks name the page's own line numbers
        try:
            code = compile(padded, filename, mode, flags=FLAGS, dont_inherit=True)
        except SyntaxError as error:
            return "", error
        return await self._execute(code)

    async def _execute(self, code: CodeType) -> tuple[str, BaseException | None]:
        """Run compiled code under the timeout; return what it printed and what it raised."""
        output = io.StringIO()
        before = asyncio.all_tasks()
        error: BaseException | None = None
        with contextlib.redirect_stdout(output):
            try:
                async with asyncio.timeout(self.timeout) as timer:
                    result = eval(code, self.namespace)
                    if code.co_flags & inspect.CO_COROUTINE:
                        await result
            except TimeoutError as raised:
                if timer.expired():
                    error = Timeout(f"no result after {self.timeout:g} s (awaiting a message nobody sends?)")
                else:
                    error = raised
            except (Exception, SystemExit) as raised:
                error = raised
        self.tasks |= asyncio.all_tasks() - before
        return output.getvalue(), error

    def compare(self, example: doctest.Example, got: str, error: BaseException | None) -> str | None:
        """`None` when the statement did what the page shows, else a short "expected / got" text."""
        flags = OPTIONFLAGS
        for flag, on in example.options.items():
            flags = flags | flag if on else flags & ~flag
        if error is None and example.exc_msg is None:
            if self.checker.check_output(example.want, got, flags):
                return None
            return f"{prompted(example.source)}{self.checker.output_difference(example, got, flags)}"
        if error is None:
            return f"{prompted(example.source)}Expected an exception:\n{example.exc_msg}Got:\n{got}"
        got_line = exception_line("".join(traceback.format_exception_only(type(error), error)))
        if example.exc_msg is None:
            return f"{prompted(example.source)}Expected:\n{example.want}Got:\n{got}{got_line}"
        if self.checker.check_output(exception_line(example.exc_msg), got_line, flags):
            return None
        return f"{prompted(example.source)}Expected:\n{example.exc_msg}Got:\n{got_line}"


def prompted(source: str) -> str:
    """A statement as a session shows it: `>>> ` on the first line, `... ` on the others."""
    lines = source.rstrip("\n").split("\n")
    return "".join(("... " if index else ">>> ") + text + "\n" for index, text in enumerate(lines))


def exception_line(text: str) -> str:
    """The exception part of a traceback, with the type's module prefix removed."""
    lines = text.splitlines(keepends=True)
    if lines:
        lines[0] = MODULE_PREFIX.sub("", lines[0])
    return "".join(lines)


def format_traceback(error: BaseException, filename: str) -> str:
    """A traceback from the example's own frame on (the driver's frames left out)."""
    if isinstance(error, SyntaxError):
        return "".join(traceback.format_exception_only(type(error), error))
    tb: TracebackType | None = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(traceback.extract_tb(tb))]
    return "".join(lines + traceback.format_exception_only(type(error), error))


_pages: dict[str, Page] = {}


def page(path: str, timeout: float = TIMEOUT) -> Page:
    """The page `path`'s state; opening another page closes the previous one, so one page runs at a time."""
    if path not in _pages:
        for old in _pages.values():
            old.close()
        _pages.clear()
        _pages[path] = Page(path, timeout)
    return _pages[path]


def reset(path: str) -> None:
    """Forget the page's namespace (the next run starts afresh, as a new page would)."""
    old = _pages.pop(path, None)
    if old is not None:
        old.close()


async def run_json(
    path: str, source: str, line: int, mode: Mode, check: bool, filename: str, seconds: float = TIMEOUT
) -> str:
    """`Page.run` for JavaScript: the result as a JSON string (no proxies to free); `seconds` per await."""
    result = await page(path, seconds).run(source, line, mode, check, filename)
    return json.dumps(asdict(result))
