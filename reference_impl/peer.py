"""`InMemoryPeer`: the server and the client of one connection, in memory.

A real server hides the ASGI messages behind sockets. This peer hands the
application the same `scope`, `receive` and `send` a server would, lets the
example play the client with `feed_*`, and records every message in both
directions, so a page can *show* what a call exchanged. It is written for
teaching and testing, not taken from a library, because no library exposes
the raw ASGI exchange this plainly.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from .types import ASGIApp, Message, Scope


@dataclass(frozen=True)
class Exchange:
    """One message in the transcript, seen from the application.

    `direction` is "receive" for a message the application read with
    `receive()`, and "send" for one it passed to `send()`.
    """

    direction: Literal["receive", "send"]
    message: Message

    def __str__(self) -> str:
        return f"{self.direction:<8} {self.message!r}"


class InMemoryPeer:
    """The other end of a WebSocket: an ASGI server and its client in one.

    It starts with `websocket.connect` waiting, as a server delivers it first.
    `receive` waits while nothing is fed, like a server with a quiet client.

    Args:
        path: The request path.
        query_string: The raw query string.
        headers: Extra request headers as `(name, value)` strings; a `host`
            header is always sent.
        subprotocols: The subprotocols the client offers.
        client: The client's `(host, port)`.
        connect: Queue `websocket.connect` first (pass `False` to feed your own).
        **scope: More scope keys, e.g. `root_path` or `state`.

    Examples:
        >>> from reference_impl import WebSocket
        >>> peer = InMemoryPeer(path="/chat")
        >>> websocket = WebSocket(peer.scope, peer.receive, peer.send)
        >>> await websocket.accept()
        >>> peer.feed_text("hello")
        >>> await websocket.send_text(await websocket.receive_text())
        >>> peer.print_transcript()
        receive  {'type': 'websocket.connect'}
        send     {'type': 'websocket.accept', 'subprotocol': None, 'headers': []}
        receive  {'type': 'websocket.receive', 'text': 'hello'}
        send     {'type': 'websocket.send', 'text': 'hello'}
    """

    def __init__(
        self,
        path: str = "/",
        query_string: bytes = b"",
        headers: Iterable[tuple[str, str]] = (),
        subprotocols: Iterable[str] = (),
        client: tuple[str, int] = ("127.0.0.1", 50000),
        connect: bool = True,
        **scope: Any,
    ) -> None:
        raw_headers = [(b"host", b"127.0.0.1:8000")]
        raw_headers += [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]
        self.scope: Scope = {
            "type": "websocket",
            "asgi": {"version": "3.0", "spec_version": "2.5"},
            "http_version": "1.1",
            "scheme": "ws",
            "server": ("127.0.0.1", 8000),
            "client": client,
            "path": path,
            "raw_path": path.encode("utf-8"),
            "query_string": query_string,
            "root_path": "",
            "headers": raw_headers,
            "subprotocols": list(subprotocols),
            **scope,
        }
        """The scope a server would build for this request: pass it to the app."""
        self.transcript: list[Exchange] = []
        """Every message exchanged so far, in order, in both directions."""
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        if connect:
            self.feed({"type": "websocket.connect"})

    # The two ASGI callables the application is given.

    async def receive(self) -> Message:
        """The ASGI `receive` callable: the next fed message, waiting for one."""
        message = await self._inbox.get()
        self.transcript.append(Exchange("receive", message))
        return message

    async def send(self, message: Message) -> None:
        """The ASGI `send` callable: records what the application sent."""
        self.transcript.append(Exchange("send", message))

    # What the client (and the server on its behalf) does.

    def feed(self, message: Message) -> None:
        """Queue any message for the application, well-formed or not."""
        self._inbox.put_nowait(message)

    def feed_text(self, text: str) -> None:
        """The client sends a text message."""
        self.feed({"type": "websocket.receive", "text": text})

    def feed_bytes(self, data: bytes) -> None:
        """The client sends a binary message."""
        self.feed({"type": "websocket.receive", "bytes": data})

    def feed_json(self, data: Any) -> None:
        """The client sends `data` as a JSON text message."""
        self.feed_text(json.dumps(data))

    def feed_disconnect(self, code: int = 1000, reason: str = "") -> None:
        """The client closes (or the server reports it gone) with `code`.

        Use 1005 for a close frame with no code and 1006 for a connection
        lost without one: servers report those, clients never send them.
        """
        self.feed({"type": "websocket.disconnect", "code": code, "reason": reason})

    # What an example looks at.

    @property
    def sent(self) -> list[Message]:
        """Every message the application sent, in order."""
        return [exchange.message for exchange in self.transcript if exchange.direction == "send"]

    @property
    def received(self) -> list[Message]:
        """Every message the application received, in order."""
        return [exchange.message for exchange in self.transcript if exchange.direction == "receive"]

    @property
    def pending(self) -> int:
        """How many fed messages the application has not received yet."""
        return self._inbox.qsize()

    def print_transcript(self) -> None:
        """Print the exchange so far, one message a line."""
        for exchange in self.transcript:
            print(exchange)

    async def run(self, app: ASGIApp) -> None:
        """Run an ASGI application against this peer until it returns."""
        await app(self.scope, self.receive, self.send)
