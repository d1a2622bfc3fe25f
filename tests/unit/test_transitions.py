"""The transition table and its engine: every row reachable, observers told, rows readable."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from reference_impl import transitions, websockets
from reference_impl.transitions import (
    ANY,
    OTHER,
    TABLE,
    Row,
    Side,
    WebSocketState,
    advance,
    apply,
    find,
    rows_for,
)

from .seed_texts import (
    EXPECT_ACCEPT,
    EXPECT_CONNECT,
    EXPECT_RECEIVE,
    EXPECT_SEND,
    RECEIVE_AFTER_DISCONNECT,
    SEND_AFTER_CLOSE,
)

CLIENT, APPLICATION = Side.CLIENT, Side.APPLICATION
CONNECTING, CONNECTED, DISCONNECTED = WebSocketState
BOGUS = "websocket.bogus"


def a_type_for(row: Row) -> str:
    """A message type that selects `row`: its own, or one no row names."""
    return BOGUS if row.message_type in (ANY, OTHER) else row.message_type


def test_the_two_machines_have_three_states_each_with_the_seeds_values() -> None:
    assert [(state.name, state.value) for state in WebSocketState] == [
        ("CONNECTING", 0),
        ("CONNECTED", 1),
        ("DISCONNECTED", 2),
    ]
    assert websockets.WebSocketState is WebSocketState


def test_side_values_name_the_websocket_attributes_they_drive(websocket: websockets.WebSocket) -> None:
    assert [side.value for side in Side] == ["client_state", "application_state"]
    assert all(getattr(websocket, side.value) is CONNECTING for side in Side)


def test_every_side_and_state_has_exactly_one_fallback_row() -> None:
    # Without a fallback `find` would raise KeyError for an unnamed type.
    for side in Side:
        for state in WebSocketState:
            fallbacks = [
                row for row in TABLE if (row.side, row.state) == (side, state) and row.message_type in (ANY, OTHER)
            ]
            assert len(fallbacks) == 1, (side, state)


def step(side: Side, state: WebSocketState, message_type: object) -> WebSocketState:
    """One call's worth of engine: pick the state's rows, then advance by the type."""
    return advance(rows_for(side, state), message_type)


@pytest.mark.parametrize("row", TABLE, ids=repr)
def test_find_reaches_every_row(row: Row) -> None:
    assert find(row.side, row.state, a_type_for(row)) is row


@pytest.mark.parametrize("row", TABLE, ids=repr)
def test_advance_applies_every_row(row: Row) -> None:
    message_type = a_type_for(row)
    if row.next_state is not None:
        assert step(row.side, row.state, message_type) is row.next_state
    else:
        with pytest.raises(RuntimeError) as raised:
            step(row.side, row.state, message_type)
        assert str(raised.value) == row.outcome.format(type=message_type)  # type: ignore[union-attr]


# What each (side, state, type) does, written out from the seed's if/elif chain.
SEED_OUTCOMES = [
    (CLIENT, CONNECTING, "websocket.connect", CONNECTED),
    (CLIENT, CONNECTING, "websocket.receive", EXPECT_CONNECT.format("websocket.receive")),
    (CLIENT, CONNECTING, BOGUS, EXPECT_CONNECT.format(BOGUS)),
    (CLIENT, CONNECTED, "websocket.receive", CONNECTED),
    (CLIENT, CONNECTED, "websocket.disconnect", DISCONNECTED),
    (CLIENT, CONNECTED, "websocket.connect", EXPECT_RECEIVE.format("websocket.connect")),
    (CLIENT, DISCONNECTED, "websocket.receive", RECEIVE_AFTER_DISCONNECT),
    (CLIENT, DISCONNECTED, "websocket.disconnect", RECEIVE_AFTER_DISCONNECT),
    (APPLICATION, CONNECTING, "websocket.accept", CONNECTED),
    (APPLICATION, CONNECTING, "websocket.close", DISCONNECTED),
    (APPLICATION, CONNECTING, "websocket.send", EXPECT_ACCEPT.format("websocket.send")),
    (APPLICATION, CONNECTED, "websocket.send", CONNECTED),
    (APPLICATION, CONNECTED, "websocket.close", DISCONNECTED),
    (APPLICATION, CONNECTED, "websocket.accept", EXPECT_SEND.format("websocket.accept")),
    (APPLICATION, DISCONNECTED, "websocket.send", SEND_AFTER_CLOSE),
    (APPLICATION, DISCONNECTED, "websocket.close", SEND_AFTER_CLOSE),
]


@pytest.mark.parametrize(("side", "state", "message_type", "expected"), SEED_OUTCOMES)
def test_advance_matches_the_seed(
    side: Side, state: WebSocketState, message_type: str, expected: WebSocketState | str
) -> None:
    if isinstance(expected, WebSocketState):
        assert step(side, state, message_type) is expected
    else:
        with pytest.raises(RuntimeError) as raised:
            step(side, state, message_type)
        assert str(raised.value) == expected


@pytest.mark.parametrize("message_type", [["websocket.connect"], {"type": 1}, None, 7])
def test_an_unhashable_or_odd_type_falls_to_the_other_row(message_type: object) -> None:
    row = find(APPLICATION, CONNECTING, message_type)
    assert row.message_type == OTHER
    with pytest.raises(RuntimeError) as raised:
        apply(row, message_type)
    assert str(raised.value) == EXPECT_ACCEPT.format(message_type)


def test_any_row_wins_over_a_named_type() -> None:
    assert find(CLIENT, DISCONNECTED, "websocket.receive").message_type == ANY


def test_observers_see_each_applied_row_in_order(observed: list[Row]) -> None:
    assert step(CLIENT, CONNECTING, "websocket.connect") is CONNECTED
    with pytest.raises(RuntimeError):
        step(APPLICATION, CONNECTED, BOGUS)
    assert observed == [find(CLIENT, CONNECTING, "websocket.connect"), find(APPLICATION, CONNECTED, BOGUS)]


@pytest.mark.asyncio
async def test_observers_see_the_rows_a_websocket_call_applies(
    observed: list[Row], websocket: websockets.WebSocket
) -> None:
    await websocket.accept()
    assert [repr(row) for row in observed] == [
        "Row(CLIENT, CONNECTING, 'websocket.connect' -> CONNECTED)",
        "Row(APPLICATION, CONNECTING, 'websocket.accept' -> CONNECTED)",
    ]


@pytest.mark.parametrize(
    ("side", "state", "expected"),
    [(CLIENT, DISCONNECTED, RECEIVE_AFTER_DISCONNECT), (APPLICATION, DISCONNECTED, SEND_AFTER_CLOSE)],
)
def test_rows_for_a_closed_state_raises_the_any_row_and_tells_observers(
    observed: list[Row], side: Side, state: WebSocketState, expected: str
) -> None:
    with pytest.raises(RuntimeError) as raised:
        rows_for(side, state)
    assert str(raised.value) == expected
    assert [(row.side, row.state, row.message_type) for row in observed] == [(side, state, ANY)]


@pytest.mark.parametrize("side", Side)
@pytest.mark.parametrize("state", [CONNECTING, CONNECTED])
def test_rows_for_an_open_state_returns_its_rows_silently(
    observed: list[Row], side: Side, state: WebSocketState
) -> None:
    rows = rows_for(side, state)
    assert sorted(rows.values(), key=TABLE.index) == [row for row in TABLE if (row.side, row.state) == (side, state)]
    assert observed == []


def test_row_properties_and_repr() -> None:
    ok = Row(CLIENT, CONNECTED, "websocket.receive", CONNECTED)
    bad = Row(APPLICATION, DISCONNECTED, ANY, "no {type!r}")
    assert (ok.next_state, ok.error) == (CONNECTED, None)
    assert (bad.next_state, bad.error) == (None, "no {type!r}")
    assert repr(ok) == "Row(CLIENT, CONNECTED, 'websocket.receive' -> CONNECTED)"
    assert repr(bad) == "Row(APPLICATION, DISCONNECTED, '(any)' -> RuntimeError)"
    with pytest.raises(FrozenInstanceError):
        ok.outcome = DISCONNECTED  # type: ignore[misc]


def test_each_row_has_a_distinct_key_naming_side_state_and_type() -> None:
    keys = [row.key for row in TABLE]
    assert len(set(keys)) == len(TABLE)
    assert keys[0] == "client_state CONNECTING websocket.connect"


def test_observing_tells_the_observer_only_inside_the_block() -> None:
    seen: list[Row] = []
    row = TABLE[0]
    with transitions.observing(seen.append):
        transitions.apply(row)
        assert transitions.observers == [seen.append]
    transitions.apply(row)
    assert seen == [row]
    assert transitions.observers == []


def test_observing_removes_the_observer_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), transitions.observing(print):
        transitions.apply(TABLE[-1])
    assert transitions.observers == []
