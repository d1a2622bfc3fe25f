"""`WebSocket`: an ASGI WebSocket connection, driven by `transitions.TABLE`.

Swap-compatible with `starlette.websockets`: it exports `WebSocket`,
`WebSocketDisconnect`, `WebSocketState` and `WebSocketClose`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from .connection import HTTPConnection
from .transitions import APPLICATION, CLIENT, CONNECTED, CONNECTING, WebSocketState, advance, rows_for
from .types import Message, Receive, Scope, Send

__all__ = ["WebSocket", "WebSocketClose", "WebSocketDisconnect", "WebSocketState"]

NOT_CONNECTED = 'WebSocket is not connected. Need to call "accept" first.'
BAD_MODE = 'The "mode" argument should be "text" or "binary".'
# A set, as in Starlette 0.29.0: an unhashable mode raises TypeError there too.
MODES = frozenset({"text", "binary"})


class WebSocketDisconnect(Exception):
    """The client went away: raised by `receive_text`, `receive_bytes` and `receive_json`.

    Args:
        code: The WebSocket close code (RFC 6455 section 7.4).
        reason: The close reason; `None` becomes `""`.

    Examples:
        >>> error = WebSocketDisconnect(1001, "going away")
        >>> error.code, error.reason
        (1001, 'going away')
        >>> WebSocketDisconnect().reason
        ''
    """

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        # Like Starlette 0.29.0, no super().__init__: args are whatever was passed
        # positionally, so str(error) is "1001" for WebSocketDisconnect(1001).
        self.code = code
        self.reason = reason or ""


class WebSocket(HTTPConnection):
    """One WebSocket connection, seen from the application.

    It wraps the ASGI `receive` and `send` callables and checks every message
    against the two state machines in `reference_impl.transitions`.

    Args:
        scope: The ASGI scope; its `type` must be "websocket".
        receive: Awaits the next message from the server.
        send: Hands a message to the server.

    Examples:
        >>> from reference_impl import InMemoryPeer
        >>> peer = InMemoryPeer()
        >>> websocket = WebSocket(peer.scope, peer.receive, peer.send)
        >>> websocket.client_state, websocket.application_state
        (<WebSocketState.CONNECTING: 0>, <WebSocketState.CONNECTING: 0>)
    """

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        super().__init__(scope)
        assert scope["type"] == "websocket"
        self._receive = receive
        self._send = send
        self.client_state = CONNECTING
        """Where the client side is: moved by each message `receive` reads."""
        self.application_state = CONNECTING
        """Where the application side is: moved by each message `send` passes on."""

    async def receive(self) -> Message:
        """Receive ASGI websocket messages, ensuring valid state transitions.

        Moves `client_state` by the `transitions.TABLE` row for the message
        type. Once disconnected, it raises without reading.

        Raises:
            RuntimeError: The message type is not allowed in `client_state`
                (the message is consumed), or a disconnect was already received.
            KeyError: The message has no `"type"`.

        Examples:
            >>> from reference_impl import InMemoryPeer
            >>> peer = InMemoryPeer()
            >>> websocket = WebSocket(peer.scope, peer.receive, peer.send)
            >>> await websocket.receive()
            {'type': 'websocket.connect'}
            >>> websocket.client_state
            <WebSocketState.CONNECTED: 1>
        """
        state = self.client_state
        rows = rows_for(CLIENT, state)
        message = await self._receive()
        next_state = advance(rows, message["type"])
        if next_state is not state:
            # A row that keeps the state writes nothing, so a concurrent
            # receive that saw the disconnect is not undone by this one.
            self.client_state = next_state
        return message

    async def send(self, message: Message) -> None:
        """Send ASGI websocket messages, ensuring valid state transitions.

        Moves `application_state` by the `transitions.TABLE` row for the
        message type, *then* passes the message to the server, so the state
        has moved even if the server's `send` raises.

        Args:
            message: An ASGI message; its `"type"` picks the row.

        Raises:
            RuntimeError: The message type is not allowed in
                `application_state`, or a close was already sent.
            KeyError: The message has no `"type"`.

        Examples:
            >>> from reference_impl import InMemoryPeer
            >>> peer = InMemoryPeer()
            >>> websocket = WebSocket(peer.scope, peer.receive, peer.send)
            >>> await websocket.send({"type": "websocket.send", "text": "too early"})
            Traceback (most recent call last):
              ...
            RuntimeError: Expected ASGI message "websocket.accept" or "websocket.close", but got 'websocket.send'
        """
        rows = rows_for(APPLICATION, self.application_state)
        self.application_state = advance(rows, message["type"])
        await self._send(message)

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Iterable[tuple[bytes, bytes]] | None = None,
    ) -> None:
        """Accept the handshake, reading `websocket.connect` first if needed.

        Args:
            subprotocol: The subprotocol chosen from `scope["subprotocols"]`.
            headers: Extra response headers, lowercase `(name, value)` bytes.

        Raises:
            RuntimeError: As `receive` and `send` do, e.g. accepting twice.
            KeyError: The first message read has no `"type"`.

        Examples:
            >>> from reference_impl import InMemoryPeer
            >>> peer = InMemoryPeer(subprotocols=["chat.v1"])
            >>> websocket = WebSocket(peer.scope, peer.receive, peer.send)
            >>> await websocket.accept(subprotocol="chat.v1")
            >>> peer.sent
            [{'type': 'websocket.accept', 'subprotocol': 'chat.v1', 'headers': []}]
        """
        headers = headers or []
        if self.client_state is CONNECTING:
            # ASGI: the connect message comes first and must be read before
            # the handshake is answered.
            await self.receive()
        await self.send({"type": "websocket.accept", "subprotocol": subprotocol, "headers": headers})

    def _raise_on_disconnect(self, message: Message) -> None:
        if message["type"] == "websocket.disconnect":
            # Deliberate difference `disconnect-reason`: 0.29 drops the reason.
            raise WebSocketDisconnect(message["code"], message.get("reason"))

    def _require_connected(self) -> None:
        if self.application_state is not CONNECTED:
            raise RuntimeError(NOT_CONNECTED)

    async def receive_text(self) -> str:
        """Receive the next message's `"text"`.

        Returns:
            The message's `"text"` value, exactly as the server delivered it.

        Raises:
            RuntimeError: Not accepted yet, or already closed.
            WebSocketDisconnect: The client disconnected.
            KeyError: The message has no `"text"` key (a binary frame).

        Examples:
            >>> from reference_impl import InMemoryPeer
            >>> peer = InMemoryPeer()
            >>> websocket = WebSocket(peer.scope, peer.receive, peer.send)
            >>> await websocket.accept()
            >>> peer.feed_text("hello")
            >>> await websocket.receive_text()
            'hello'
        """
        self._require_connected()
        message = await self.receive()
        self._raise_on_disconnect(message)
        text: str = message["text"]
        return text

    async def receive_bytes(self) -> bytes:
        """Receive the next message's `"bytes"`.

        Returns:
            The message's `"bytes"` value, exactly as the server delivered it.

        Raises:
            RuntimeError: Not accepted yet, or already closed.
            WebSocketDisconnect: The client disconnected.
            KeyError: The message has no `"bytes"` key (a text frame).

        Examples:
            >>> from reference_impl import InMemoryPeer
            >>> peer = InMemoryPeer()
            >>> websocket = WebSocket(peer.scope, peer.receive, peer.send)
            >>> await websocket.accept()
            >>> peer.feed_bytes(b"\\x00\\x01")
            >>> await websocket.receive_bytes()
            b'\\x00\\x01'
        """
        self._require_connected()
        message = await self.receive()
        self._raise_on_disconnect(message)
        data: bytes = message["bytes"]
        return data

    async def receive_json(self, mode: str = "text") -> Any:
        """Receive the next message and decode it as JSON.

        Args:
            mode: "text" reads `"text"`; "binary" reads `"bytes"` as UTF-8.

        Returns:
            The decoded JSON value.

        Raises:
            RuntimeError: A bad `mode` (checked first), not accepted yet, or
                already closed.
            WebSocketDisconnect: The client disconnected.
            KeyError: The frame is not of the kind `mode` names.
            UnicodeDecodeError: "binary" bytes that are not UTF-8.
            json.JSONDecodeError: The payload is not JSON.
            TypeError: The payload is `None` (`"text": None` in "text" mode), or `mode`
                is unhashable.
            AttributeError: `"bytes": None` in "binary" mode.
            RecursionError: JSON nested too deeply for the interpreter.

        Examples:
            >>> from reference_impl import InMemoryPeer
            >>> peer = InMemoryPeer()
            >>> websocket = WebSocket(peer.scope, peer.receive, peer.send)
            >>> await websocket.accept()
            >>> peer.feed_text('{"op": "ping", "n": 1}')
            >>> await websocket.receive_json()
            {'op': 'ping', 'n': 1}
        """
        if mode not in MODES:
            raise RuntimeError(BAD_MODE)
        self._require_connected()
        message = await self.receive()
        self._raise_on_disconnect(message)
        text = message["text"] if mode == "text" else message["bytes"].decode("utf-8")
        return json.loads(text)

    async def iter_text(self) -> AsyncIterator[str]:
        """Yield each text message until the client disconnects.

        The disconnect ends the loop quietly; its code is not reported.

        Yields:
            Each message's text.

        Examples:
            >>> from reference_impl import InMemoryPeer
            >>> peer = InMemoryPeer()
            >>> websocket = WebSocket(peer.scope, peer.receive, peer.send)
            >>> await websocket.accept()
            >>> peer.feed_text("one"); peer.feed_text("two"); peer.feed_disconnect()
            >>> [text async for text in websocket.iter_text()]
            ['one', 'two']
        """
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            pass

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """Yield each binary message until the client disconnects.

        Yields:
            Each message's bytes.

        Examples:
            >>> from reference_impl import InMemoryPeer
            >>> peer = InMemoryPeer()
            >>> websocket = WebSocket(peer.scope, peer.receive, peer.send)
            >>> await websocket.accept()
            >>> peer.feed_bytes(b"one"); peer.feed_disconnect()
            >>> [data async for data in websocket.iter_bytes()]
            [b'one']
        """
        try:
            while True:
                yield await self.receive_bytes()
        except WebSocketDisconnect:
            pass

    async def iter_json(self) -> AsyncIterator[Any]:
        """Yield each text message decoded as JSON until the client disconnects.

        Yields:
            Each message's decoded JSON value.

        Examples:
            >>> from reference_impl import InMemoryPeer
            >>> peer = InMemoryPeer()
            >>> websocket = WebSocket(peer.scope, peer.receive, peer.send)
            >>> await websocket.accept()
            >>> peer.feed_text("[1, 2]"); peer.feed_disconnect()
            >>> [value async for value in websocket.iter_json()]
            [[1, 2]]
        """
        try:
            while True:
                yield await self.receive_json()
        except WebSocketDisconnect:
            pass

    async def send_text(self, data: str) -> None:
        """Send `data` as a text message.

        Args:
            data: The text to send.

        Raises:
            RuntimeError: As `send` does: not accepted yet, or already closed.

        Examples:
            >>> from reference_impl import InMemoryPeer
            >>> peer = InMemoryPeer()
            >>> websocket = WebSocket(peer.scope, peer.receive, peer.send)
            >>> await websocket.accept()
            >>> await websocket.send_text("hi")
            >>> peer.sent[-1]
            {'type': 'websocket.send', 'text': 'hi'}
        """
        await self.send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        """Send `data` as a binary message.

        Args:
            data: The bytes to send.

        Raises:
            RuntimeError: As `send` does: not accepted yet, or already closed.

        Examples:
            >>> from reference_impl import InMemoryPeer
            >>> peer = InMemoryPeer()
            >>> websocket = WebSocket(peer.scope, peer.receive, peer.send)
            >>> await websocket.accept()
            >>> await websocket.send_bytes(b"hi")
            >>> peer.sent[-1]
            {'type': 'websocket.send', 'bytes': b'hi'}
        """
        await self.send({"type": "websocket.send", "bytes": data})

    async def send_json(self, data: Any, mode: str = "text") -> None:
        """Send `data` encoded as compact JSON, with non-ASCII escaped.

        Args:
            data: Anything `json.dumps` accepts.
            mode: "text" sends a text message; "binary" sends UTF-8 bytes.

        Raises:
            RuntimeError: A bad `mode` (checked first), or as `send` does.
            TypeError: `data` is not JSON serializable, or `mode` is unhashable.
            ValueError: `data` contains a circular reference.
            RecursionError: `data` is nested too deeply for the interpreter.

        Examples:
            >>> from reference_impl import InMemoryPeer
            >>> peer = InMemoryPeer()
            >>> websocket = WebSocket(peer.scope, peer.receive, peer.send)
            >>> await websocket.accept()
            >>> await websocket.send_json({"city": "Zürich", "n": 1})
            >>> peer.sent[-1]
            {'type': 'websocket.send', 'text': '{"city":"Z\\\\u00fcrich","n":1}'}
        """
        if mode not in MODES:
            raise RuntimeError(BAD_MODE)
        text = json.dumps(data, separators=(",", ":"))
        if mode == "text":
            await self.send({"type": "websocket.send", "text": text})
        else:
            await self.send({"type": "websocket.send", "bytes": text.encode("utf-8")})

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection, or reject it if it was not accepted yet.

        Before `accept`, a close refuses the handshake: the server answers
        the HTTP upgrade with 403.

        Args:
            code: The close code (RFC 6455: 1000-1003, 1007-1014, 3000-4999).
            reason: Up to 123 UTF-8 bytes; `None` becomes `""`.

        Examples:
            >>> from reference_impl import InMemoryPeer
            >>> peer = InMemoryPeer()
            >>> websocket = WebSocket(peer.scope, peer.receive, peer.send)
            >>> await websocket.accept()
            >>> await websocket.close(1001, "server restarting")
            >>> peer.sent[-1]
            {'type': 'websocket.close', 'code': 1001, 'reason': 'server restarting'}
        """
        await self.send({"type": "websocket.close", "code": code, "reason": reason or ""})


class WebSocketClose:
    """An ASGI app that only closes the connection: the way to reject a route.

    Args:
        code: The close code.
        reason: The close reason; `None` becomes `""`.

    Examples:
        >>> from reference_impl import InMemoryPeer
        >>> peer = InMemoryPeer()
        >>> await peer.run(WebSocketClose(4003, "forbidden"))
        >>> peer.sent
        [{'type': 'websocket.close', 'code': 4003, 'reason': 'forbidden'}]
    """

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send `websocket.close` with this code and reason; nothing else."""
        await send({"type": "websocket.close", "code": self.code, "reason": self.reason})
