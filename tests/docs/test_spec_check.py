"""The spec check: the docs examples run against another implementation, with tags, a report, and bad input."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from doctests.__main__ import main
from doctests.builddata import COMPAT_STARLETTE, MissingInput
from doctests.runner.collect import ROOT, collect
from doctests.runner.run import Runner
from doctests.sitegen.pages import compatibility
from doctests.spec import impl
from doctests.spec.report import Report

FIXTURES = Path(__file__).parent / "fixtures"
PAGE = str(FIXTURES / "spec_page.md")
DOCSTRINGS = str(FIXTURES / "docstring_module.py")
ORACLE_PYTHON = ROOT / ".venv-oracle" / "bin" / "python"
DEMO = str(ROOT / "docs" / "examples" / "spec_demo" / "websockets_demo.py")


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    """Run `python -m doctests *argv` in this process; return the status, stdout lines and stderr."""
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err


def table_row(lines: list[str], key: str) -> list[str]:
    return next(line.split()[1:] for line in lines if line.split()[:1] == [key])


def test_the_reference_runs_as_itself_and_passes_the_fixture_page() -> None:
    runner = Runner()
    outcomes = [outcome for session in collect(Path(PAGE)) for outcome in runner.run(session)]
    assert [outcome.message for outcome in outcomes if outcome.status != "passed"] == []
    assert runner.implementation.is_reference


def test_examples_importing_reference_impl_get_the_implementation_under_test(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    status, lines, _ = check(capsys, "--impl", DEMO, PAGE, DOCSTRINGS, "--report", str(report))
    assert status == 1
    assert lines[0] == "implementation websockets_demo (version unknown)"
    assert lines[1].split() == ["WebSocket", "websockets_demo.WebSocket"]
    assert lines[4].split() == ["WebSocketClose", "the", "reference's", "(the", "module", "has", "none)"]
    data = json.loads(report.read_text())["data"]
    failed = {(Path(e["file"]).name, e["line"]): e for e in data["examples"] if e["status"] == "failed"}
    # Only the lines that print where `WebSocket` comes from notice: on the page, via
    # `import reference_impl[.websockets]`, and in a docstring whose module globals held the reference's.
    assert sorted(failed) == [("docstring_module.py", 3), ("spec_page.md", 8)]
    record = failed["spec_page.md", 8]
    assert record["file"] == "tests/docs/fixtures/spec_page.md"
    assert record["tags"] == ["starlette-0.29"]
    assert record["reason"] == "output differs"
    assert (record["expected"], record["got"]) == ("'reference_impl.websockets'\n", "'websockets_demo'\n")
    assert f"FAILED {record['file']}:8: output differs [starlette-0.29]" in lines
    # The transitions come from the messages that crossed the peer.
    accept = next(e for e in data["examples"] if e["source"] == "await websocket.accept()\n")
    assert accept["rows"] == [
        "client_state CONNECTING websocket.connect",
        "application_state CONNECTING websocket.accept",
    ]
    assert data["swapped"]["WebSocket"] == "websockets_demo.WebSocket"
    assert data["kept"] == ["WebSocketClose", "HTTPConnection"]
    assert (data["passed"], data["failed"]) == (17, 2)


def test_tags_are_grouped_and_select_what_counts(capsys: pytest.CaptureFixture[str]) -> None:
    base = ("--impl", DEMO, PAGE, DOCSTRINGS)
    status, lines, _ = check(capsys, *base)
    assert status == 1
    assert lines[-1] == "17 passed, 2 failed"
    # The docstring tagged by `>>> # tags: reference-only` and the page's tagged blocks are grouped.
    assert table_row(lines, "starlette-0.29") == ["13", "0", "2", "0", "0", "0"]
    assert table_row(lines, "asgi-2.5") == ["2", "0", "0", "0", "0", "0"]
    assert table_row(lines, "reference-only") == ["2", "0", "0", "0", "0", "0"]

    status, lines, _ = check(capsys, *base, "--exclude-tag", "starlette-0.29")
    assert status == 0
    assert lines[-1] == "4 passed, 0 failed"
    assert table_row(lines, "starlette-0.29") == ["0", "0", "0", "0", "0", "15"]
    assert not [line for line in lines if line.startswith("FAILED")]

    status, lines, _ = check(capsys, *base, "--require-tag", "asgi-2.5", "--require-tag", "reference-only")
    assert status == 0
    assert lines[-1] == "4 passed, 0 failed"
    status, lines, _ = check(capsys, *base, "--exit-zero")  # for runs made for their report
    assert status == 0
    assert lines[-1] == "17 passed, 2 failed"
    status, lines, _ = check(capsys, *base, "--require-tag", "starlette-0.29")
    assert status == 1
    assert lines[-1] == "13 passed, 2 failed"


def test_a_hanging_implementation_fails_those_examples_and_the_run_goes_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    argv = ("--impl", "tests.docs.fixtures.hanging_impl", "--timeout", "0.2", PAGE, DOCSTRINGS)
    status, lines, _ = check(capsys, *argv, "--report", str(report))
    assert status == 1
    examples = json.loads(report.read_text())["data"]["examples"]
    by_source = {e["source"]: e for e in examples if e["file"].endswith("spec_page.md")}
    assert by_source["await websocket.accept()\n"]["reason"] == "timed out"
    assert "awaiting a message nobody sends" in by_source["await websocket.accept()\n"]["got"]
    assert "blocked without awaiting" in by_source['await websocket.send_text("hello")\n']["got"]
    # The examples after the hangs ran, on this page and in the next file.
    assert by_source['WebSocketDisconnect(1000, "bye").reason\n']["status"] == "passed"
    assert [e["status"] for e in examples if e["file"].endswith("docstring_module.py")] == [
        "failed",
        "passed",
    ]
    assert lines[-1] == "14 passed, 5 failed"


def test_an_implementation_that_cannot_be_used_gets_one_line_and_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "doctests", "--impl", "nonexistent.module"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: --impl nonexistent.module: cannot import it (ModuleNotFoundError: No module named 'nonexistent')"
    ]

    status, lines, err = check(capsys, "--impl", "json", PAGE)
    assert (status, lines) == (2, [])
    assert err == "error: --impl json: it has none of WebSocket, WebSocketDisconnect, WebSocketState\n"

    status, lines, err = check(capsys, "--impl", "tests.docs.fixtures.broken_impl", PAGE)
    assert (status, lines) == (2, [])
    assert err.count("\n") == 1
    assert "RuntimeError: this implementation is broken" in err
    assert "Traceback" not in err


def test_fastapi_has_no_websocket_state_at_its_top_level(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = check(capsys, "--impl", "fastapi", PAGE)
    assert status == 2
    assert (
        err
        == "error: --impl fastapi: it has no WebSocketState (needs WebSocket, WebSocketDisconnect, WebSocketState)\n"
    )


@pytest.mark.skipif(not ORACLE_PYTHON.exists(), reason="no .venv-oracle (make env builds it)")
def test_the_seeds_starlette_passes_every_seed_example() -> None:
    done = subprocess.run(
        [
            str(ORACLE_PYTHON),
            "-m",
            "doctests",
            "--impl",
            "starlette.websockets",
            "--require-tag",
            "starlette-0.29",
            "-q",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(starlette 0.29.0)" in done.stdout
    assert done.stdout.splitlines()[-1].endswith(" passed, 0 failed")


def record(
    expected: str, got: str, source: str = "x\n", reason: str = "exception differs", **extra: Any
) -> dict[str, Any]:
    return {"expected": expected, "got": got, "source": source, "reason": reason, "tags": ["starlette-0.29"], **extra}


CLASSIFIED = {
    "websocket-disconnected": record(
        'RuntimeError: Cannot call "send" once a close message has been sent.\n',
        'WebSocketDisconnected: Cannot call "send" once a close message has been sent.\n',
    ),
    "denial-response-error-text": record(
        'RuntimeError: Expected ASGI message "websocket.accept" or "websocket.close", but got \'websocket.send\'\n',
        'RuntimeError: Expected ASGI message "websocket.accept", "websocket.close" or '
        "\"websocket.http.response.start\", but got 'websocket.send'\n",
    ),
    "denial-response-accepted": record(
        "RuntimeError: Expected ASGI message ...\n",
        "",
        source='await websocket.send({"type": "websocket.http.response.start", "status": 401})\n',
        reason="expected an exception, got none",
    ),
    "response-state": record("[<S.A: 0>]\n", "[<S.A: 0>, <WebSocketState.RESPONSE: 3>]\n", reason="output differs"),
    "ensure-ascii": record('\'{"city":"Z\\\\u00fcrich"}\'\n', '\'{"city":"Zürich"}\'\n', reason="output differs"),
    "oserror-1006": record("OSError: the client has gone\n", "WebSocketDisconnect\n(code=1006, reason='')\n"),
    "receive-json-mode-first": record(
        'RuntimeError: WebSocket is not connected. Need to call "accept" first.\n',
        'RuntimeError: The "mode" argument should be "text" or "binary".\n',
    ),
    "url-for-needs-router": record(
        "KeyError: 'router'\n", "RuntimeError: The `url_for` method can only be used inside a Starlette app.\n"
    ),
    "scheme-default": record("URL('ws://a/')\n", "URL('http://a/')\n", reason="output differs"),
}


@pytest.mark.parametrize("cause", [cause.id for cause in compatibility.CAUSES if cause.id != "reference-table"])
def test_each_known_cause_is_recognised_by_its_own_test(cause: str) -> None:
    found = compatibility.classify(CLASSIFIED[cause])
    assert found is not None
    assert found.id == cause


def test_a_divergence_no_cause_matches_is_unexplained() -> None:
    assert compatibility.classify(record("RuntimeError: one text\n", "RuntimeError: another text\n")) is None
    # The same class with another text is not the WebSocketDisconnected rename.
    assert compatibility.classify(record("RuntimeError: a\n", "WebSocketDisconnected: b\n")) is None


def test_the_compatibility_page_is_rendered_from_real_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = ["docs/tutorial/json.md", "docs/tutorial/first-endpoint.md", "docs/reference/websocket-state.md"]
    runs = []
    for run, module in zip(compatibility.RUNS, ("starlette.websockets", "fastapi.websockets"), strict=True):
        output = dataclasses.replace(run.output, folder=tmp_path)
        assert main(["--impl", module, "-q", "--report", str(output.path), *pages]) == 1
        runs.append(dataclasses.replace(run, output=output))
    capsys.readouterr()
    monkeypatch.setattr(compatibility, "RUNS", tuple(runs))
    # Starlette 0.29.0's run, standing in: the same examples, all passed (it agrees with the reference).
    today = Report.read(runs[0].output)
    old_run = dataclasses.replace(compatibility.OLD_RUN, folder=tmp_path / "old")
    old_examples = [{**e, "status": "passed", "got": e["expected"], "reason": ""} for e in today.examples]
    dataclasses.replace(today, version="starlette 0.29.0", examples=old_examples).write(old_run.path)
    monkeypatch.setattr(compatibility, "OLD_RUN", old_run)
    page = compatibility.render()
    assert "where Starlette 0.29.0 escapes them" in page
    assert "Unexplained:" not in page
    for where in (
        "docs/tutorial/json.md:100",
        "docs/tutorial/first-endpoint.md:149",
        "docs/reference/websocket-state.md:15",
    ):
        assert f"### {where} " in page
    assert '>Reference (the page)</th><th style="width: 50%">Starlette and FastAPI</th>' in page
    assert "**Why: `send_json` keeps non-ASCII characters.**" in page
    assert "`WebSocket` is `starlette.websockets.WebSocket`" in page

    runs[0].output.path.unlink()
    with pytest.raises(MissingInput, match=r"make it with `make build/compat-starlette\.json`"):
        compatibility.render()


def test_a_report_from_another_version_is_refused(tmp_path: Path) -> None:
    old = Report("starlette.websockets", "starlette 0.0.1", {}, [], [], [], 0, 0, [])
    run = dataclasses.replace(compatibility.RUNS[0], output=dataclasses.replace(COMPAT_STARLETTE, folder=tmp_path))
    old.write(run.output.path)
    with pytest.raises(MissingInput, match=r"made with starlette 0\.0\.1, but starlette 1\.\d+\.\d+ is installed"):
        compatibility.load(run)


def test_swapped_objects_are_replaced_in_docstring_globals() -> None:
    implementation = impl.load("starlette.websockets")
    from reference_impl import websockets

    swapped = implementation.globals_for(vars(websockets))
    import starlette.websockets

    assert swapped["WebSocket"] is starlette.websockets.WebSocket
    assert swapped["HTTPConnection"] is starlette.websockets.HTTPConnection
    assert vars(websockets)["WebSocket"] is websockets.WebSocket  # the module itself is untouched


def test_an_example_app_import_is_swapped_once_or_refused() -> None:
    source = "from reference_impl import WebSocket\n\nasync def app(scope, receive, send): ...\n"
    assert impl.swap_example_import(source, "fastapi").startswith("from fastapi.websockets import WebSocket\n")
    assert impl.swap_example_import(source, "reference_impl") == source
    with pytest.raises(ValueError, match="exactly once"):
        impl.swap_example_import(source * 2, "starlette")
    with pytest.raises(ValueError, match="outside its import line"):
        impl.swap_example_import(source + "import reference_impl.peer\n", "starlette")
