"""The transitions an example exercised, read from the messages that crossed the in-memory peer.

With the reference under test, `reference_impl.transitions.observers` tells
the harness every row applied, error rows included. Another implementation
does not run that table, so its rows are inferred instead: every
`InMemoryPeer` in the session's namespace keeps a transcript, and each new
message in it is looked up in the reference's table, from the state the
earlier messages led to. Only messages that crossed are seen: a received
message is recorded when the application reads it, so a bad one shows its
error row; a sent one only if the implementation let through a message the
table refuses (Starlette's denial response in CONNECTING, for one). Peers
held only inside functions are not seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reference_impl.peer import InMemoryPeer
from reference_impl.transitions import Side, WebSocketState, find


@dataclass
class _Seen:
    peer: InMemoryPeer  # kept so that its id is not reused while tracked
    read: int = 0
    client: WebSocketState = WebSocketState.CONNECTING
    application: WebSocketState = WebSocketState.CONNECTING


class WireRows:
    """Tracks the peers of one session; `rows()` after each example names the rows its messages took."""

    def __init__(self) -> None:
        self._seen: dict[int, _Seen] = {}

    def rows(self, namespace: dict[str, Any]) -> list[str]:
        """`repr`s of the rows for messages that crossed any peer in `namespace` since the last call."""
        found: list[str] = []
        for value in list(namespace.values()):
            if not isinstance(value, InMemoryPeer):
                continue
            seen = self._seen.setdefault(id(value), _Seen(value))
            for exchange in value.transcript[seen.read :]:
                message_type = exchange.message.get("type")
                if exchange.direction == "receive":
                    row = find(Side.CLIENT, seen.client, message_type)
                    seen.client = row.next_state or seen.client
                else:
                    row = find(Side.APPLICATION, seen.application, message_type)
                    seen.application = row.next_state or seen.application
                found.append(row.key)
            seen.read = len(value.transcript)
        return found
