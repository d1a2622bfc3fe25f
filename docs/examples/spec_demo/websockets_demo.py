"""An implementation to check, for the "Check your implementation" page.

It is the reference with one change, the kind a real implementation makes:
`send_json` keeps non-ASCII characters as they are (`ensure_ascii=False`,
as today's Starlette does) instead of escaping them. The spec check finds
exactly the examples that notice.
"""

from __future__ import annotations

import json
from typing import Any

from reference_impl.websockets import WebSocket as ReferenceWebSocket
from reference_impl.websockets import WebSocketDisconnect, WebSocketState

__all__ = ["WebSocket", "WebSocketDisconnect", "WebSocketState"]


class WebSocket(ReferenceWebSocket):
    """The reference's `WebSocket`, with a `send_json` that does not escape non-ASCII."""

    async def send_json(self, data: Any, mode: str = "text") -> None:
        if mode not in ("text", "binary"):
            raise RuntimeError('The "mode" argument should be "text" or "binary".')
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            await self.send({"type": "websocket.send", "text": text})
        else:
            await self.send({"type": "websocket.send", "bytes": text.encode("utf-8")})
