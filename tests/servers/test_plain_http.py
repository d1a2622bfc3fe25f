"""A plain HTTP request to every example gets a deliberate answer, not the server's 500.

Chat serves its page at GET /; every other example answers 426 Upgrade
Required with `Upgrade: websocket` and a one-line text body. Each example runs
under uvicorn on both WebSocket backends, as written and with its import
swapped to FastAPI (see `conftest.py`), and the server must log nothing
alarming: an app that ignored the request would make uvicorn log an error.
"""

from __future__ import annotations

import asyncio
import http.client

import pytest

from doctests.measure.load import BAD_LOG

from .conftest import APPS, Serve, app_finished


def get(address: str, path: str = "/") -> tuple[int, dict[str, str], str]:
    """GET `path` with the standard library (no proxy); the status, headers and body."""
    host, port = address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=2.0)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
    finally:
        connection.close()


@pytest.mark.asyncio
@pytest.mark.parametrize("name", APPS)
async def test_plain_get_gets_a_deliberate_answer(serve: Serve, name: str, capfd: pytest.CaptureFixture[str]) -> None:
    with serve(name) as (address, _, server):
        status, headers, body = await asyncio.to_thread(get, address)
        assert await app_finished(server)
    if name == "chat":
        assert (status, headers["content-type"]) == (200, "text/html; charset=utf-8")
        assert "<title>Chat</title>" in body
    else:
        assert (status, headers.get("upgrade")) == (426, "websocket"), body
        assert body == "Upgrade Required: this URL speaks WebSocket.\n"
    log = capfd.readouterr().err
    assert not [line for line in log.splitlines() if any(word in line for word in BAD_LOG)]
