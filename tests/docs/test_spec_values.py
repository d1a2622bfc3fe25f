"""The spec check judges behaviour, not spelling: each rule proved by a fake implementation on one fixture page.

`tests/docs/fixtures/spec_values.md` accepts a connection, shows the accept
and send messages, and sends after a close. Each fake implementation beside
it changes one thing: the message type is a `str` enum, the dicts are built
in another key order, the error is a `RuntimeError` subclass with the same
text, the error text differs, or `send_text` is missing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from doctests.__main__ import main
from doctests.spec.report import FORMAT, Report, ReportFormatError
from doctests.spec.values import equivalent

FIXTURES = Path(__file__).parent / "fixtures"
PAGE = str(FIXTURES / "spec_values.md")
ACCEPT, SEND, AFTER_CLOSE = 13, 16, 19  # the lines of the three examples each rule is about


def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, fake: str, *options: str) -> tuple[int, list[str], Any]:
    """Check the page with `tests.docs.fixtures.<fake>`; return the status, stdout lines and report data."""
    report = tmp_path / f"{fake}.json"
    status = main(["--impl", f"tests.docs.fixtures.{fake}", PAGE, "--report", str(report), *options])
    lines = capsys.readouterr().out.splitlines()
    return status, lines, json.loads(report.read_text())["data"]


def by_line(data: Any) -> dict[int, dict[str, Any]]:
    return {example["line"]: example for example in data["examples"]}


def outcomes(data: Any) -> dict[int, str]:
    """Line -> outcome of every example that is not `same`."""
    return {example["line"]: example["outcome"] for example in data["examples"] if example["outcome"] != "same"}


def test_a_str_enum_message_type_is_equivalent(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, lines, data = run(capsys, tmp_path, "str_enum_impl")
    assert status == 0
    assert outcomes(data) == {ACCEPT: "equivalent", SEND: "equivalent"}
    accept = by_line(data)[ACCEPT]
    assert (accept["status"], accept["comparison"]) == ("passed", "value")
    assert accept["spelling"] == ["message type is a str enum (MessageType)"]
    assert by_line(data)[AFTER_CLOSE]["comparison"] == "text"
    assert data["outcomes"] == {"same": 7, "equivalent": 2, "different": 0, "missing": 0}
    assert lines[-2:] == ["7 same, 2 equivalent, 0 different, 0 missing", "9 passed, 0 failed"]
    assert f"EQUIVALENT tests/docs/fixtures/spec_values.md:{ACCEPT}: message type is a str enum (MessageType)" in lines


def test_another_key_order_is_equivalent(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, data = run(capsys, tmp_path, "key_order_impl")
    assert status == 0
    assert outcomes(data) == {ACCEPT: "equivalent", SEND: "equivalent"}
    assert by_line(data)[ACCEPT]["spelling"] == ["key order"]
    assert by_line(data)[ACCEPT]["comparison"] == "value"


def test_a_subclass_of_the_expected_exception_with_its_text_is_equivalent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, _, data = run(capsys, tmp_path, "subclass_error_impl")
    assert status == 0
    assert outcomes(data) == {AFTER_CLOSE: "equivalent"}
    record = by_line(data)[AFTER_CLOSE]
    assert record["comparison"] == "exception-subclass"
    assert record["spelling"] == ["exception is a subclass of RuntimeError (WebSocketDisconnected)"]


def test_only_a_real_divergence_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, lines, data = run(capsys, tmp_path, "diverging_impl")
    assert status == 1
    assert outcomes(data) == {AFTER_CLOSE: "different"}
    record = by_line(data)[AFTER_CLOSE]
    assert (record["status"], record["reason"], record["comparison"]) == ("failed", "exception differs", "text")
    assert record["got"] == "RuntimeError: the connection is closed\n"
    assert lines[-2:] == ["8 same, 0 equivalent, 1 different, 0 missing", "8 passed, 1 failed"]
    assert (data["passed"], data["failed"]) == (8, 1)


def test_exact_compares_text_only(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, lines, data = run(capsys, tmp_path, "str_enum_impl", "--exact")
    assert status == 1
    assert outcomes(data) == {ACCEPT: "different", SEND: "different"}
    assert by_line(data)[ACCEPT]["comparison"] == "text"
    assert data["exact"] is True
    assert lines[-1] == "7 passed, 2 failed"
    status, _, data = run(capsys, tmp_path, "subclass_error_impl", "--exact")
    assert status == 1
    assert outcomes(data) == {AFTER_CLOSE: "different"}


def test_a_missing_public_name_is_reported_as_missing_with_the_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, lines, data = run(capsys, tmp_path, "missing_impl")
    assert status == 1
    # Both calls of `send_text` lack the name; the message it never sent makes the next example differ.
    assert outcomes(data) == {SEND - 1: "missing", SEND: "different", AFTER_CLOSE: "missing"}
    record = by_line(data)[AFTER_CLOSE]
    assert (record["missing"], record["reason"]) == ("WebSocket.send_text", "missing name")
    assert (
        f"FAILED tests/docs/fixtures/spec_values.md:{AFTER_CLOSE}: missing name WebSocket.send_text [starlette-0.29]"
        in lines
    )
    assert lines[-2:] == ["6 same, 0 equivalent, 1 different, 2 missing", "6 passed, 3 failed"]


def test_a_hanging_example_still_stops_at_the_timeout(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, data = run(capsys, tmp_path, "hanging_impl", "--timeout", "0.2")
    assert status == 1
    record = by_line(data)[ACCEPT - 1]
    assert (record["outcome"], record["reason"], record["comparison"]) == ("different", "timed out", None)


@pytest.mark.parametrize(
    ("value", "shown", "notes"),
    [
        ({"type": "websocket.close", "code": 1000}, "{'type': 'websocket.close', 'code': 1000}", []),
        ([{"b": 1, "a": 2}], "[{'a': 2, 'b': 1}]", ["key order"]),
        ({"type": "websocket.send", "text": "x"}, "{'type': 'websocket.send', 'text': ...}", []),
        ((1000, ""), "(1000, '')", []),
        ({"code": True}, "{'code': 1}", None),  # a bool never stands for an int
        ([1], "(1,)", None),
        ({"type": "a"}, "{'type': 'a', 'text': 'x'}", None),
        ("x", "<WebSocket object at 0x...>", None),  # not a literal: text only
    ],
)
def test_values_compare_as_values(value: object, shown: str, notes: list[str] | None) -> None:
    assert equivalent(value, shown) == notes


def test_states_compare_by_member(capsys: pytest.CaptureFixture[str]) -> None:
    import enum

    class ConnectionState(enum.IntEnum):
        CONNECTED = 1

    assert equivalent([ConnectionState.CONNECTED], "[<WebSocketState.CONNECTED: 1>]") == [
        "value[0] is a ConnectionState member, shown as WebSocketState"
    ]
    assert equivalent(ConnectionState.CONNECTED, "<WebSocketState.DISCONNECTED: 2>") is None


def test_the_report_format_is_3_and_older_reports_are_refused() -> None:
    assert FORMAT == 3
    report = Report("m", "m 1", {}, [], [], [], 1, 0, [], outcomes={"same": 1, "equivalent": 0})
    assert Report.from_dict(report.as_dict()) == report
    with pytest.raises(ReportFormatError, match="report format 2, this spec check reads 3"):
        Report.from_dict({**report.as_dict(), "format": 2})


def test_the_summary_make_compat_prints_counts_each_outcome(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from doctests.spec import report

    run(capsys, tmp_path, "diverging_impl")
    assert report.main([str(tmp_path / "diverging_impl.json")]) == 0
    assert capsys.readouterr().out == (
        "tests.docs.fixtures.diverging_impl (version unknown): 8 same, 0 equivalent, 1 different, 0 missing\n"
    )
