"""A compact, table-driven reference implementation of ASGI WebSockets.

It matches the `WebSocket` API that Starlette 0.29 provides and FastAPI
re-exports, character for character, apart from the deliberate differences
listed in `reference_impl.differences`.
"""

from .connection import HTTPConnection
from .peer import InMemoryPeer
from .websockets import WebSocket, WebSocketClose, WebSocketDisconnect, WebSocketState

__all__ = [
    "HTTPConnection",
    "InMemoryPeer",
    "WebSocket",
    "WebSocketClose",
    "WebSocketDisconnect",
    "WebSocketState",
]
