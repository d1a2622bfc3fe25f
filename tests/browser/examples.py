"""Code examples as a reader meets them: what a block shows, what copying it should give, and running it.

A `>>>` session mixes prompts, code and output. Copying must give only the
code, and pasting that into `python -m asyncio` must print what the page
shows. A script is copied whole and run with `python`. Both run in a fresh
interpreter that sees the standard library and a copy of `reference_impl`,
nothing else.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from doctests import ROOT as REPO

# A prompt is ">>>" or "..." followed by a space or the end of the line.
PROMPT = re.compile(r"^(>>>|\.\.\.)( |$)")
# The REPL writes its prompts to stdout without a newline, so output follows them.
LEADING_PROMPTS = re.compile(r"^(?:(?:>>>|\.\.\.) )+")
# What the interactive console prints for an exception or a syntax error.
REPL_ERROR = re.compile(r'Traceback \(most recent call last\)|File "<(?:console|stdin)>"', re.MULTILINE)
RUN_TIMEOUT_S = 30


def is_session(text: str) -> bool:
    """Whether a code block is a `>>>` session (its first non-blank line is a prompt)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and lines[0].startswith(">>>")


def session_code(text: str) -> list[str]:
    """The code a reader types in a session: prompt lines with the prompt removed."""
    return [PROMPT.sub("", line, count=1) for line in text.splitlines() if PROMPT.match(line)]


def is_example(text: str) -> bool:
    """Whether a block does something: it has a statement other than an import.

    Reference pages open with the line that imports the class; that line is
    how to get the name, not an example of using it.
    """
    code = "\n".join(session_code(text)) if is_session(text) else text
    try:
        tree = compile(code, "<example>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError:
        return True  # broken code is not skipped: running it will say what is wrong
    return any(not isinstance(node, ast.Import | ast.ImportFrom) for node in tree.body)


def session_output(text: str) -> list[str]:
    """The output a session shows: its non-blank lines that are not prompts."""
    return [line.rstrip() for line in text.splitlines() if line.strip() and not PROMPT.match(line)]


def solid_lines(text: str) -> list[str]:
    """Non-blank lines without trailing spaces.

    Copying a session turns each hidden output line into an empty line, which
    is harmless when pasted, so copies are compared on their non-blank lines.
    """
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def expected_copy(text: str) -> list[str]:
    """What copying a block should give, as non-blank lines: the code, without prompts or output."""
    if is_session(text):
        return [line.rstrip() for line in session_code(text) if line.strip()]
    return solid_lines(text)


def first_difference(got: list[str], want: list[str]) -> tuple[int, str, str]:
    """Where two line lists first differ: (1-based line, got, wanted), "<end>" past the end of one."""
    for number, (have, need) in enumerate(zip(got, want, strict=False), start=1):
        if have != need:
            return number, have, need
    number = min(len(got), len(want)) + 1
    return number, (got[number - 1 :] or ["<end>"])[0], (want[number - 1 :] or ["<end>"])[0]


def repl_output(stdout: str) -> list[str]:
    """What a session printed, from the REPL's stdout: prompts removed, blank lines dropped."""
    lines = (LEADING_PROMPTS.sub("", line).rstrip() for line in stdout.splitlines())
    return [line for line in lines if line and line not in {">>>", "..."}]


def output_matches(expected: list[str], actual: list[str]) -> bool:
    """Compare output line by line; "..." inside an expected line matches anything, as doctest's ELLIPSIS."""
    if len(expected) != len(actual):
        return False
    for want, got in zip(expected, actual, strict=True):
        if "..." in want:
            pattern = ".*".join(re.escape(part) for part in want.split("..."))
            if not re.fullmatch(pattern, got):
                return False
        elif want != got:
            return False
    return True


def make_sandbox(root: Path) -> Path:
    """Copy `reference_impl` (and nothing else) into `root/lib`; return that directory."""
    lib = root / "lib"
    shutil.copytree(REPO / "reference_impl", lib / "reference_impl", ignore=shutil.ignore_patterns("__pycache__"))
    return lib


@dataclass
class Run:
    """A finished example run."""

    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        """The run's outcome, for failure messages."""
        return f"exit code {self.returncode}\n--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"


def run_python(args: list[str], lib: Path, cwd: Path, stdin: str = "") -> Run:
    """Run this Python with no site-packages (`-S -s`), only `lib` on PYTHONPATH, in `cwd`."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(lib),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "HOME": str(cwd),
    }
    completed = subprocess.run(
        [sys.executable, "-S", "-s", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


def run_session(code: str, lib: Path, cwd: Path) -> Run:
    """Paste `code` into `python -m asyncio`, then press Enter once more and end the input."""
    return run_python(["-m", "asyncio"], lib, cwd, stdin=code + "\n\n")


def run_script(code: str, lib: Path, cwd: Path) -> Run:
    """Save `code` as `example.py` and run it with `python example.py`."""
    (cwd / "example.py").write_text(code + "\n", encoding="utf-8")
    return run_python(["example.py"], lib, cwd)


def session_failed(run: Run) -> bool:
    """Whether a pasted session raised anything (the REPL itself exits 0 regardless)."""
    return run.returncode != 0 or bool(REPL_ERROR.search(run.stderr))


def script_failed(run: Run) -> bool:
    """Whether a script failed."""
    return run.returncode != 0 or "Traceback (most recent call last)" in run.stderr
