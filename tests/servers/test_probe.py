"""Run the probe as `make` does, check what it measured per server, and render the page from it.

The "What servers do" page is one comparison table and a list of statements
for portable code, both computed from the probe's JSON. Each statement puts
every server in a group ("raises" / "returns", "arrived" / "did not arrive");
the tests recompute each server's group here from the raw observations, with
their own code, so the page cannot drift from what the servers do. A handful
of facts the field notes recorded for these exact versions are asserted too.
A server that is not installed skips its tests, saying so in one line.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from markdown.extensions.toc import slugify  # type: ignore[import-untyped]

from doctests import ROOT
from doctests.builddata import SERVERS as OUTPUT
from doctests.builddata import MissingInput
from doctests.measure.probe import CASES, SERVERS, SHUTDOWN, SHUTDOWN_RUNS
from doctests.sitegen.pages import servers as page

Json = dict[str, Any]
SERVER_IDS = [server.id for server in SERVERS]
MiB = 1024 * 1024

# What the field notes (servers-measured.md) recorded for the pinned versions, as the page's cells say it.
NOTED: dict[str, dict[str, str]] = {
    "uvicorn-sansio": {
        "binary-frame": "`bytes`",
        "client-close": "4001 'bye'",
        "tcp-drop": "1005",
        "send-after-close": "raises ClientDisconnected (OSError)",
        "accept-headers": "arrives",
        "size-1MiB+1": "app gets it",
    },
    "uvicorn-wsproto": {
        "binary-frame": "`bytes`",
        "client-close": "4001 'bye'",
        "tcp-drop": "1005",
        "send-after-close": "raises ClientDisconnected (OSError)",
        "close-long-reason": "sends 1000, 122-byte reason",
        "scope-headers": "left out",
    },
    "hypercorn": {
        "binary-frame": "`bytes`, `text: None`",
        "client-close": "1006, no reason",
        "tcp-drop": "1006",
        "send-after-close": "returns",
        "accept-headers": "arrives",
        "close-1005": "sends 1000",
    },
    "daphne": {
        "binary-frame": "`bytes`",
        "client-close": "4001, no reason",
        "client-close-empty": "None",
        "tcp-drop": "1006",
        "accept-headers": "dropped",
        "close-reason": "sends 4000, reason dropped",
        "size-default": "1 MiB (frame 1 MiB)",
    },
    "granian": {
        "binary-frame": "`bytes`",
        "client-close": "4001, no reason",
        "tcp-drop": "1005",
        "send-after-close": "returns",
        "accept-headers": "dropped",
        "raise-before-accept": "403",
        "scope-address": "tuple, str port",
    },
}


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Json]:
    """The probe's JSON: the one this build made (`make servers` makes it first), else a fresh run's."""
    if OUTPUT.exists():
        document = OUTPUT.read_document()
        return OUTPUT.path, {**document["data"], **document["environment"]}
    out = tmp_path_factory.mktemp("probe") / "servers.json"
    command = [sys.executable, "-m", "doctests.measure.probe", "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    document = OUTPUT.read_document(out)
    return out, {**document["data"], **document["environment"]}


def entry(data: Json, server_id: str) -> Json:
    """One server's measurements; skips, with the probe's one-line reason, if it was not measured."""
    found = next(server for server in data["servers"] if server["id"] == server_id)
    if "skipped" in found:
        pytest.skip(found["skipped"])
    return dict(found)


def app_messages(server: Json, case: str, kind: str) -> list[Json]:
    return [
        note["message"]
        for note in server["cases"][case]["app"]
        if note["op"] == "receive" and note.get("message", {}).get("type") == kind
    ]


def app_sends(server: Json, case: str) -> list[Json]:
    return [note for note in server["cases"][case]["app"] if note["op"] == "send"]


def test_probe_ran_every_case_and_left_nothing_running(measured: tuple[Path, Json]) -> None:
    _, data = measured
    assert [server["id"] for server in data["servers"]] == SERVER_IDS
    assert [case["id"] for case in data["cases"]] == [case.id for case in (*CASES, SHUTDOWN)]
    assert data["seconds"] < 90
    for server in data["servers"]:
        if "skipped" in server:
            continue
        assert server["version"] == importlib.metadata.version(server["package"])
        assert list(server["cases"]) == [case.id for case in CASES]
        unfinished = [case for case, result in server["cases"].items() if not result["app_finished"]]
        assert not unfinished, (server["id"], unfinished)
        assert [len(runs) for runs in server["shutdown"].values()] == [SHUTDOWN_RUNS, SHUTDOWN_RUNS]
        assert len(server["processes"]) == 1 + 2 * SHUTDOWN_RUNS
        for process in server["processes"]:
            assert not process["killed"], (server["id"], process)
            assert process["left_over"] == [], (server["id"], process)
            assert process["exit_code"] in (0, -15), (server["id"], process)


@pytest.mark.parametrize("server_id", SERVER_IDS)
def test_what_the_field_notes_recorded(measured: tuple[Path, Json], server_id: str) -> None:
    _, data = measured
    server = entry(data, server_id)
    rows = {row.id: row for row in page.ROWS}
    for row_id, expected in NOTED[server_id].items():
        assert rows[row_id].outcomes(server) == [expected], (server_id, row_id)


@pytest.mark.parametrize("server_id", SERVER_IDS)
def test_the_page_statements_hold(measured: tuple[Path, Json], server_id: str) -> None:
    """Each statement's group for this server, recomputed from the raw notes."""
    _, data = measured
    server = entry(data, server_id)
    said = {statement.id: statement for statement in page.statements(data)}

    def group(statement: str) -> str:
        if statement != "close-codes":  # The only one that counts outcomes rather than naming servers.
            assert server["name"] in said[statement].text, statement
        return said[statement].by_server[server_id]

    text = app_messages(server, "text-frame", "websocket.receive")[0]
    binary = app_messages(server, "binary-frame", "websocket.receive")[0]
    assert text.get("text") == "hé"
    assert binary.get("text") is None  # `message.get("text") is not None` tells them apart everywhere.
    assert group("text-or-bytes") == ("`text: None`" if "text" in binary else "no `text` key")

    sends = [
        note
        for case in ("send-after-close", "send-after-drop", "send-after-disconnect")
        for note in app_sends(server, case)
        if note["message"]["type"] == "websocket.send"
    ]
    assert len(sends) == 5
    if all(note.get("ok") for note in sends):
        assert group("send-after-leaving") == "returns"
    else:
        assert {note.get("error") for note in sends} == {"uvicorn.protocols.utils.ClientDisconnected"}
        assert all(note["oserror"] for note in sends)
        assert group("send-after-leaving") == "raises ClientDisconnected"

    (left,) = app_messages(server, "client-close", "websocket.disconnect")[:1]
    assert group("client-reason") == ("arrived" if left.get("reason") == "bye" else "did not arrive")
    assert group("code-client-close") == str(left["code"])
    (dropped,) = app_messages(server, "tcp-drop", "websocket.disconnect")[:1]
    assert group("code-tcp-drop") == str(dropped["code"])

    close = server["cases"]["close-reason"]["client"]["after"]["close"]
    assert close["code"] == 4000
    assert group("app-reason") == ("arrived" if close["reason"] == "done" else "did not arrive")

    headers = server["cases"]["accept-headers"]["client"]["handshake"]["headers"]
    assert group("accept-headers") == ("arrives" if "x-probe" in headers else "dropped")

    got = app_messages(server, "size-1MiB+1", "websocket.receive")
    accepted = bool(got) and got[0]["bytes"] == {"bytes_len": MiB + 1}
    assert group("size") == ("accepted" if accepted else "refused")

    denial = server["cases"]["deny-response"]["client"]["handshake"]
    honoured = denial.get("status") == 401 and "denied" in denial.get("body", "")
    assert group("deny-response") == ("honoured" if honoured else "not honoured")

    ends = []
    for run in server["shutdown"]["SIGTERM"]:
        after = run["client"]["after"]
        ends.append(f"close {after['close']['code']}" if "close" in after else f"{after['end']}, no close frame")
    assert group("shutdown") == " or ".join(dict.fromkeys(ends))
    assert group("close-codes") in ("as asked", "otherwise")


def test_the_page_is_one_comparison_table(measured: tuple[Path, Json]) -> None:
    path, data = measured
    markdown = page.render(path)
    assert data["measured"] in markdown
    installed = [server for server in data["servers"] if "skipped" not in server]
    for server in installed:
        assert f"{server['name']} {server['version']}" in markdown
    lines = markdown.splitlines()
    headers = [index for index, line in enumerate(lines) if line.startswith("| Differs | Case |")]
    assert len(headers) == 1
    header = lines[headers[0]]
    assert header.count("|") - 1 == 2 + len(installed)
    rows = lines[headers[0] + 2 : headers[0] + 2 + len(page.ROWS)]
    assert all(row.count("|") == header.count("|") for row in rows)
    assert lines[headers[0] + 2 + len(page.ROWS)] == ""
    for row, line in zip(page.ROWS, rows, strict=True):
        assert f'<span id="row-{row.id}"></span>' in line
        assert line.startswith("| ≠") == page.disagree(row, installed), row.id
    covered = {row.case for row in page.ROWS}
    assert {case.id for case in (*CASES, SHUTDOWN)} <= covered
    for statement in page.statements(data):
        assert f"- {statement.text}" in markdown
        assert set(statement.by_server) == {server["id"] for server in installed}


def test_every_row_links_to_a_heading_that_exists() -> None:
    docs = ROOT / "docs"
    for row in page.ROWS:
        target, _, anchor = row.teaches.partition("#")
        source = (docs / target).read_text(encoding="utf-8")
        assert (docs / target).exists(), row.id
        if anchor:
            headings = re.findall(r"^#+ (.+)$", source, flags=re.MULTILINE)
            slugs = {slugify(heading.replace("`", ""), "-") for heading in headings}
            assert anchor in slugs, (row.id, row.teaches)


def test_render_names_the_command_when_the_data_is_missing(tmp_path: Path) -> None:
    with pytest.raises(MissingInput, match=r"make build/servers\.json"):
        page.render(dataclasses.replace(OUTPUT, folder=tmp_path).path)


def test_links_to_rows_from_other_pages_resolve() -> None:
    """Concept and reference pages cite rows by anchor; each anchor must be a row the page renders."""
    rows = {f"row-{row.id}" for row in page.ROWS}
    cited = {
        (path.name, anchor)
        for folder in ("concepts", "reference")
        for path in sorted((ROOT / "docs" / folder).glob("*.md"))
        for anchor in re.findall(r"servers\.md#(row-[^)\s]+)\)", path.read_text(encoding="utf-8"))
    }
    assert cited
    assert {anchor for _, anchor in cited} <= rows, sorted(cited)
