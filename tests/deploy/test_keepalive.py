"""The "Find dead connections" page, checked against this build's `doctests/measure/keepalive.py` figures.

(Run on their own, without `build/`'s figures, the tests make a short run of their own.)

The page states: with pings on, the app learns that a vanished client is gone
within about one ping interval plus one ping timeout, on both backends, from
a `websocket.disconnect`; with pings off it does not learn at all. The
settings table shows uvicorn's own defaults.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from doctests import ROOT
from doctests.builddata import KEEPALIVE
from doctests.measure import keepalive
from doctests.measure.probe import BACKENDS
from doctests.sitegen.pages import keepalive as keepalive_page
from doctests.sitegen.pages import ping_settings
from tests.support import figures

PAGE = (ROOT / "docs" / "how-to" / "dead-connections.md").read_text(encoding="utf-8")
SLACK = 0.3  # Seconds of scheduling delay allowed on a busy 2-core machine.
INTERVAL, TIMEOUT, WAIT_OFF = 0.3, 0.3, 2.0


@pytest.fixture(scope="module")
def fresh() -> dict[str, Any]:
    """This build's figures (`make deploy` makes them first), else one short run now."""
    return figures.measured(
        KEEPALIVE,
        lambda: keepalive.measure(ping_interval=INTERVAL, ping_timeout=TIMEOUT, wait_without_pings=WAIT_OFF, runs=1),
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_with_pings_the_app_learns_within_interval_plus_timeout(fresh: dict[str, Any], backend: str) -> None:
    assert "With pings on, the app learned within one interval plus one timeout" in PAGE
    setting = fresh["backends"][backend]["pings_on"]
    for run in setting["runs"]:
        assert run["learned"], run
        config = fresh["config"]
        assert run["seconds"] <= config["ping_interval"] + config["ping_timeout"] + SLACK, run
        assert run["app_saw"].startswith("websocket.disconnect code="), run


@pytest.mark.parametrize("backend", BACKENDS)
def test_without_pings_the_app_does_not_learn(fresh: dict[str, Any], backend: str) -> None:
    assert "With pings off, it did not learn at all" in PAGE
    setting = fresh["backends"][backend]["pings_off"]
    assert setting["runs"], setting
    assert not any(run["learned"] for run in setting["runs"]), setting


def test_the_page_shows_the_measured_table(fresh: dict[str, Any], tmp_path: Path) -> None:
    assert "<!-- generate: keepalive -->" in PAGE
    path = KEEPALIVE.write(fresh, tmp_path / KEEPALIVE.name)
    table = keepalive_page.render(path)
    for backend in BACKENDS:
        assert f'| `ws="{backend}"` | on | after ' in table
        wait = fresh["config"]["wait_without_pings"]
        assert f'| `ws="{backend}"` | off | **no**: nothing within {wait:g} s' in table


def test_the_stored_figures_say_the_same(fresh: dict[str, Any]) -> None:
    if not KEEPALIVE.exists():
        pytest.skip(f"{KEEPALIVE.target} not made")
    stored = KEEPALIVE.read()
    config = stored["config"]
    for backend in BACKENDS:
        on, off = stored["backends"][backend]["pings_on"], stored["backends"][backend]["pings_off"]
        assert on["max_seconds"] is not None
        assert on["max_seconds"] <= config["ping_interval"] + config["ping_timeout"] + SLACK
        assert not any(run["learned"] for run in off["runs"])


def test_the_settings_table_shows_uvicorns_defaults() -> None:
    assert "<!-- generate: ping_settings -->" in PAGE
    defaults = inspect.signature(uvicorn.Config.__init__).parameters
    table = ping_settings.render()
    for option, name in (("--ws-ping-interval", "ws_ping_interval"), ("--ws-ping-timeout", "ws_ping_timeout")):
        assert f"| `{option}` | `{name}=` | `{defaults[name].default!r}` |" in table
    assert f"uvicorn {uvicorn.__version__}" in table


def test_the_relay_forwards_until_it_blackholes() -> None:
    """The measurement's premise: through the relay, messages flow; after `blackhole()`, none does."""
    import asyncio

    from websockets.asyncio.client import connect

    from doctests.measure.probe import running_server

    async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        while (message := await receive())["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": message["text"]})

    async def talk(address: str) -> tuple[str, bool]:
        host, port = address.split(":")
        relay = keepalive.Relay((host, int(port)))
        async with relay.serving() as relayed:
            client = await connect(f"ws://{relayed}/", open_timeout=5, ping_interval=None, close_timeout=0.1)
            try:
                await client.send("before")
                before = str(await asyncio.wait_for(client.recv(), 5))
                relay.blackhole()
                await client.send("after")
                try:
                    await asyncio.wait_for(client.recv(), 0.5)
                except TimeoutError:
                    silent = True
                else:
                    silent = False
            finally:
                client.transport.abort()
        return before, silent

    with running_server(echo, BACKENDS[0]) as (address, _):
        assert asyncio.run(talk(address)) == ("before", True)
