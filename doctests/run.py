"""Run collected examples: top-level `await`, one event loop per session, a timeout each.

Each session (a Markdown page, or one docstring) gets a fresh namespace and
one `asyncio.Runner`, so names, tasks and connections carry from one block to
the next, as in a `python -m asyncio` session. Code is compiled with
`ast.PyCF_ALLOW_TOP_LEVEL_AWAIT`; a block that awaits runs on the session's
loop, under `asyncio.timeout`. A block that blocks without awaiting is stopped
by `SIGALRM`, after which the session gets a fresh loop.

Doctest output is compared with `ELLIPSIS` and `NORMALIZE_WHITESPACE` on (so
long reprs may wrap on the page); inline `# doctest: +FLAG` directives work.
Exception lines are compared without the module prefix on either side, so
`WebSocketDisconnect: 1000` matches an exception raised by
`reference_impl.websockets` or by any other implementation's module.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import doctest
import importlib
import inspect
import io
import re
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import CodeType, FrameType, TracebackType
from typing import Any, Literal

from .collect import Session, Snippet, relative

FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
TIMEOUT = 10.0
# "reference_impl.websockets.WebSocketDisconnect: 1000" -> "WebSocketDisconnect: 1000"
MODULE_PREFIX = re.compile(r"^(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_]\w*(?::|$))")
# Pages run with this __name__, so `if __name__ == "__main__": uvicorn.run(app)` shows but does not run.
PAGE_NAME = "__docs__"

Status = Literal["passed", "failed", "skipped"]


@dataclass
class Outcome:
    """What happened to one snippet: one record of the report."""

    snippet: Snippet
    status: Status
    message: str = ""
    rows: list[str] = field(default_factory=list)  # transition-table rows applied, in order

    def record(self) -> dict[str, Any]:
        """A JSON-ready record: file, line, kind, tags, status, rows, and the failure."""
        return {
            "file": relative(self.snippet.path),
            "line": self.snippet.line,
            "kind": self.snippet.kind,
            "tags": list(self.snippet.tags),
            "status": self.status,
            "rows": self.rows,
            "message": self.message,
        }


class ExampleTimeout(Exception):
    """An example ran longer than the per-example timeout.

    `blocked` is true when it never yielded to the event loop and had to be
    interrupted by a signal, which may leave the loop unusable.
    """

    def __init__(self, message: str, blocked: bool) -> None:
        super().__init__(message)
        self.blocked = blocked


@contextlib.contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """Raise `ExampleTimeout` in the main thread after `seconds`, for code that blocks without awaiting.

    An outer timer (pytest-timeout's, say) is put back afterwards, minus the time spent.
    """

    def ring(signum: int, frame: FrameType | None) -> None:
        raise ExampleTimeout(f"no result after {seconds:g} s (blocked without awaiting)", blocked=True)

    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, ring)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            left = max(previous_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, previous_interval)


class Runner:
    """Runs the sessions' snippets and reports an `Outcome` for each.

    Args:
        timeout: Seconds each example may take.
    """

    def __init__(self, timeout: float = TIMEOUT) -> None:
        self.timeout = timeout
        self.checker = doctest.OutputChecker()
        self._rows: list[str] = []

    def note_row(self, row: object) -> None:
        """An observer for `reference_impl.transitions.observers`."""
        self._rows.append(repr(row))

    def run(self, session: Session) -> list[Outcome]:
        """Run every snippet of `session` in order, on one namespace and one loop."""
        namespace = self.namespace(session)
        loop = asyncio.Runner()
        outcomes = []
        try:
            for snippet in session.snippets:
                self._rows = []
                if snippet.skip:
                    outcomes.append(Outcome(snippet, "skipped"))
                    continue
                try:
                    message = self.evaluate(snippet, namespace, loop)
                except ExampleTimeout as error:
                    message = f"{snippet.where}: timed out: {error}\n{_indent(snippet.source)}"
                    if error.blocked:
                        # The signal may have hit the loop anywhere: the page goes on with a fresh one.
                        with contextlib.suppress(Exception):
                            loop.close()
                        loop = asyncio.Runner()
                outcomes.append(Outcome(snippet, "failed" if message else "passed", message, self._rows))
        finally:
            with contextlib.suppress(Exception), alarm(self.timeout):
                loop.close()  # cancels tasks the examples left running
        return outcomes

    def namespace(self, session: Session) -> dict[str, Any]:
        """A page starts empty; a docstring sees its module's globals, as doctest does."""
        if session.module is None:
            return {"__name__": PAGE_NAME, "__builtins__": __builtins__}
        return dict(vars(importlib.import_module(session.module)))

    def execute(self, code: CodeType, namespace: dict[str, Any], loop: asyncio.Runner) -> None:
        """Run `code` inside `loop`, as `python -m asyncio` does, under the timeout."""
        timer: asyncio.Timeout | None = None

        async def main() -> None:
            nonlocal timer
            async with asyncio.timeout(self.timeout) as timer:
                result = eval(code, namespace)
                if code.co_flags & inspect.CO_COROUTINE:
                    await result

        with alarm(self.timeout + 1):  # a backstop for code that blocks the loop without awaiting
            try:
                loop.run(main())
            except TimeoutError:
                if timer is not None and timer.expired():
                    why = f"no result after {self.timeout:g} s (awaiting a message nobody sends?)"
                    raise ExampleTimeout(why, blocked=False) from None
                raise

    def evaluate(self, snippet: Snippet, namespace: dict[str, Any], loop: asyncio.Runner) -> str:
        """Run one snippet; return "" if it passed, else a failure message."""
        if snippet.kind == "error":
            return f"{snippet.where}: {snippet.source}"
        mode = "single" if snippet.kind == "doctest" else "exec"
        # Pad with newlines so tracebacks name the example's own line in the file.
        padded = "\n" * (snippet.line - 1) + snippet.source
        output = io.StringIO()
        error: BaseException | None = None
        with contextlib.redirect_stdout(output):
            try:
                code = compile(padded, snippet.path, mode, flags=FLAGS, dont_inherit=True)
                self.execute(code, namespace, loop)
            except ExampleTimeout:
                raise
            except (Exception, SystemExit) as raised:
                error = raised
        got = output.getvalue()
        if snippet.kind == "script":
            return "" if error is None else f"{snippet.where}: script raised\n{format_traceback(error, snippet.path)}"
        return self.compare(snippet, got, error)

    def compare(self, snippet: Snippet, got: str, error: BaseException | None) -> str:
        """Compare a doctest statement's output or exception with what the page expects."""
        flags = OPTIONFLAGS
        for flag, on in snippet.options.items():
            flags = flags | flag if on else flags & ~flag
        example = doctest.Example(snippet.source, snippet.want, snippet.exc_msg)
        if error is None and snippet.exc_msg is None:
            if self.checker.check_output(snippet.want, got, flags):
                return ""
            return f"{snippet.where}: output differs\n" + _show(
                snippet, self.checker.output_difference(example, got, flags)
            )
        if error is None:
            return f"{snippet.where}: expected an exception, got none\n" + _show(
                snippet, self.checker.output_difference(example, got, flags)
            )
        if snippet.exc_msg is None:
            expected = _indent(snippet.want) or "    nothing\n"
            return f"{snippet.where}: unexpected exception\n" + _show(
                snippet, f"Expected:\n{expected}Got:\n{_indent(format_traceback(error, snippet.path))}"
            )
        want_line = exception_line(snippet.exc_msg)
        got_line = exception_line("".join(traceback.format_exception_only(type(error), error)))
        if self.checker.check_output(want_line, got_line, flags):
            return ""
        return f"{snippet.where}: exception differs\n" + _show(
            snippet, f"Expected:\n{_indent(snippet.exc_msg)}Got:\n{_indent(got_line)}"
        )


def exception_line(text: str) -> str:
    """The exception part of a traceback, with the type's module prefix removed."""
    lines = text.splitlines(keepends=True)
    if lines:
        lines[0] = MODULE_PREFIX.sub("", lines[0])
    return "".join(lines)


def format_traceback(error: BaseException, path: str) -> str:
    """A traceback from the example's own frame on, without the harness and asyncio frames."""
    tb: TracebackType | None = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != path:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


def _indent(text: str) -> str:
    return "".join("    " + line for line in text.splitlines(keepends=True))


def _show(snippet: Snippet, difference: str) -> str:
    return f"{_indent(snippet.source)}{difference}"


def main_runner() -> Runner:
    """A `Runner` whose row observer is hooked into `reference_impl.transitions`, when it is importable."""
    runner = Runner()
    with contextlib.suppress(ImportError):
        transitions = importlib.import_module("reference_impl.transitions")
        transitions.observers.append(runner.note_row)
    return runner
