"""What the package exports, and `WebSocketDisconnect` as an exception value."""

from __future__ import annotations

from typing import Any

import pytest

import reference_impl
from reference_impl import connection, transitions, websockets


def test_root_exports() -> None:
    assert sorted(reference_impl.__all__) == [
        "HTTPConnection",
        "InMemoryPeer",
        "WebSocket",
        "WebSocketClose",
        "WebSocketDisconnect",
        "WebSocketState",
    ]
    assert all(hasattr(reference_impl, name) for name in reference_impl.__all__)


def test_websockets_module_exports_the_same_four_objects_as_starlette_websockets() -> None:
    assert sorted(websockets.__all__) == ["WebSocket", "WebSocketClose", "WebSocketDisconnect", "WebSocketState"]
    for name in websockets.__all__:
        assert getattr(websockets, name) is getattr(reference_impl, name)
    assert websockets.WebSocketState is transitions.WebSocketState
    assert issubclass(websockets.WebSocket, connection.HTTPConnection)
    assert reference_impl.HTTPConnection is connection.HTTPConnection


@pytest.mark.parametrize(
    ("args", "kwargs", "code", "reason", "error_args", "text"),
    [
        ((), {}, 1000, "", (), ""),
        ((1001,), {}, 1001, "", (1001,), "1001"),
        ((1001, "bye"), {}, 1001, "bye", (1001, "bye"), "(1001, 'bye')"),
        ((1001, None), {}, 1001, "", (1001, None), "(1001, None)"),
        # Like the seed, no super().__init__: keyword arguments never reach args.
        ((), {"code": 1001}, 1001, "", (), ""),
        ((), {"code": 4000, "reason": "bye"}, 4000, "bye", (), ""),
        ((4000,), {"reason": "bye"}, 4000, "bye", (4000,), "4000"),
    ],
)
def test_websocket_disconnect(
    args: tuple[Any, ...], kwargs: dict[str, Any], code: int, reason: str, error_args: tuple[Any, ...], text: str
) -> None:
    error = websockets.WebSocketDisconnect(*args, **kwargs)
    assert isinstance(error, Exception)
    assert (error.code, error.reason, error.args, str(error)) == (code, reason, error_args, text)
