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

Where the text differs, the example is judged as ASGI behaviour, not
spelling (unless `Runner.exact`): a `>>>` expression's value is compared
with the value the page shows (`doctests.spec.values`: a `str` enum for a
message type, another key order, an `int` enum for a code are
*equivalent*), and an exception whose class is a subclass of the expected
one, with the same text, is equivalent too (`WebSocketDisconnected:
text` for `RuntimeError: text`). Every example's outcome is one of
`same` (the text matched), `equivalent` (the value matched; `spelling`
says how the text differs), `different`, `missing` (it raised an
`AttributeError` or `ImportError` for a public name the implementation
lacks; the name is recorded) or `skipped`. Only `different` and `missing`
fail. `Outcome.comparison` says which comparison decided: `text`, `value`
or `exception-subclass` (`None` for scripts, timeouts and skips).

With an `Implementation` (see `doctests.spec.impl`), each session's namespace
swaps the reference's `WebSocket` & co. for the implementation's.

A page with flavour tabs runs as one session per flavour (see
`doctests.runner.collect`). The `fastapi` and `starlette` sessions import
those libraries themselves, so `--impl` does not change them; where a
flavour's library is missing or older than its tabs are written for (see
`FLAVOUR_LIBRARIES`), every example of that session is skipped with the
reason, instead of failing; so is an example tagged `fastapi` or `starlette`
(it imports that library: `TestClient`, say) on any page. That is how the oracle environment (Starlette
0.29.0, no FastAPI) runs the pages: only the `asgi` sessions run there.
A skipped example's reason is in `Outcome.message`.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import doctest
import importlib
import importlib.metadata
import importlib.util
import inspect
import io
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType, FrameType, ModuleType, TracebackType
from typing import Any, Literal

from ..spec.impl import Implementation
from ..spec.values import equivalent
from .collect import Session, Snippet, relative

FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
TIMEOUT = 10.0
# "reference_impl.websockets.WebSocketDisconnect: 1000" -> "WebSocketDisconnect: 1000"
MODULE_PREFIX = re.compile(r"^(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_]\w*(?::|$))")
# Pages run with this __name__, so `if __name__ == "__main__": uvicorn.run(app)` shows but does not run.
PAGE_NAME = "__docs__"
# The swapping `__import__` shows up in tracebacks of failed imports; it is not the example's doing.
HARNESS_IMPORT = str(Path(__file__).with_name("impl.py"))

Status = Literal["passed", "failed", "skipped"]
Verdict = Literal["same", "equivalent", "different", "missing", "skipped"]
Comparison = Literal["text", "value", "exception-subclass"]
VERDICTS: tuple[Verdict, ...] = ("same", "equivalent", "different", "missing", "skipped")
# "cannot import name 'X' from 'mod'": the name an ImportError is about.
IMPORT_NAME = re.compile(r"cannot import name '(?P<name>\w+)' from '(?P<module>[\w.]+)'")
# The library each non-ASGI flavour's tabs import, and the lowest version they are written for.
FLAVOUR_LIBRARIES: dict[str, tuple[str, tuple[int, ...]]] = {
    "fastapi": ("fastapi", (0, 100)),
    "starlette": ("starlette", (1, 0)),
}


# What an example with these tags needs besides the implementation: `starlette` (the testing tutorial:
# `TestClient`, pytest with pytest-timeout) and `redis` (the cross-process chat). Each entry is satisfied
# by any one of its import names. A checkout has them all; an implementer's environment may not, and
# then those examples are skipped, saying why, not failed.
TAG_NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "starlette": (("httpx2", "httpx"), ("pytest",), ("pytest_timeout",)),
    "redis": (("redis",),),
}


def snippet_unavailable(snippet: Snippet) -> str | None:
    """Why a snippet cannot run here: its session's flavour, or a `fastapi`/`starlette` tag, needs a library."""
    flavours = [snippet.flavour, *(tag for tag in snippet.tags if tag in FLAVOUR_LIBRARIES)]
    found = next(filter(None, map(flavour_unavailable, flavours)), None)
    return found or next(filter(None, (tag_unavailable(tag) for tag in snippet.tags)), None)


def tag_unavailable(tag: str) -> str | None:
    """Why examples tagged `tag` cannot run here (a module they import is missing), or `None`."""
    for names in TAG_NEEDS.get(tag, ()):
        if not any(importlib.util.find_spec(name) for name in names):
            return f"{tag} examples need {' or '.join(names)}, which is not installed"
    return None


def flavour_unavailable(flavour: str | None) -> str | None:
    """Why a flavour's session cannot run here (its library is missing or too old), or `None` if it can."""
    if flavour is None or flavour not in FLAVOUR_LIBRARIES:
        return None
    library, lowest = FLAVOUR_LIBRARIES[flavour]
    if importlib.util.find_spec(library) is None:
        return f"{flavour} examples need {library}, which is not installed"
    version = importlib.metadata.version(library)
    numbers = tuple(int(part) for part in re.findall(r"\d+", version)[: len(lowest)])
    if numbers < lowest:
        wanted = ".".join(map(str, lowest))
        return f"{flavour} examples are written for {library}>={wanted}; {library} {version} is installed"
    return None


@dataclass
class Outcome:
    """What happened to one snippet: one record of the report."""

    snippet: Snippet
    status: Status
    message: str = ""
    rows: list[str] = field(default_factory=list)  # transition-table rows applied, in order
    reason: str = ""  # for a failure: "output differs", "timed out", ...; for a skip: why
    expected: str | None = None  # for a failure: what the page shows
    got: str | None = None  # for a failure: what the implementation produced
    comparison: Comparison | None = None  # which comparison decided (None: a script, a timeout, a skip)
    spelling: list[str] = field(default_factory=list)  # for an equivalent: how the text differs
    missing: str | None = None  # for a missing name: `Owner.name`

    @property
    def verdict(self) -> Verdict:
        """same, equivalent, different, missing or skipped (see the module doc)."""
        if self.status == "skipped":
            return "skipped"
        if self.status == "failed":
            return "missing" if self.missing else "different"
        return "equivalent" if self.comparison in ("value", "exception-subclass") else "same"

    def record(self) -> dict[str, Any]:
        """A JSON-ready record: where, tags, source, status, outcome, rows, and for a failure what differed."""
        return {
            "file": relative(self.snippet.path),
            "line": self.snippet.line,
            "kind": self.snippet.kind,
            "flavour": self.snippet.flavour,
            "tags": list(self.snippet.effective_tags),
            "source": self.snippet.source,
            "status": self.status,
            "outcome": self.verdict,
            "comparison": self.comparison,
            "spelling": self.spelling,
            "missing": self.missing,
            "rows": self.rows,
            "reason": self.reason,
            "expected": self.expected,
            "got": self.got,
            "message": self.message,
        }


@dataclass
class Failure:
    """What went wrong with one example: `reason`, and the two sides when there are two."""

    reason: str
    detail: str  # the text after the first line of the message
    expected: str | None = None
    got: str | None = None
    comparison: Comparison | None = None
    missing: str | None = None  # `Owner.name` when it raised for a public name the implementation lacks


@dataclass
class Passed:
    """An example that passed: which comparison decided, and for an equivalent how the text differs."""

    comparison: Comparison | None = "text"
    spelling: list[str] = field(default_factory=list)


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
        implementation: Whose `WebSocket` & co. the examples get (default: the reference's own).
        exact: Compare output as text only (no value or exception-subclass comparison).
    """

    def __init__(
        self, timeout: float = TIMEOUT, implementation: Implementation | None = None, exact: bool = False
    ) -> None:
        self.timeout = timeout
        self.exact = exact
        self.implementation = implementation or Implementation("reference_impl.websockets")
        self.checker = doctest.OutputChecker()
        self._rows: list[str] = []

    def note_row(self, row: Any) -> None:
        """An observer for `reference_impl.transitions.observing`: rows are known by their `key`."""
        self._rows.append(row.key)

    def run(self, session: Session) -> list[Outcome]:
        """Run every snippet of `session` in order, on one namespace and one loop."""
        namespace = self.namespace(session)
        loop = asyncio.Runner()
        outcomes = []
        # The reference reports its rows itself; another implementation's are read off the peers.
        wire = None if self.implementation.is_reference else _wire_rows()
        try:
            for snippet in session.snippets:
                self._rows = []
                unavailable = snippet_unavailable(snippet)
                if snippet.skip or unavailable:
                    reason = snippet.skip_reason if snippet.skip else unavailable or ""
                    outcomes.append(Outcome(snippet, "skipped", f"{snippet.where}: skipped: {reason}", reason=reason))
                    continue
                try:
                    result = self.evaluate(snippet, namespace, loop)
                except ExampleTimeout as error:
                    result = Failure("timed out", f"{error}\n{_indent(snippet.source)}", got=str(error))
                    if error.blocked:
                        # The signal may have hit the loop anywhere: the page goes on with a fresh one.
                        with contextlib.suppress(Exception):
                            loop.close()
                        loop = asyncio.Runner()
                if wire is not None:
                    self._rows = wire.rows(namespace)
                if isinstance(result, Passed):
                    comparison = result.comparison if snippet.kind == "doctest" else None
                    outcomes.append(
                        Outcome(snippet, "passed", rows=self._rows, comparison=comparison, spelling=result.spelling)
                    )
                    continue
                failure = result
                separator = "\n" if failure.reason != "timed out" else ": "
                head = f"{failure.reason} {failure.missing}" if failure.missing else failure.reason
                message = f"{snippet.where}: {head}{separator}{failure.detail}"
                outcomes.append(
                    Outcome(
                        snippet,
                        "failed",
                        message,
                        self._rows,
                        failure.reason,
                        failure.expected,
                        failure.got,
                        comparison=failure.comparison,
                        missing=failure.missing,
                    )
                )
        finally:
            with contextlib.suppress(Exception), alarm(self.timeout):
                loop.close()  # cancels tasks the examples left running
        return outcomes

    def namespace(self, session: Session) -> dict[str, Any]:
        """A page starts empty; a docstring sees its module's globals, as doctest does."""
        if session.module is None:
            return {"__name__": PAGE_NAME, "__builtins__": self.implementation.builtins()}
        return self.implementation.globals_for(vars(importlib.import_module(session.module)))

    def execute(self, code: CodeType, namespace: dict[str, Any], loop: asyncio.Runner) -> None:
        """Run `code` inside `loop`, as `python -m asyncio` does, under the timeout."""
        timer: asyncio.Timeout | None = None

        async def main() -> None:
            nonlocal timer
            async with asyncio.timeout(self.timeout) as timer:
                result = eval(code, namespace)
                if code.co_flags & inspect.CO_COROUTINE:
                    await result

        with alarm(self.timeout + min(self.timeout, 1.0)):  # a backstop for code that blocks the loop
            try:
                loop.run(main())
            except TimeoutError:
                if timer is not None and timer.expired():
                    why = f"no result after {self.timeout:g} s (awaiting a message nobody sends?)"
                    raise ExampleTimeout(why, blocked=False) from None
                raise

    def evaluate(self, snippet: Snippet, namespace: dict[str, Any], loop: asyncio.Runner) -> Passed | Failure:
        """Run one snippet; return how it passed, or what failed."""
        if snippet.kind == "error":
            return Failure(snippet.source, "")
        mode = "single" if snippet.kind == "doctest" else "exec"
        # Pad with newlines so tracebacks name the example's own line in the file.
        padded = "\n" * (snippet.line - 1) + snippet.source
        output = io.StringIO()
        error: BaseException | None = None
        displayed: list[object] = []
        display = sys.displayhook

        def recording(value: object) -> None:
            if value is not None:
                displayed.append(value)
            display(value)

        with contextlib.redirect_stdout(output):
            sys.displayhook = recording
            try:
                code = compile(padded, snippet.path, mode, flags=FLAGS, dont_inherit=True)
                self.execute(code, namespace, loop)
            except ExampleTimeout:
                raise
            except (Exception, SystemExit) as raised:
                error = raised
            finally:
                sys.displayhook = display
        got = output.getvalue()
        if snippet.kind == "script":
            if error is None:
                return Passed(None)
            trace = format_traceback(error, snippet.path)
            failure = Failure("script raised", trace, "no exception", exception_only(error) + exception_details(error))
            return self.missing_name(failure, error, None)
        # The value an expression displayed, when that is all the example printed.
        value = displayed[0] if len(displayed) == 1 and got == _shown(displayed[0]) else _NOTHING
        result = self.compare(snippet, got, error, value)
        return self.missing_name(result, error, snippet.exc_msg) if isinstance(result, Failure) else result

    def missing_name(self, failure: Failure, error: BaseException | None, expected: str | None) -> Failure:
        """`failure` marked `missing` when it raised for a public name of the implementation's that is not there.

        Only an `AttributeError` (or `ImportError` of a name) the page does not
        show itself counts, and only for an object of the implementation's own
        package, or a module.
        """
        if not isinstance(error, AttributeError | ImportError) or self.implementation.is_reference:
            return failure
        if expected is not None and exception_line(expected).startswith(type(error).__name__):
            return failure
        name = lacking(error, self.implementation.module.split(".")[0])
        if name is None:
            return failure
        failure.reason, failure.missing = "missing name", name
        return failure

    def compare(
        self, snippet: Snippet, got: str, error: BaseException | None, value: object = None
    ) -> Passed | Failure:
        """Compare a doctest statement's output (and displayed `value`) or exception with what the page expects."""
        flags = OPTIONFLAGS
        for flag, on in snippet.options.items():
            flags = flags | flag if on else flags & ~flag
        example = doctest.Example(snippet.source, snippet.want, snippet.exc_msg)
        if error is None and snippet.exc_msg is None:
            if self.checker.check_output(snippet.want, got, flags):
                return Passed()
            by_value = not self.exact and value is not _NOTHING
            if by_value:
                spelling = equivalent(value, snippet.want)
                if spelling is not None:
                    return Passed("value", spelling or ["spelling"])
            difference = self.checker.output_difference(example, got, flags)
            decided: Comparison = "value" if by_value else "text"
            return Failure("output differs", _show(snippet, difference), snippet.want, got, decided)
        if error is None:
            difference = self.checker.output_difference(example, got, flags)
            return Failure("expected an exception, got none", _show(snippet, difference), snippet.exc_msg, got, "text")
        if snippet.exc_msg is None:
            expected = _indent(snippet.want) or "    nothing\n"
            raised = format_traceback(error, snippet.path)
            difference = f"Expected:\n{expected}Got:\n{_indent(raised)}"
            raised_line = exception_only(error) + exception_details(error)
            return Failure("unexpected exception", _show(snippet, difference), snippet.want, got + raised_line, "text")
        want_line = exception_line(snippet.exc_msg)
        got_line = exception_only(error)
        if self.checker.check_output(want_line, got_line, flags):
            return Passed()
        base = None if self.exact else expected_base(want_line, error)
        if base is not None:
            renamed = base + got_line.removeprefix(type(error).__name__)
            if self.checker.check_output(want_line, renamed, flags):
                return Passed("exception-subclass", [f"exception is a subclass of {base} ({type(error).__name__})"])
        got_line += exception_details(error)
        difference = f"Expected:\n{_indent(snippet.exc_msg)}Got:\n{_indent(got_line)}"
        judged: Comparison = "exception-subclass" if base is not None else "text"
        return Failure("exception differs", _show(snippet, difference), want_line, got_line, judged)


_NOTHING: Any = object()  # no single displayed value to compare


def _shown(value: object) -> str | None:
    """What `sys.displayhook` printed for `value`."""
    try:
        return repr(value) + "\n"
    except Exception:
        return None


def expected_base(want_line: str, error: BaseException) -> str | None:
    """The expected exception's class name, if it is a base class (by name) of the raised one's, else `None`."""
    name = want_line.partition(":")[0].strip()
    raised = type(error)
    if not name or name == raised.__name__:
        return None
    return name if any(cls.__name__ == name for cls in raised.__mro__[1:]) else None


def lacking(error: AttributeError | ImportError, package: str) -> str | None:
    """`Owner.name` for an error about a public name of `package`'s (or of a module) that does not exist."""
    if isinstance(error, ImportError):
        match = IMPORT_NAME.search(str(error))
        if match is None or match["name"].startswith("_"):
            return None
        return f"{match['module']}.{match['name']}"
    name, owner = getattr(error, "name", None), getattr(error, "obj", None)
    if not name or name.startswith("_") or owner is None:
        return None
    if isinstance(owner, ModuleType):
        return f"{owner.__name__}.{name}"
    kind = owner if isinstance(owner, type) else type(owner)
    if kind.__module__.split(".")[0] != package:
        return None
    return f"{kind.__qualname__}.{name}"


def exception_line(text: str) -> str:
    """The exception part of a traceback, with the type's module prefix removed."""
    lines = text.splitlines(keepends=True)
    if lines:
        lines[0] = MODULE_PREFIX.sub("", lines[0])
    return "".join(lines)


def exception_only(error: BaseException) -> str:
    """`Type: message` as a traceback ends, without the type's module."""
    return exception_line("".join(traceback.format_exception_only(type(error), error)))


def exception_details(error: BaseException) -> str:
    """`(code=1006, reason='')` for an exception with WebSocket close details, which its text may not show."""
    details = [f"{name}={getattr(error, name)!r}" for name in ("code", "reason") if hasattr(error, name)]
    return f"({', '.join(details)})\n" if details else ""


def format_traceback(error: BaseException, path: str) -> str:
    """A traceback from the example's own frame on, without the harness's frames (nor asyncio's before it)."""
    tb: TracebackType | None = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != path:
        tb = tb.tb_next
    frames = [frame for frame in traceback.extract_tb(tb) if frame.filename != HARNESS_IMPORT]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    return "".join(lines + traceback.format_exception_only(type(error), error))


def _wire_rows() -> Any:
    # Imported here: it imports reference_impl, which must not load before coverage starts.
    from ..spec.wire import WireRows

    return WireRows()


def _indent(text: str) -> str:
    return "".join("    " + line for line in text.splitlines(keepends=True))


def _show(snippet: Snippet, difference: str) -> str:
    return f"{_indent(snippet.source)}{difference}"


@contextlib.contextmanager
def main_runner(implementation: Implementation | None = None, exact: bool = False) -> Iterator[Runner]:
    """A `Runner` told of every table row the reference applies inside the `with` block, and only there."""
    runner = Runner(implementation=implementation, exact=exact)
    try:
        transitions = importlib.import_module("reference_impl.transitions")
    except ImportError:
        yield runner
        return
    with transitions.observing(runner.note_row):
        yield runner
