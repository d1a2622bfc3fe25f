"""The docs example runner itself: conventions, failures with file and line, timeouts, the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from doctests.runner.collect import ROOT, collect
from doctests.runner.run import Outcome, Runner, exception_line

FIXTURES = Path(__file__).parent / "fixtures"


def run(name: str, timeout: float = 2.0) -> list[Outcome]:
    runner = Runner(timeout=timeout)
    return [outcome for session in collect(FIXTURES / name) for outcome in runner.run(session)]


def failures(outcomes: list[Outcome]) -> dict[int, str]:
    return {outcome.snippet.line: outcome.message for outcome in outcomes if outcome.status == "failed"}


def test_sample_page_passes_with_await_carry_over_tags_and_skip() -> None:
    outcomes = run("sample.md")
    assert failures(outcomes) == {}
    statuses = [outcome.status for outcome in outcomes]
    assert statuses.count("skipped") == 1
    assert statuses.count("passed") == 11
    # The script block with a title="..." attribute was collected and ran.
    assert any(outcome.snippet.kind == "script" for outcome in outcomes)
    tagged = [outcome for outcome in outcomes if outcome.snippet.tags]
    assert [outcome.snippet.tags for outcome in tagged] == [("asgi-2.5", "reference-only")]
    # The json fence is not collected at all.
    assert all('"not"' not in outcome.snippet.source for outcome in outcomes)


def test_failures_name_file_and_line_and_show_expected_and_got() -> None:
    outcomes = run("failing.md", timeout=0.5)
    failed = failures(outcomes)
    assert sorted(failed) == [4, 9, 14, 17, 23]
    assert failed[4].startswith("tests/docs/fixtures/failing.md:4: output differs")
    assert "Expected:\n    3\nGot:\n    2" in failed[4]
    assert 'failing.md", line 9' in failed[9]
    assert "ValueError: a script that fails" in failed[9]
    assert "timed out" in failed[14]
    assert "Expected:\n    KeyError: 'other'\nGot:\n    KeyError: 'missing'" in failed[17]
    assert "```py fence" in failed[23]
    # After the timeout the page went on, on the same loop.
    assert [o.status for o in outcomes if o.snippet.line == 15] == ["passed"]


def test_a_blocking_example_is_interrupted_and_the_page_goes_on() -> None:
    outcomes = run("blocking.md", timeout=0.3)
    assert [outcome.status for outcome in outcomes] == ["passed", "failed", "passed"]
    assert "blocked without awaiting" in outcomes[1].message


def test_each_docstring_is_its_own_session_with_the_module_globals() -> None:
    sessions = collect(FIXTURES / "sample_module.py")
    assert len(sessions) == 2
    assert sessions[0].module == "tests.docs.fixtures.sample_module"
    outcomes = run("sample_module.py")
    # `secret` from the module docstring is not seen by the function's docstring,
    # `double` (a module global) is, and the wrong expectation is reported at its line.
    assert failures(outcomes).keys() == {18}
    assert "Expected:\n    41\nGot:\n    42" in failures(outcomes)[18]


def test_snippet_includes_run_the_included_file() -> None:
    assert failures(run("snippet.md")) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reference_impl.websockets.WebSocketDisconnect: 1000\n", "WebSocketDisconnect: 1000\n"),
        ("starlette.websockets.WebSocketDisconnect: 1000\n", "WebSocketDisconnect: 1000\n"),
        ("RuntimeError: Expected ASGI message x.y\n", "RuntimeError: Expected ASGI message x.y\n"),
        ("json.decoder.JSONDecodeError: Expecting value: line 1\n", "JSONDecodeError: Expecting value: line 1\n"),
        ("TimeoutError\n", "TimeoutError\n"),
    ],
)
def test_exception_lines_do_not_depend_on_the_module(text: str, expected: str) -> None:
    assert exception_line(text) == expected


def test_cli_summary_closing_line_and_exit_status() -> None:
    command = [sys.executable, "-m", "doctests", "--timeout", "0.5"]
    failing = subprocess.run(
        [*command, str(FIXTURES / "failing.md")], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert failing.returncode == 1
    lines = failing.stdout.splitlines()
    assert lines[-2:] == ["2 same, 0 equivalent, 5 different, 0 missing", "2 passed, 5 failed"]
    assert "tests/docs/fixtures/failing.md 2 0 5 0 0 0" in [" ".join(line.split()) for line in lines]
    assert any(line.startswith("rows covered ") for line in lines)
    assert any(line.startswith("public names covered ") for line in lines)
    assert any(line.startswith("names in rendered reference ") for line in lines)
    assert "FAILED tests/docs/fixtures/failing.md:4: output differs" in failing.stdout

    passing = subprocess.run(
        [*command, str(FIXTURES / "sample.md")], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert passing.returncode == 0, passing.stdout
    assert passing.stdout.splitlines()[-1] == "11 passed, 0 failed"

    missing = subprocess.run([*command, "no/such/file.md"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2


def test_three_runs_in_one_process_leave_no_row_observer(capsys: pytest.CaptureFixture[str]) -> None:
    from doctests.__main__ import main
    from reference_impl import transitions

    page = str(ROOT / "docs" / "tutorial" / "echo.md")
    for _ in range(3):
        assert main(["--quiet", page]) == 0
    capsys.readouterr()
    assert transitions.observers == []
