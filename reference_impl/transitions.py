"""The two WebSocket state machines, as one table.

A `WebSocket` tracks two states. `client_state` follows the messages the
application *receives* from the server; `application_state` follows the
messages it *sends*. Each row of `TABLE` says, for one side in one state and
one message type, either the next state or the exact `RuntimeError` text.

Two pseudo message types complete each state:

* `ANY`: the state takes no message at all. The call fails before a message
  is read (`receive`) or even looked at (`send`).
* `OTHER`: every message type that no other row of that state names.

The engine below applies the table; `reference_impl.websockets`, the docs,
the state diagram and the coverage checks all read this one table.

Rules that are *not* in the table, and where they live (all in
`reference_impl.websockets`):

* **Not connected.** `receive_text`, `receive_bytes`, `receive_json` and the
  `iter_*` helpers first require `application_state` to be `CONNECTED`, else
  `RuntimeError` with `NOT_CONNECTED` (`WebSocket._require_connected`). ASGI
  lets raw `receive()` run before `accept`; the helpers refuse it, as
  Starlette 0.29.0 does.
* **`mode` before state.** `receive_json` and `send_json` check `mode` before
  anything else (`BAD_MODE`), so a bad `mode` wins over a wrong state.
* **`accept` reads `websocket.connect`.** `accept()` in `CONNECTING` first
  receives, because ASGI's `websocket.connect` must be read before the
  handshake is answered (ASGI WebSocket spec, "Connect - receive event").
* **Disconnect becomes an exception.** The `*_text`, `*_bytes`, `*_json`
  helpers turn a `websocket.disconnect` into `WebSocketDisconnect(code,
  reason)`, where the table only moves the state (`_raise_on_disconnect`);
  raw `receive()` returns the message. The codes are RFC 6455's (section
  7.4.1).

Examples:

    >>> from reference_impl.transitions import Side, WebSocketState, find
    >>> find(Side.CLIENT, WebSocketState.CONNECTING, "websocket.connect")
    Row(CLIENT, CONNECTING, 'websocket.connect' -> CONNECTED)
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass


class WebSocketState(enum.Enum):
    """Where one side of the connection is: the same three states for both."""

    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2

    # Members are singletons, so hashing by identity is exact; Enum's own
    # __hash__ is Python code, and every message hashes a state (measured).
    __hash__ = object.__hash__


class Side(enum.Enum):
    """Which of the two state machines a row belongs to."""

    CLIENT = "client_state"  # moved by messages the application receives
    APPLICATION = "application_state"  # moved by messages the application sends

    __hash__ = object.__hash__  # as for WebSocketState


ANY = "(any)"
OTHER = "(other)"


@dataclass(frozen=True)
class Row:
    """One transition: in `state`, `message_type` leads to `outcome`.

    `outcome` is the next state, or the text of the `RuntimeError` raised
    instead, with `{type!r}` standing for the offending message type.
    """

    side: Side
    state: WebSocketState
    message_type: str
    outcome: WebSocketState | str

    @property
    def next_state(self) -> WebSocketState | None:
        """The state after this row, or `None` for an error row."""
        return self.outcome if isinstance(self.outcome, WebSocketState) else None

    @property
    def error(self) -> str | None:
        """The error text template, or `None` for a successful transition."""
        return self.outcome if isinstance(self.outcome, str) else None

    @property
    def key(self) -> str:
        """The row's identity in reports and coverage: side, state and message type.

        Example:
            >>> TABLE[0].key
            'client_state CONNECTING websocket.connect'
        """
        return f"{self.side.value} {self.state.name} {self.message_type}"

    def __repr__(self) -> str:
        outcome = self.outcome.name if isinstance(self.outcome, WebSocketState) else "RuntimeError"
        return f"Row({self.side.name}, {self.state.name}, {self.message_type!r} -> {outcome})"


CLIENT, APPLICATION = Side.CLIENT, Side.APPLICATION
CONNECTING, CONNECTED, DISCONNECTED = WebSocketState

# fmt: off
TABLE: tuple[Row, ...] = (
    #   side         state         message type             next state or RuntimeError text
    Row(CLIENT,      CONNECTING,   "websocket.connect",     CONNECTED),
    Row(CLIENT,      CONNECTING,   OTHER,                   'Expected ASGI message "websocket.connect", but got {type!r}'),
    Row(CLIENT,      CONNECTED,    "websocket.receive",     CONNECTED),
    Row(CLIENT,      CONNECTED,    "websocket.disconnect",  DISCONNECTED),
    Row(CLIENT,      CONNECTED,    OTHER,                   'Expected ASGI message "websocket.receive" or "websocket.disconnect", but got {type!r}'),
    Row(CLIENT,      DISCONNECTED, ANY,                     'Cannot call "receive" once a disconnect message has been received.'),
    Row(APPLICATION, CONNECTING,   "websocket.accept",      CONNECTED),
    Row(APPLICATION, CONNECTING,   "websocket.close",       DISCONNECTED),
    Row(APPLICATION, CONNECTING,   OTHER,                   'Expected ASGI message "websocket.accept" or "websocket.close", but got {type!r}'),
    Row(APPLICATION, CONNECTED,    "websocket.send",        CONNECTED),
    Row(APPLICATION, CONNECTED,    "websocket.close",       DISCONNECTED),
    Row(APPLICATION, CONNECTED,    OTHER,                   'Expected ASGI message "websocket.send" or "websocket.close", but got {type!r}'),
    Row(APPLICATION, DISCONNECTED, ANY,                     'Cannot call "send" once a close message has been sent.'),
)
# fmt: on

# The table, indexed for the engine: (side, state) -> {message type: row}.
_ROWS: dict[tuple[Side, WebSocketState], dict[str, Row]] = {}
for _row in TABLE:
    _ROWS.setdefault((_row.side, _row.state), {})[_row.message_type] = _row

#: Callables told of every row the engine applies. The doc harness uses this
#: to measure which rows the examples exercise; it is empty otherwise. Add one
#: with `observing`, which removes it again.
observers: list[Callable[[Row], None]] = []


@contextlib.contextmanager
def observing(observer: Callable[[Row], None]) -> Iterator[Callable[[Row], None]]:
    """Tell `observer` of every row applied inside the `with` block, and only there.

    Example:
        >>> seen = []
        >>> with observing(seen.append):
        ...     apply(TABLE[0])
        <WebSocketState.CONNECTED: 1>
        >>> seen
        [Row(CLIENT, CONNECTING, 'websocket.connect' -> CONNECTED)]
        >>> seen.append in observers
        False
    """
    observers.append(observer)
    try:
        yield observer
    finally:
        observers.remove(observer)


def _pick(rows: dict[str, Row], message_type: object) -> Row:
    # ANY wins, then the row naming the type, then OTHER. An unhashable type
    # cannot name a row, so it falls to OTHER (`unhashable-message-type`).
    if ANY in rows:
        return rows[ANY]
    try:
        return rows[message_type]  # type: ignore[index]
    except (KeyError, TypeError):
        return rows[OTHER]


def find(side: Side, state: WebSocketState, message_type: object) -> Row:
    """Return the row that decides what `message_type` does in `state`, applying nothing."""
    return _pick(_ROWS[side, state], message_type)


def apply(row: Row, message_type: object = None) -> WebSocketState:
    """Return `row`'s next state, or raise its `RuntimeError`."""
    for observe in observers:
        observe(row)
    if isinstance(row.outcome, str):
        raise RuntimeError(row.outcome.format(type=message_type))
    return row.outcome


def rows_for(side: Side, state: WebSocketState) -> dict[str, Row]:
    """Return the rows that will decide a call made in `state`.

    A call picks its rows when it starts, before it awaits anything, so a
    concurrent call that moves the state meanwhile cannot change the rules
    (Starlette decides by the state a call starts in, too). A state that takes
    no message raises its `ANY` row's error here, before anything is read.
    """
    rows = _ROWS[side, state]
    if ANY in rows:
        apply(rows[ANY])
    return rows


def advance(rows: dict[str, Row], message_type: object) -> WebSocketState:
    """Return the state `message_type` leads to among `rows`, or raise the row's error.

    `rows` come from `rows_for`, which has already refused a state with an
    `ANY` row, so only the named types and `OTHER` are left to choose from.
    """
    try:
        row = rows[message_type]  # type: ignore[index]
    except (KeyError, TypeError):
        row = rows[OTHER]
    return apply(row, message_type)
