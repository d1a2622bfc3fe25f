"""Run the probe as `make` does, check what it measured, and render the page from it.

The "What servers do" page states some of these observations in prose; each
such statement is asserted here, so the page cannot drift from what uvicorn
really does. Where a backend differs, the test says which.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from doctests import ROOT
from doctests.builddata import SERVERS, MissingInput
from doctests.measure.probe import BACKENDS, CASES
from doctests.sitegen.pages import servers as page

SANSIO, WSPROTO = BACKENDS


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The probe's JSON, written by its command line into a temporary directory."""
    out = tmp_path_factory.mktemp("probe") / "servers.json"
    command = [sys.executable, "-m", "doctests.measure.probe", "--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    document = SERVERS.read_document(out)
    return out, {**document["data"], **document["environment"]}


def notes(data: dict[str, Any], backend: str, case: str) -> tuple[str, str]:
    """What the app and the client observed in one case, each as one string."""
    result = data["backends"][backend][case]
    return "\n".join(result["app"]), "\n".join(result["client"])


def test_probe_covers_every_case_on_every_backend(measured: tuple[Path, dict[str, Any]]) -> None:
    _, data = measured
    assert {"python", "uvicorn", "websockets", "wsproto"} <= set(data["versions"])
    assert list(data["backends"]) == list(BACKENDS)
    for backend in BACKENDS:
        assert list(data["backends"][backend]) == [case.id for case in CASES]
        for case in CASES:
            app, client = notes(data, backend, case.id)
            assert app
            assert client
            assert "timeout" not in app + client, (backend, case.id)
    assert data["seconds"] < 30


@pytest.mark.parametrize("backend", BACKENDS)
def test_what_both_backends_do(measured: tuple[Path, dict[str, Any]], backend: str) -> None:
    _, data = measured
    app, client = notes(data, backend, "reject")
    assert client == "handshake refused: HTTP 403"
    assert app.endswith("receive() → websocket.disconnect code=1006")
    app, _ = notes(data, backend, "client-close")
    assert app.endswith("websocket.disconnect code=4000 reason='client is leaving'")
    app, _ = notes(data, backend, "client-close-no-code")
    assert "websocket.disconnect code=1005" in app
    app, _ = notes(data, backend, "tcp-drop")
    assert app.endswith("websocket.disconnect code=1005")  # 1005, not 1006, for a lost connection.
    for case in ("send-after-close", "send-after-drop", "send-after-disconnect"):
        app, _ = notes(data, backend, case)
        sends = [line for line in app.splitlines() if line.startswith("send(websocket.send")]
        assert sends
        assert all(line.endswith("raised ClientDisconnected") for line in sends), (case, sends)
    app, client = notes(data, backend, "too-big")
    assert "websocket.disconnect code=1009" in app
    assert "got close 1009" in client
    app, client = notes(data, backend, "shutdown")
    assert "websocket.disconnect code=1012" in app
    assert app.endswith("raised ClientDisconnected")
    assert "got close 1012" in client
    app, _ = notes(data, backend, "invalid-utf8")
    assert "websocket.disconnect code=1007" in app


def test_where_the_backends_differ(measured: tuple[Path, dict[str, Any]]) -> None:
    _, data = measured
    for code in (1005, 1006, 999, 5000):
        app, client = notes(data, SANSIO, f"close-{code}")
        assert "raised ProtocolError: invalid status code" in app
        assert "got no close frame" in client
        app, client = notes(data, WSPROTO, f"close-{code}")
        assert f"send(websocket.close code={code} reason='') returned" in app
        # wsproto sends 1000 for the reserved 1005 and 1006, and other bad codes as they are,
        # which the websockets client refuses with 1002.
        expected = "got close 1000 ''" if code in (1005, 1006) else "sent close 1002 'invalid status code'"
        assert expected in client
    app, client = notes(data, SANSIO, "long-reason")
    assert "raised ProtocolError: control frame too long" in app
    assert "got no close frame" in client
    app, client = notes(data, WSPROTO, "long-reason")
    assert "returned" in app
    assert "got close 1000 <122-byte reason>" in client  # Cut to whole characters within 123 bytes.
    _, client = notes(data, SANSIO, "invalid-utf8")
    assert "got close 1007" in client
    app, client = notes(data, WSPROTO, "invalid-utf8")
    assert "got no close frame" in client
    assert "codec can't decode" in app  # The reason is Python's decoding error.
    sansio, wsproto = (notes(data, backend, "too-big")[1] for backend in BACKENDS)
    assert sansio != wsproto  # Same code, different reasons.


def test_render(measured: tuple[Path, dict[str, Any]]) -> None:
    path, data = measured
    markdown = page.render(path)
    assert data["measured"] in markdown
    for name, version in data["versions"].items():
        assert f"{name} {version}" in markdown
    for backend in BACKENDS:
        assert f'### uvicorn `ws="{backend}"`' in markdown
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    for case in CASES:  # One row in the table of cases, and one per backend.
        assert sum(row.startswith(f"| {case.title} |") for row in rows) == 1 + len(BACKENDS)
    assert "HTTP 403" in markdown


def test_render_names_the_command_when_the_data_is_missing(tmp_path: Path) -> None:
    with pytest.raises(MissingInput, match=r"make build/servers\.json"):
        page.render(dataclasses.replace(SERVERS, folder=tmp_path).path)
