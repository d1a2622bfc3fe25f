"""Client helpers for the real-server tests: the `websockets` client with bounded waits, and a raw one."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

WAIT = 2.0


def dial(address: str, path: str = "/", **options: Any) -> Any:
    """Connect the real client, with every wait bounded and no client pings."""
    return connect(f"ws://{address}{path}", open_timeout=WAIT, close_timeout=WAIT, ping_interval=None, **options)


async def recv(client: ClientConnection) -> str | bytes:
    """The next message, within `WAIT` seconds."""
    return await asyncio.wait_for(client.recv(), WAIT)


async def nothing_more(client: ClientConnection, wait: float = 0.2) -> bool:
    """Whether the client receives no further message within `wait` seconds."""
    try:
        await asyncio.wait_for(client.recv(), wait)
    except TimeoutError:
        return True
    return False


async def closed_by_server(client: ClientConnection) -> tuple[int, str]:
    """Read until the server closes; return the code and reason of its close frame."""
    for _ in range(100):
        try:
            await recv(client)
        except ConnectionClosed:
            break
    else:
        pytest.fail("the server did not close the connection")
    received = client.protocol.close_rcvd
    assert received is not None, "the server sent no close frame"
    return received.code, received.reason


async def refused(address: str, path: str = "/", **options: Any) -> int:
    """The HTTP status of a handshake the server must refuse."""
    with pytest.raises(InvalidStatus) as refusal:
        async with dial(address, path, **options):
            pass
    return refusal.value.response.status_code


def masked_text_frame(text: str) -> bytes:
    """One short text frame as a client must send it: FIN, masked (RFC 6455 section 5.3)."""
    payload, mask = text.encode(), os.urandom(4)
    assert len(payload) < 126
    return bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def raw_client(address: str, path: str = "/") -> socket.socket:
    """A bare TCP client that completes the handshake and then reads only when told to.

    Its small receive buffer fills fast. (The `websockets` client keeps reading
    into memory, so it cannot play a client that stops reading.)
    """
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
    raw.settimeout(WAIT)
    host, port = address.split(":")
    raw.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall(
        f"GET {path} HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:  # One byte at a time, so no frame is read early.
        head += raw.recv(1)
    assert head.startswith(b"HTTP/1.1 101 "), head
    return raw


def server_frames(data: bytes) -> list[tuple[int, bytes]]:
    """Split unmasked server frames into (opcode, payload) pairs."""
    frames, at = [], 0
    while at < len(data):
        opcode, length, at = data[at] & 0x0F, data[at + 1] & 0x7F, at + 2
        if length in (126, 127):
            width = 2 if length == 126 else 8
            length, at = int.from_bytes(data[at : at + width], "big"), at + width
        frames.append((opcode, data[at : at + length]))
        at += length
    return frames
