"""The "Shut down gracefully" page, checked against the real `uvicorn` command.

* The page's statements about what uvicorn does on SIGINT and SIGTERM hold
  in a fresh, smaller run of `doctests/measure/shutdown.py`.
* `docs/examples/going_away.py` gets 1001 and its reason to the client on
  both signals and both backends.
* `docs/examples/clients/reconnecting_client.py` reconnects to a restarted server.
* The page's JavaScript reconnects in headless Chromium, and Chromium answers
  uvicorn's pings (the claim of "Find dead connections").

Every uvicorn runs in its own process group on a loopback port picked here,
and is killed on the way out (`doctests.measure.shutdown.uvicorn_process`).
"""

from __future__ import annotations

import asyncio
import importlib.util
import re
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from doctests import EXAMPLES, ROOT
from doctests.builddata import SHUTDOWN
from doctests.measure import shutdown
from doctests.measure.probe import BACKENDS
from doctests.sitegen.pages import shutdown as shutdown_page
from tests.support.browser import launched

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PAGE = (ROOT / "docs" / "how-to" / "shutdown.md").read_text(encoding="utf-8")
WAIT = 10.0


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GOING_AWAY = load(EXAMPLES / "going_away.py")
CLIENT = load(EXAMPLES / "clients" / "reconnecting_client.py")


# What uvicorn does -------------------------------------------------------------

# (app, grace, signal): the smaller run, per backend.
CASES = (
    ("listening", None, "SIGTERM"),
    ("listening", None, "SIGINT"),
    ("busy", 1.0, "SIGTERM"),
    ("busy", None, "SIGINT"),
)


@pytest.fixture(scope="module")
def fresh() -> list[dict[str, Any]]:
    """These cases from this build's figures (`make deploy` makes them first), else measured now."""
    wanted = [(backend, sig, app, grace) for backend in BACKENDS for app, grace, sig in CASES]
    if SHUTDOWN.exists():
        keys = ("backend", "signal", "app", "timeout_graceful_shutdown")
        stored = {tuple(case[key] for key in keys): case for case in SHUTDOWN.read()["cases"]}
        missing = [case for case in wanted if case not in stored]
        assert not missing, f"{SHUTDOWN.target} lacks the cases {missing}: remake it"
        return [stored[case] for case in wanted]
    return [shutdown.one_case(backend, sig, app, grace) for backend, sig, app, grace in wanted]


def test_the_client_gets_1012_with_no_reason(fresh: list[dict[str, Any]]) -> None:
    assert "**The client gets 1012 with no reason**" in PAGE
    assert {case["client"] for case in fresh} == {"close 1012 ''"}


def test_an_app_in_receive_gets_1012_and_its_own_close_does_not_reach_the_client(fresh: list[dict[str, Any]]) -> None:
    for case in fresh:
        if case["app"] == "listening":
            assert case["app_saw"][0] == "receive: websocket.disconnect code=1012", case
            assert case["app_saw"][1].startswith("send close 1001: "), case
            assert case["client"] == "close 1012 ''"


def test_lifespan_shutdown_comes_after_every_connection_closed(fresh: list[dict[str, Any]]) -> None:
    for case in fresh:
        if case["uvicorn"].startswith(("ended", "exited")):
            assert case["lifespan_shutdown"] == "came with 0 connection(s) still open", case


def test_an_app_that_does_not_read_holds_the_shutdown_up_unless_the_timeout_is_set(
    fresh: list[dict[str, Any]],
) -> None:
    for case in fresh:
        if case["app"] != "busy":
            continue
        if case["timeout_graceful_shutdown"] is None:
            assert case["uvicorn"].startswith("still running"), case
            assert case["lifespan_shutdown"] == "never came"
        else:
            assert case["app_saw"] == ["work: cancelled (CancelledError)"], case
            assert not case["uvicorn"].startswith("still running"), case
            assert any("timeout graceful shutdown exceeded" in line for line in case["log"]), case


def test_the_page_is_rendered_from_the_measured_cases() -> None:
    if not SHUTDOWN.exists():
        pytest.skip(f"{SHUTDOWN.target} not made")
    assert "close 1012" in shutdown_page.render()


# going_away.py -------------------------------------------------------------------


async def echo_then_close(address: str, server: shutdown.Uvicorn, signal_name: str) -> tuple[int | None, str | None]:
    async with connect(f"ws://{address}/", open_timeout=WAIT, ping_interval=None, close_timeout=WAIT) as client:
        await client.send("hi")
        assert await asyncio.wait_for(client.recv(), WAIT) == "hi"
        server.signal(signal_name)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(client.recv(), WAIT)
        received = client.protocol.close_rcvd
        return (received.code, received.reason) if received else (None, None)


@pytest.mark.parametrize("signal_name", shutdown.SIGNALS)
@pytest.mark.parametrize("backend", BACKENDS)
def test_going_away_tells_the_client_1001_and_why(backend: str, signal_name: str) -> None:
    with shutdown.uvicorn_process("going_away:app", backend, "--lifespan", "on", app_dir=EXAMPLES) as server:
        seen = asyncio.run(echo_then_close(server.address, server, signal_name))
        status = server.exited(WAIT)
        log = server.log
    assert seen == (GOING_AWAY.GOING_AWAY, GOING_AWAY.REASON), log
    assert GOING_AWAY.GOING_AWAY == 1001
    assert status is not None, f"uvicorn did not exit:\n{log}"


# The reconnecting client -----------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_python_client_reconnects_to_a_restarted_server(backend: str) -> None:
    logs: list[str] = []
    echoes: list[str] = []
    first_echo: asyncio.Event

    async def session(websocket: ClientConnection) -> None:
        text = f"hello {len(echoes) + 1}"
        await websocket.send(text)
        echoes.append(str(await asyncio.wait_for(websocket.recv(), WAIT)))
        first_echo.set()
        if len(echoes) < 2:
            await websocket.recv()  # Until the server goes away.

    async def scenario() -> None:
        nonlocal first_echo
        first_echo = asyncio.Event()
        with shutdown.uvicorn_process("going_away:app", backend, "--lifespan", "on", app_dir=EXAMPLES) as first:
            port = int(first.address.rsplit(":", 1)[1])
            client = asyncio.create_task(
                CLIENT.run(f"ws://{first.address}/", session, first=0.05, cap=0.2, log=logs.append)
            )
            await asyncio.wait_for(first_echo.wait(), WAIT)
            first.signal("SIGTERM")
            assert first.exited(WAIT) is not None, first.log
        await asyncio.sleep(0.5)  # Nothing listens: the client's attempts are refused.
        with shutdown.uvicorn_process(
            "going_away:app", backend, "--lifespan", "on", app_dir=EXAMPLES, port=port
        ) as second:
            try:
                await asyncio.wait_for(client, WAIT)
            finally:
                client.cancel()
                second.signal("SIGTERM")

    asyncio.run(scenario())
    assert echoes == ["hello 1", "hello 2"], logs
    assert logs[0] == "connected"
    assert f"closed with 1001 {GOING_AWAY.REASON!r}" in logs
    assert any(line.startswith("cannot connect") for line in logs), logs
    assert logs.count("connected") == 2, logs


def test_the_backoff_doubles_up_to_the_cap_with_full_jitter() -> None:
    waits = CLIENT.backoff(1.0, 4.0)
    ceilings = [1.0, 2.0, 4.0, 4.0, 4.0]
    for ceiling in ceilings:
        assert 0 <= next(waits) <= ceiling


# The browser snippet ----------------------------------------------------------------


def browser_function() -> str:
    """The page's `connectWithBackoff` function, as shown."""
    block = re.search(r"```js\n(?P<code>.*?)```", PAGE, re.DOTALL)
    assert block is not None, "the page shows no js block"
    function = re.search(r"^function connectWithBackoff.*?^}\n", block["code"], re.DOTALL | re.MULTILINE)
    assert function is not None, "the js block has no connectWithBackoff function"
    return function.group(0)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched() as chromium_browser:  # skips, saying why, without Chromium
        yield chromium_browser


def wait_for_echo(page: Page, text: str, within: float = WAIT) -> None:
    """Send `text` until the page has its echo: the socket may still be connecting."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        page.evaluate("(text) => window.trySend(text)", text)
        time.sleep(0.1)
        if f"message {text}" in page.evaluate("() => window.events"):
            return
    pytest.fail(f"no echo of {text!r} within {within} s: {page.evaluate('() => window.events')}")


@pytest.mark.browser
@pytest.mark.parametrize("backend", BACKENDS)
def test_the_browser_reconnects_and_answers_pings(browser: Browser, backend: str) -> None:
    options = ("--lifespan", "on", "--ws-ping-interval", "0.2", "--ws-ping-timeout", "0.2")
    page = browser.new_page()
    try:
        with shutdown.uvicorn_process("going_away:app", backend, *options, app_dir=EXAMPLES) as first:
            port = int(first.address.rsplit(":", 1)[1])
            page.evaluate(
                "() => {"
                + browser_function()
                + """
                window.connectWithBackoff = connectWithBackoff;
                window.events = [];
                window.trySend = (text) => { try { window.chat.send(text); } catch (error) {} };
                }"""
            )
            page.evaluate(
                """(url) => {
                window.chat = connectWithBackoff(url, (text) => window.events.push(`message ${text}`), {
                  firstDelay: 50, maxDelay: 200,
                  onClose: (event) => window.events.push(`close ${event.code} ${event.reason}`),
                });
                }""",
                f"ws://{first.address}/",
            )
            wait_for_echo(page, "one")
            time.sleep(1.5)  # Several ping intervals: a browser that did not answer would be dropped.
            assert not [event for event in page.evaluate("() => window.events") if event.startswith("close")]
            first.signal("SIGTERM")
            deadline = time.monotonic() + WAIT
            expected = f"close {GOING_AWAY.GOING_AWAY} {GOING_AWAY.REASON}"
            while expected not in page.evaluate("() => window.events") and time.monotonic() < deadline:
                time.sleep(0.05)
            assert expected in page.evaluate("() => window.events")
            assert first.exited(WAIT) is not None, first.log
        time.sleep(0.3)
        with shutdown.uvicorn_process("going_away:app", backend, *options, app_dir=EXAMPLES, port=port):
            wait_for_echo(page, "two")
    finally:
        page.close()
