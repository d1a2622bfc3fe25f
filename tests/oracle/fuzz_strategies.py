"""Hypothesis strategies for the WebSocket fuzzers: messages, payloads and arguments.

Shared by the differential test against Starlette 0.29 (`test_fuzz_differential.py`)
and the state property in `tests/unit/test_properties.py`. This module imports
neither implementation, so both environments can load it.

Well-formed messages are drawn most often, so that runs reach every state; the
malformed ones cover missing keys, both or neither of `text`/`bytes`, wrong
value types, bogus, missing and unhashable `type`s, non-UTF-8 bytes, invalid
JSON and payloads of up to 1 MiB.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

HUGE = 1 << 20  # the largest payload: big enough to matter, small enough to keep memory modest
DEEP = 10_000  # JSON nesting far past the recursion limit (1000), on either side of the comparison

# JSON values: what `send_json` can encode and `receive_json` decodes.
# Strings that JSON escapes: non-ASCII, a line separator, an astral character, quotes.
tricky_text = st.sampled_from(["Zürich", "日本語", "\u2028", "😀", '"quoted"\n', "\x00"])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | tricky_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def _circular() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    return loop


class _Deep(list[Any]):
    """Lists nested past the recursion limit, with a short repr for hypothesis's reports."""

    def __repr__(self) -> str:
        return f"<list nested {DEEP} deep>"


def _deep() -> _Deep:
    value: list[Any] = []
    for _ in range(DEEP):
        value = [value]
    return _Deep(value)


DEEP_LIST = _deep()  # built once: making it is slow, and no call mutates it


# Data `json.dumps` refuses: unserializable types, bad keys, a cycle, and
# nesting deep enough to hit the recursion limit.
unserializable = st.one_of(
    st.sets(st.integers(), max_size=2),
    st.just(b"bytes"),
    st.just(object()),
    st.just({(1, 2): "tuple key"}),
    st.builds(_circular),
    st.just(DEEP_LIST),
)

json_data = st.one_of(json_values, json_values, unserializable)

text_payloads = st.one_of(
    st.text(max_size=30),
    json_values.map(json.dumps),
    st.sampled_from(["", "{", "[1,]", "NaN", "nul", '"\\ud800"', "[" * 50 + "]" * 50]),
    st.just(DEEP).map(lambda depth: "[" * depth),  # nested past the recursion limit
    st.sampled_from([1024, 65_536, HUGE]).map(lambda n: "x" * n),  # huge, not JSON
    st.sampled_from([1024, HUGE]).map(lambda n: '"' + "a" * (n - 2) + '"'),  # huge, valid JSON
)

bytes_payloads = st.one_of(
    st.binary(max_size=30),
    text_payloads.filter(lambda text: len(text) < 100).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"\xff\xfe", b'"\xc3"', b"\x80abc", b'{"a": "\xe9"}']),  # not UTF-8
    st.sampled_from([65_536, HUGE]).map(lambda n: b"\x00" * n),
)

# Values of the wrong type for a key; `bytearray` decodes, `memoryview` does not.
wrong_values = st.one_of(
    st.none(),
    st.integers(),
    st.lists(st.integers(), max_size=2),
    st.just(bytearray(b"[1]")),
    st.just(memoryview(b"[1]")),
)

close_codes = st.one_of(st.sampled_from([1000, 1001, 1005, 1006, 1011, 3000, 4999]), st.integers())
reasons = st.one_of(st.none(), st.just(""), st.text(max_size=10))

# Message types: the five real ones, bogus strings, non-strings, unhashables.
real_types = st.sampled_from(
    ["websocket.connect", "websocket.receive", "websocket.disconnect", "websocket.accept", "websocket.send"]
)
bogus_types = st.one_of(
    st.sampled_from(["websocket.close", "http.request", "lifespan.startup", "", "WEBSOCKET.CONNECT"]),
    st.text(max_size=10),
    st.none(),
    st.integers(),
    st.just(b"websocket.receive"),
    st.just(("websocket.receive",)),
)
unhashable_types = st.one_of(
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
    st.just(["websocket.receive"]),
)


def _receive(payload: dict[str, Any]) -> dict[str, Any]:
    return {"type": "websocket.receive", **payload}


well_formed = st.one_of(
    st.just({"type": "websocket.connect"}),
    st.builds(lambda text: _receive({"text": text}), text_payloads),
    st.builds(lambda data: _receive({"bytes": data}), bytes_payloads),
    # Servers often send both keys, one of them None.
    st.builds(lambda text: _receive({"text": text, "bytes": None}), text_payloads),
    st.builds(lambda data: _receive({"bytes": data, "text": None}), bytes_payloads),
    st.builds(lambda code: {"type": "websocket.disconnect", "code": code}, close_codes),
    st.builds(
        lambda code, reason: {"type": "websocket.disconnect", "code": code, "reason": reason}, close_codes, reasons
    ),
)

malformed = st.one_of(
    st.just({}),  # no type
    st.just({"text": "no type"}),
    st.just(_receive({})),  # neither text nor bytes
    st.builds(lambda text, data: _receive({"text": text, "bytes": data}), text_payloads, bytes_payloads),  # both
    st.builds(lambda value: _receive({"text": value}), wrong_values | bytes_payloads),
    st.builds(lambda value: _receive({"bytes": value}), wrong_values | text_payloads),
    st.just({"type": "websocket.disconnect"}),  # no code
    st.builds(lambda reason: {"type": "websocket.disconnect", "code": 1000, "reason": reason}, wrong_values),
    st.builds(lambda kind: {"type": kind, "text": "x"}, bogus_types | real_types),
    st.builds(lambda kind: {"type": kind}, unhashable_types),
    st.builds(lambda kind, text: {"type": kind, "text": text}, unhashable_types, st.text(max_size=5)),
)

# Data frames only, the bulk of a real conversation.
frames = st.one_of(
    st.builds(lambda text: _receive({"text": text}), text_payloads),
    st.builds(lambda text: _receive({"text": text}), json_values.map(json.dumps)),
    st.builds(lambda data: _receive({"bytes": data}), bytes_payloads),
)

# How a run starts: connect queued, already accepted, or nothing queued at all.
openings = st.sampled_from(["accepted", "connect queued", "accepted", "nothing"])

# Peer messages: three well-formed for each malformed one.
messages = st.one_of(well_formed, well_formed, well_formed, malformed)

# What the peer sends just before a receive-side call: often a frame, sometimes anything.
incoming = st.one_of(
    st.just([]),
    st.lists(frames, min_size=1, max_size=3),
    st.lists(messages, min_size=1, max_size=2),
    # A whole conversation: a few frames, then the client leaves (what ends an iter_*).
    st.builds(
        lambda batch, code, reason: [*batch, {"type": "websocket.disconnect", "code": code, "reason": reason}],
        st.lists(frames, max_size=3),
        close_codes,
        reasons,
    ),
)

# What the application hands to raw `send`: right and wrong types, with and without fields.
app_messages = st.one_of(
    st.builds(lambda sub: {"type": "websocket.accept", "subprotocol": sub}, st.none() | st.text(max_size=5)),
    st.just({"type": "websocket.accept"}),
    st.builds(lambda text: {"type": "websocket.send", "text": text}, st.text(max_size=10)),
    st.builds(lambda data: {"type": "websocket.send", "bytes": data}, st.binary(max_size=10)),
    st.builds(lambda code: {"type": "websocket.close", "code": code}, close_codes),
    st.just({"type": "websocket.close"}),
    st.just({}),
    st.builds(lambda kind: {"type": kind}, real_types | bogus_types | unhashable_types),
)

# `mode` arguments: the two good ones, bad strings, and an unhashable one.
modes = st.one_of(
    st.sampled_from(["text", "binary"]),
    st.sampled_from(["text", "binary"]),
    st.sampled_from(["TEXT", "bytes", ""]),
    st.none(),
    st.just(["text"]),
)

subprotocols = st.one_of(st.none(), st.sampled_from(["chat.v1", ""]), st.text(max_size=5))
accept_headers = st.one_of(
    st.none(),
    st.just([]),
    st.lists(st.tuples(st.binary(max_size=5), st.binary(max_size=5)), max_size=2),
)
# Huge values are built by `map`, so that hypothesis never prints a 1 MiB repr of the strategy.
send_text_data = st.one_of(st.text(max_size=20), st.just(HUGE).map(lambda n: "x" * n), wrong_values)
send_bytes_data = st.one_of(st.binary(max_size=20), st.just(HUGE).map(lambda n: b"\x00" * n), wrong_values)
