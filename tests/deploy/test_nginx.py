"""docs/examples/nginx.conf, verbatim, in front of uvicorn: what clients and apps see.

nginx runs as a foreground process on a free loopback port, with its prefix
in a temporary folder. The config is the file the page shows; only its two
placeholders, `${LISTEN}` and `${UPSTREAM}`, are filled in (what `envsubst
'${LISTEN} ${UPSTREAM}'` does), and two variants change one thing each:
without the Upgrade and Connection lines, and with `proxy_read_timeout 1s`.
The behaviour these tests assert is what docs/how-to/reverse-proxy.md states.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from doctests import EXAMPLES

from .conftest import WAIT, Process, dial, free_port, program, uvicorn, wait_for_log

NGINX = program("nginx")
pytestmark = [pytest.mark.asyncio, pytest.mark.skipif(NGINX is None, reason="nginx is not installed")]

CONF = (EXAMPLES / "nginx.conf").read_text()
HERE = Path(__file__).parent
BACKENDS = ["websockets-sansio", "wsproto"]
SPOOFED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def variant(old: str, new: str) -> str:
    """The config with the one occurrence of `old` replaced by `new`."""
    assert CONF.count(old) == 1, old
    return CONF.replace(old, new)


UPGRADE = "            proxy_set_header Upgrade $http_upgrade;\n"
CONNECTION = "            proxy_set_header Connection $connection_upgrade;\n"
NO_UPGRADE = variant(UPGRADE + CONNECTION, "")
SHORT_TIMEOUT = variant("proxy_read_timeout 3600s;", "proxy_read_timeout 1s;")


@contextlib.contextmanager
def nginx(conf: str, upstream: str, tmp_path: Path) -> Iterator[str]:
    """Run nginx with `conf` in front of `upstream`; yield the address it listens on."""
    assert NGINX is not None
    listen = f"127.0.0.1:{free_port()}"
    prefix = tmp_path / f"nginx-{listen.rsplit(':', 1)[1]}"
    for folder in ("logs", "tmp"):
        (prefix / folder).mkdir(parents=True)
    assert set(re.findall(r"\$\{(\w+)\}", conf)) == {"LISTEN", "UPSTREAM"}  # The only placeholders.
    (prefix / "nginx.conf").write_text(conf.replace("${LISTEN}", listen).replace("${UPSTREAM}", upstream))
    command = [NGINX, "-p", f"{prefix}/", "-c", str(prefix / "nginx.conf"), "-e", "stderr"]
    command += ["-g", f"daemon off; pid {prefix}/nginx.pid; error_log stderr;"]
    process = Process(command, prefix / "nginx.log")
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", int(listen.rsplit(":", 1)[1])), timeout=1).close()
                break
            except OSError:
                if process.popen.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"nginx did not start:\n{process.log_text()}")
                time.sleep(0.02)
        yield listen
    finally:
        process.stop(graceful=3)


async def report(address: str, **options: Any) -> dict[str, Any]:
    """Connect to the whoami app at `address`; return what it saw of the connection."""
    async with dial(address, **options) as client:
        seen: dict[str, Any] = json.loads(await asyncio.wait_for(client.recv(), WAIT))
    return seen


@pytest.mark.parametrize("ws", BACKENDS)
async def test_echo_through_nginx(ws: str, tmp_path: Path) -> None:
    with uvicorn("echo:app", tmp_path, ws=ws) as (app, _), nginx(CONF, app, tmp_path) as proxy:
        async with dial(proxy) as client:
            for message in ["hello", "héllo wörld", "", b"\x00\xff", b"x" * 100_000]:
                await client.send(message)
                assert await asyncio.wait_for(client.recv(), WAIT) == message


async def test_without_upgrade_headers_the_app_gets_plain_http(tmp_path: Path) -> None:
    with uvicorn("echo:app", tmp_path) as (app, server), nginx(NO_UPGRADE, app, tmp_path) as proxy:
        with pytest.raises(InvalidStatus) as refusal:
            async with dial(proxy):
                pass
        # echo.py got an "http" scope and answered it as it answers any plain request.
        assert refusal.value.response.status_code == 426
        assert refusal.value.response.body == b"Upgrade Required: this URL speaks WebSocket.\n"
        assert "Traceback" not in server.log_text()


@pytest.mark.parametrize("ws", BACKENDS)
async def test_idle_timeout_closes_both_ends_without_a_close_frame(ws: str, tmp_path: Path) -> None:
    with (
        uvicorn("whoami:app", tmp_path, ws=ws, app_dir=HERE) as (app, server),
        nginx(SHORT_TIMEOUT, app, tmp_path) as proxy,
    ):
        async with dial(proxy) as client:
            await asyncio.wait_for(client.recv(), WAIT)
            quiet = time.monotonic()
            with pytest.raises(ConnectionClosedError) as closed:
                await asyncio.wait_for(client.recv(), WAIT)
            after = time.monotonic() - quiet
        assert closed.value.rcvd is None  # No close frame: nginx just closed the TCP connection...
        assert client.protocol.close_code == 1006  # ...which the client reports as 1006.
        assert 0.9 <= after <= 3.0
        # The app's `websocket.disconnect` has code 1005 (no code received), not 1006.
        wait_for_log(server, "disconnect")
        assert "disconnect 1005" in server.log_text()
        print(f"\nproxy_read_timeout 1s ({ws}): closed after {after:.2f} s idle; client 1006, app 1005")


async def test_pings_keep_an_idle_connection_open(tmp_path: Path) -> None:
    with uvicorn("echo:app", tmp_path) as (app, _), nginx(SHORT_TIMEOUT, app, tmp_path) as proxy:
        async with dial(proxy, ping_interval=0.3, ping_timeout=WAIT) as client:
            await asyncio.sleep(2.5)  # Idle for 2.5 x proxy_read_timeout, but pings cross every 0.3 s.
            await client.send("still here")
            assert await asyncio.wait_for(client.recv(), WAIT) == "still here"


async def test_client_and_scheme_without_proxy_headers(tmp_path: Path) -> None:
    with (
        uvicorn("whoami:app", tmp_path, app_dir=HERE, no_proxy_headers=True) as (app, _),
        nginx(CONF, app, tmp_path) as proxy,
    ):
        seen = await report(proxy, additional_headers=SPOOFED)
    host, port = seen["client"]
    assert (host, seen["scheme"], seen["netloc"]) == ("127.0.0.1", "ws", proxy)
    assert port != 0  # nginx's own end of its connection to uvicorn.
    # nginx replaced what the client sent.
    assert (seen["x-forwarded-for"], seen["x-forwarded-proto"]) == ("127.0.0.1", "http")


async def test_client_and_scheme_with_proxy_headers(tmp_path: Path) -> None:
    trusting = {"proxy_headers": True, "forwarded_allow_ips": "127.0.0.1"}
    with uvicorn("whoami:app", tmp_path, app_dir=HERE, **trusting) as (app, _), nginx(CONF, app, tmp_path) as proxy:
        through_nginx = await report(proxy, additional_headers=SPOOFED)
        direct = await report(app, additional_headers=SPOOFED)
    with uvicorn("whoami:app", tmp_path, app_dir=HERE) as (default_app, _), nginx(CONF, default_app, tmp_path) as other:
        by_default = await report(other, additional_headers=SPOOFED)
    # Through nginx: the client's address from X-Forwarded-For (port unknown: 0), its scheme from -Proto.
    assert (through_nginx["client"], through_nginx["scheme"], through_nginx["netloc"]) == (
        ["127.0.0.1", 0],
        "ws",
        proxy,
    )
    # uvicorn's defaults are --proxy-headers and --forwarded-allow-ips 127.0.0.1.
    assert (by_default["client"], by_default["scheme"]) == (["127.0.0.1", 0], "ws")
    # Straight to uvicorn from a trusted address, the client's own headers are believed.
    assert (direct["client"], direct["scheme"]) == (["203.0.113.7", 0], "wss")
