"""Every example on every other server: Hypercorn, Daphne and Granian (`doctests.measure.servers.SERVERS`).

`test_examples.py` runs the examples on uvicorn's two backends, in a thread,
where the tests can look inside; this module runs the same checks on the
other three configurations, so that every example runs on all five. Each
server starts once for this module, as a subprocess serving
`doctests.measure.example_host`: every example, as written and with its
import swapped to FastAPI, behind one app, at `/IMPL/NAME/`. The real
`websockets` client drives each example as `test_examples.py` does on uvicorn;
the app's side is read from the host's `/__host__/stats` (calls still running,
exceptions that escaped, the chat room's size) and from the server's log.

Where an example cannot do on a server what it does on uvicorn, the test
asserts exactly what happens there instead (`DIFFERENCES`, by server id), and
`docs/examples/index.md` says so, linking to the row of the servers page
(`docs/concepts/servers.md`) that measured the cause.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from doctests.measure.example_host import HOST_STATS
from doctests.measure.load import BAD_LOG
from doctests.measure.servers import SERVERS, Process, Server, http_get, running, version

from .clients import (
    WAIT,
    closed_by_server,
    dial,
    masked_text_frame,
    nothing_more,
    raw_client,
    recv,
    refused,
    server_frames,
)
from .conftest import LIBRARIES

pytestmark = pytest.mark.asyncio
HOSTED = ("echo", "closing", "json_api", "subprotocol", "auth", "auth_options", "push", "chat")
SLOW_BACKLOG = 256 * 1024  # The chat's MAX_BACKLOG in the host: a small one makes the slow-client drop quick.

# What differs from uvicorn, per server, as measured; `docs/examples/index.md` says the same.
# (The uvicorn entries are what `test_examples.py` asserts there; run under this harness, they hold too.)
# Daphne sends no close reason (row close-reason).
SERVER_REASON = {"daphne": False}
# Daphne sends nothing for an empty message: it tests `message.get("text")` for truth, so "" and b""
# are dropped without an error (daphne/ws_protocol.py, `handle_reply`).
EMPTY_SENT = {"daphne": False}
# The close code the client gets back when it closes with 4321: Daphne answers 1000.
CLOSE_ECHO = {"daphne": 1000}
# Daphne's `websocket.close` takes only 1000 and 3000-4999 (autobahn's `sendClose`): 1007 raises in
# the app ("invalid close code"), Daphne logs the exception, and the client gets 1011 (row close-999).
CLOSE_1007_RAISES = {"daphne": True}
# The code and reason the closing example prints when the client closes with 4321 "done here"
# (row client-close): Hypercorn reports 1006, and only uvicorn passes the reason on.
CLIENT_CLOSE_SEEN = {
    "uvicorn-sansio": (4321, "done here"),
    "uvicorn-wsproto": (4321, "done here"),
    "hypercorn": (1006, ""),
    "daphne": (4321, ""),
    "granian": (4321, ""),
}


@dataclass
class Hosted:
    """One running server with every example behind it."""

    server: Server
    process: Process
    log_from: int = 0  # Where in the log the current test started.
    log_checked: bool = False  # The test has checked its log lines itself.

    @property
    def address(self) -> str:
        return self.process.address

    def new_log(self) -> str:
        """What the server logged since the current test started."""
        return self.process.log_text()[self.log_from :]

    def bad_log(self) -> list[str]:
        """Lines since the current test started that mean something failed."""
        return [line for line in self.new_log().splitlines() if any(word in line for word in BAD_LOG)]

    def stats(self) -> dict[str, Any]:
        """The host's per-example figures (no proxy: http.client talks to the address given)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.process.port, timeout=WAIT)
        try:
            connection.request("GET", HOST_STATS, headers={"Connection": "close"})
            return dict(json.loads(connection.getresponse().read()))
        finally:
            connection.close()

    async def finished(self, route: str, within: float = WAIT) -> dict[str, Any]:
        """Wait until no call of `route` runs; return its figures (the running count shows a timeout)."""
        deadline = time.monotonic() + within
        while True:
            figures: dict[str, Any] = (await asyncio.to_thread(self.stats))[route]
            if figures["running"] == 0 or time.monotonic() > deadline:
                return figures
            await asyncio.sleep(0.02)

    async def room_size_becomes(self, route: str, size: int) -> bool:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if (await asyncio.to_thread(self.stats))[route]["room"] == size:
                return True
            await asyncio.sleep(0.01)
        return False


OTHERS = [server for server in SERVERS if server.package != "uvicorn"]


@pytest.fixture(scope="module", params=OTHERS, ids=[server.id for server in OTHERS])
def hosted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosted]:
    """One server per configuration for the whole module; stopped, and checked for leftovers, at the end."""
    server: Server = request.param
    if version(server.package) is None:
        pytest.skip(f"{server.package} is not installed")
    folder: Path = tmp_path_factory.mktemp(server.id)
    env = {
        "EXAMPLE_HOST_APPS": ",".join(HOSTED),
        "EXAMPLE_HOST_IMPLS": ",".join(LIBRARIES),
        "CHAT_MAX_BACKLOG": str(SLOW_BACKLOG),
    }
    with running(server, "doctests.measure.example_host:app", folder, http_get(HOST_STATS), env) as process:
        hosted = Hosted(server, process)
        yield hosted
        hosted.log_from = len(process.log_text())
    assert process.record["exit_code"] == 0, process.log_text()[-2000:]
    assert not process.record["killed"]
    assert process.record["left_over"] == []
    assert hosted.bad_log() == []  # Nothing alarming while it shut down.


@pytest.fixture(autouse=True)
def clean_log(hosted: Hosted) -> Iterator[None]:
    """Each test: nothing alarming in the server's log, unless the test checked its lines itself."""
    hosted.log_from, hosted.log_checked = len(hosted.process.log_text()), False
    yield
    if not hosted.log_checked:
        assert hosted.bad_log() == []


@pytest.fixture(params=LIBRARIES)
def impl(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def done_ok(figures: dict[str, Any]) -> None:
    """Every call of the example returned, and nothing escaped it."""
    assert figures["running"] == 0, "the app did not return after the client left"
    assert figures["errors"] == []


async def test_echo(hosted: Hosted, impl: str) -> None:
    empty_sent = EMPTY_SENT.get(hosted.server.id, True)
    async with dial(hosted.address, f"/{impl}/echo/") as client:
        for message in ["hello", "héllo wörld", "", b"\x00\xff", b""]:
            await client.send(message)
            if message or empty_sent:
                assert await recv(client) == message  # Same value and same kind (str or bytes).
            else:
                assert await nothing_more(client)  # The app sent it; the server did not.
        assert await nothing_more(client)
    done_ok(await hosted.finished(f"{impl}/echo"))


async def test_closing_server_closes_with_code_and_reason(hosted: Hosted, impl: str) -> None:
    reason = SERVER_REASON.get(hosted.server.id, True)
    path = f"/{impl}/closing/"
    async with dial(hosted.address, path) as client:
        await client.send("hi")
        assert await recv(client) == "hi"
        await client.send("bye")
        assert await closed_by_server(client) == (1000, "goodbye" if reason else "")
    async with dial(hosted.address, path) as client:
        await client.send("/nope")
        assert await closed_by_server(client) == (4000, "unknown command" if reason else "")
    done_ok(await hosted.finished(f"{impl}/closing"))


async def test_closing_app_sees_client_code_and_reason(hosted: Hosted, impl: str) -> None:
    async with dial(hosted.address, f"/{impl}/closing/") as client:
        await client.close(4321, "done here")
        assert client.protocol.close_rcvd is not None
        assert client.protocol.close_rcvd.code == CLOSE_ECHO.get(hosted.server.id, 4321)
    done_ok(await hosted.finished(f"{impl}/closing"))
    lines = [line for line in hosted.new_log().splitlines() if line.startswith("client closed:")]
    code, reason = CLIENT_CLOSE_SEEN[hosted.server.id]
    assert lines == [f"client closed: code={code} reason={reason!r}"]


async def test_json_api(hosted: Hosted, impl: str) -> None:
    exchanges = [
        ({"id": 1, "op": "add", "args": [2, 3]}, {"id": 1, "result": 5}),
        ({"id": "é", "op": "mul", "args": [2, 3.5]}, {"id": "é", "result": 7.0}),
        ([1, 2], {"id": None, "error": "expected a JSON object"}),
    ]
    async with dial(hosted.address, f"/{impl}/json_api/") as client:
        for request, reply in exchanges:
            await client.send(json.dumps(request))
            received = await recv(client)
            assert isinstance(received, str)
            assert json.loads(received) == reply
        await client.send("{not json")
        if CLOSE_1007_RAISES.get(hosted.server.id, False):
            assert await closed_by_server(client) == (1011, "")
            figures = await hosted.finished(f"{impl}/json_api")
            assert figures["errors"] == ["Exception('invalid close code 1007 (must be 1000 or from [3000, 4999])')"]
            assert "ERROR    Exception inside application: invalid close code 1007" in hosted.new_log()
            hosted.log_checked = True
            return
        reason = "invalid JSON" if SERVER_REASON.get(hosted.server.id, True) else ""
        assert await closed_by_server(client) == (1007, reason)
    done_ok(await hosted.finished(f"{impl}/json_api"))


async def test_subprotocol(hosted: Hosted, impl: str) -> None:
    path = f"/{impl}/subprotocol/"
    for offered, chosen in [(["chat.v1", "chat.v2"], "chat.v2"), (["x", "chat.v1"], "chat.v1")]:
        async with dial(hosted.address, path, subprotocols=offered) as client:
            assert client.subprotocol == chosen
            await client.send("hi")
            assert await recv(client) == f"{chosen}: hi"
    assert await refused(hosted.address, path, subprotocols=["other"]) == 403
    assert await refused(hosted.address, path) == 403
    done_ok(await hosted.finished(f"{impl}/subprotocol"))


async def test_auth(hosted: Hosted, impl: str) -> None:
    path = f"/{impl}/auth/"
    assert await refused(hosted.address, path) == 403
    assert await refused(hosted.address, f"{path}?token=let-me-in", origin="https://evil.example") == 403
    async with dial(hosted.address, f"{path}?token=let-me-in", origin="http://127.0.0.1:8000") as client:
        assert await recv(client) == "welcome"
        await client.send("ping")
        assert await recv(client) == "ping"
    done_ok(await hosted.finished(f"{impl}/auth"))


async def test_auth_options(hosted: Hosted, impl: str) -> None:
    base = f"/{impl}/auth_options"
    ways: list[tuple[str, dict[str, Any]]] = [
        ("/query?token=let-me-in", {}),
        ("/cookie", {"origin": "http://127.0.0.1:8000", "additional_headers": {"Cookie": "session=let-me-in"}}),
        ("/protocol", {"subprotocols": ["chat.v1", "token.let-me-in"]}),
        ("/header", {"additional_headers": {"Authorization": "Bearer let-me-in"}}),
    ]
    for path, options in ways:
        async with dial(hosted.address, base + path, **options) as client:
            assert await recv(client) == "welcome"
        assert await refused(hosted.address, base + path.split("?")[0]) == 403
    async with dial(hosted.address, f"{base}/first-message") as client:
        await client.send("let-me-in")
        assert await recv(client) == "welcome"
    async with dial(hosted.address, f"{base}/first-message") as client:
        await client.send("let-me-out")
        reason = "unauthorized" if SERVER_REASON.get(hosted.server.id, True) else ""
        assert await closed_by_server(client) == (4401, reason)
    done_ok(await hosted.finished(f"{impl}/auth_options"))


async def test_push(hosted: Hosted, impl: str) -> None:
    route = f"{impl}/push"
    async with dial(hosted.address, f"/{route}/?interval=0.02") as client:
        assert [await recv(client) for _ in range(4)] == ["tick 0", "tick 1", "tick 2", "tick 3"]
    done_ok(await hosted.finished(route))
    for leave in ("close", "drop"):
        # Ticks 5 s apart: only the concurrent receive can end the app within 1 s.
        async with dial(hosted.address, f"/{route}/?interval=5") as client:
            assert await recv(client) == "tick 0"
            if leave == "close":
                await client.close()
            else:
                client.transport.abort()
        done_ok(await hosted.finished(route, within=1.0))


async def test_chat_broadcasts_to_everyone_and_nothing_else(hosted: Hosted, impl: str) -> None:
    route = f"{impl}/chat"
    address, path = hosted.address, f"/{route}/"
    async with dial(address, path) as a, dial(address, path) as b, dial(address, path) as c:
        await a.send("hello from a")
        for client in (a, b, c):
            assert await recv(client) == "hello from a"
        burst = [f"a {n}" for n in range(20)]
        for text in burst:
            await a.send(text)
        for client in (a, b, c):
            assert [await recv(client) for _ in burst] == burst
        c.transport.abort()  # c vanishes without a close frame; the room carries on without it.
        await a.send("after c left")
        for client in (a, b):
            assert await recv(client) == "after c left"
        assert await hosted.room_size_becomes(route, 2)
        assert all(await asyncio.gather(*(nothing_more(client) for client in (a, b))))
    figures = await hosted.finished(route)
    done_ok(figures)
    assert figures["room"] == 0


# The slow client: where the server's `send` waits while the client reads nothing, the chat
# drops it (by its backlog) and closes it with 1013; where `send` never waits, the app cannot
# see that the client is slow, the server buffers for it, and it stays a member.
SLOW_CLIENT_DROPPED = {"daphne": False}


async def test_chat_slow_client(hosted: Hosted) -> None:
    # As written only: whether `send` waits is the server's doing, whichever import the example has.
    # (On uvicorn, `test_examples.py` has the same test.)
    route, size, limit = "reference_impl/chat", 16 * 1024, 600
    close_frame = (0x8, (1013).to_bytes(2, "big") + b"too slow")
    dropped_expected = SLOW_CLIENT_DROPPED.get(hosted.server.id, True)
    slow = raw_client(hosted.address, f"/{route}/")
    try:
        async with dial(hosted.address, f"/{route}/") as talker:
            assert await hosted.room_size_becomes(route, 2)
            texts: list[str] = []
            dropped = False
            while len(texts) < limit and not dropped:
                texts.append(f"{len(texts):04d}".ljust(size, "."))
                await talker.send(texts[-1])
                assert await recv(talker) == texts[-1]  # Lock-step: a room that waited for `slow` stalls here.
                if len(texts) % 8 == 0:
                    dropped = (await asyncio.to_thread(hosted.stats))[route]["room"] == 1
            assert dropped == dropped_expected, f"dropped: {dropped} after {len(texts)} messages"
            if not dropped:
                return  # `slow` is still a member; leaving ends its handler (checked below).
            assert len(texts) * size > SLOW_BACKLOG  # Dropped for its backlog, not sooner.
            slow.sendall(masked_text_frame("ghost says hello"))
            assert await nothing_more(talker, wait=1.0)
            data = b""
            for _ in range(10_000):
                if data.endswith(close_frame[1]):
                    break
                chunk = await asyncio.to_thread(slow.recv, 1 << 20)
                assert chunk, "connection closed before the close frame"
                data += chunk
            frames = server_frames(data)
            assert frames[-1] == close_frame
            got = [payload.decode() for opcode, payload in frames[:-1] if opcode == 0x1]
            assert len(got) == len(frames) - 1
            assert 0 < len(got) < len(texts)
            assert got == texts[: len(got)]
            slow.sendall(masked_text_frame("still here"))
            assert await nothing_more(talker, wait=0.5)
    finally:
        slow.close()
    figures = await hosted.finished(route, within=5.0)
    done_ok(figures)
    assert figures["room"] == 0


async def test_chat_client_gone(hosted: Hosted, impl: str) -> None:
    """A member that leaves mid-burst: its handler ends, and nothing escapes it, whether `send` raises or not."""
    route = f"{impl}/chat"
    async with dial(hosted.address, f"/{route}/") as talker:
        leaver = await dial(hosted.address, f"/{route}/")
        assert await hosted.room_size_becomes(route, 2)
        leaver.transport.abort()
        for n in range(50):
            await talker.send(f"m {n}")
        assert [await recv(talker) for _ in range(50)] == [f"m {n}" for n in range(50)]
        assert await hosted.room_size_becomes(route, 1)
    with pytest.raises(ConnectionClosed):
        await leaver.recv()
    done_ok(await hosted.finished(route))
