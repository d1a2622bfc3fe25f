"""The troubleshooting page: its headings are the texts readers see, and they are still what uvicorn says.

* The capture the page is generated from (`builddata.SERVER_MESSAGES`, made
  by this build; a fresh capture when run on its own) holds the key texts.
* The generated headings come from the capture, and every `SERVER_ENTRIES`
  heading is found in it.
* Every error row of `reference_impl.transitions.TABLE`, and the error
  constants of `reference_impl.websockets`, have an entry, with the text the
  reference raises.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from doctests import ROOT
from doctests.builddata import SERVER_MESSAGES
from doctests.measure import server_messages
from doctests.sitegen.pages import troubleshooting
from reference_impl import InMemoryPeer, WebSocket, transitions, websockets
from tests.support import figures

PAGE = (ROOT / "docs" / "how-to" / "troubleshooting.md").read_text(encoding="utf-8")
ERROR_ROWS = [row for row in transitions.TABLE if row.error is not None]


@pytest.fixture(scope="module")
def fresh() -> dict[str, Any]:
    """This build's capture (`make deploy` makes it first), else a capture now."""
    return figures.measured(SERVER_MESSAGES, server_messages.measure)


def test_the_page_has_both_generated_parts() -> None:
    assert "<!-- generate: troubleshooting -->" in PAGE
    assert "<!-- generate: troubleshooting_server -->" in PAGE


def test_the_key_messages_are_what_uvicorn_says(fresh: dict[str, Any]) -> None:
    cases = {case["id"]: case["backends"] for case in fresh["cases"]}
    for result in cases["send-after-close"].values():
        assert result["app"] == (
            "RuntimeError: Unexpected ASGI message 'websocket.send', after sending 'websocket.close'."
        )
        assert result["log"][0]["text"] == "Exception in ASGI application"
    for result in cases["send-after-client-left"].values():
        assert result["app"] == "ClientDisconnected"
    for case_id in ("close-before-accept", "no-route", "dependency-raised", "origin-refused"):
        for result in cases[case_id].values():
            assert result["client"] == "InvalidStatus: server rejected WebSocket connection: HTTP 403", case_id
    if "browser-403" in cases:
        (chromium,) = cases["browser-403"].values()
        assert chromium["console"][0].endswith("Error during WebSocket handshake: Unexpected response code: 403")
        assert chromium["client"] == 'onclose: code 1006, reason ""'
    (none,) = cases["no-websocket-library"].values()
    assert none["log"][1]["text"].startswith("No supported WebSocket library detected.")
    assert none["client"] == "InvalidStatus: server rejected WebSocket connection: HTTP 404"


def test_every_server_heading_comes_from_a_fresh_capture(fresh: dict[str, Any], tmp_path: Path) -> None:
    path = SERVER_MESSAGES.write(fresh, tmp_path / SERVER_MESSAGES.name)
    rendered = troubleshooting.render_server(path)
    cases = {case["id"]: case for case in fresh["cases"]}
    for item in troubleshooting.SERVER_ENTRIES:
        if item.case.startswith("browser-") and item.case not in cases:
            continue  # No Chromium here: the capture has no browser cases, and the page leaves them out.
        assert f"### `{troubleshooting.heading_text(item, cases[item.case])}`" in rendered
    for heading in (
        "### `Unexpected ASGI message 'websocket.send', after sending 'websocket.close'.`",
        "### `Exception in ASGI application`",
        "### `ClientDisconnected`",
        "### `server rejected WebSocket connection: HTTP 403`",
        "### `Application startup failed. Exiting.`",
    ):
        assert heading in rendered


def test_every_error_row_of_the_table_has_an_entry() -> None:
    rendered = troubleshooting.render()
    assert {row.key for row in ERROR_ROWS} == set(troubleshooting.ROW_HELP)
    for row in ERROR_ROWS:
        assert f"### `{troubleshooting.row_text(row)}`" in rendered
        assert f"(the table row `{row.key}`)" in rendered
    for name in troubleshooting.CONSTANT_HELP:
        assert f"### `{getattr(websockets, name)}`" in rendered


def test_a_row_without_an_explanation_fails_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(troubleshooting.ROW_HELP, ERROR_ROWS[0].key)
    with pytest.raises(KeyError, match="no explanation"):
        troubleshooting.render()


@pytest.mark.asyncio
async def test_the_placeholder_heading_matches_what_the_reference_raises() -> None:
    peer = InMemoryPeer()
    websocket = WebSocket(peer.scope, peer.receive, peer.send)
    with pytest.raises(RuntimeError) as raised:
        await websocket.send_text("too early")
    row = transitions.find(transitions.Side.APPLICATION, transitions.WebSocketState.CONNECTING, "websocket.send")
    template = troubleshooting.row_text(row)
    assert str(raised.value) == template.replace(troubleshooting.PLACEHOLDER, repr("websocket.send"))
