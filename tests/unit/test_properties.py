"""Properties of any sequence of calls and peer messages, checked with hypothesis.

A `RuleBasedStateMachine` drives one `reference_impl.WebSocket` through random
calls and peer messages (malformed ones included; the strategies are shared
with the differential fuzzer in `tests/oracle/fuzz_strategies.py`). After every
step it checks two properties.

1. **The state is one the table names.** `client_state` and
   `application_state` are `WebSocketState` members, each (side, state) pair
   has rows in `transitions.TABLE`, and each side's state moved only along the
   rows the engine applied (seen through `transitions.observers`): the rows
   chain from the state before the step to the state after it.

2. **Only documented exceptions escape**, each for its documented cause. The
   complete list, found by this fuzzer and checked in `allowed`:

   * `RuntimeError`: the text of the table row just applied, or
     `NOT_CONNECTED` (a `receive_*`/`iter_*` before `accept` or after `close`),
     or `BAD_MODE` (a `mode` other than "text"/"binary", unhashable ones too).
   * `WebSocketDisconnect`: from `receive_text`/`receive_bytes`/`receive_json`
     only (never `iter_*`), when the message just read is a disconnect; it
     carries that message's code and reason.
   * `KeyError`: a message without `"type"`, a frame without the key the call
     reads (`"text"`/`"bytes"`), or a disconnect without `"code"`.
   * From `json`, in `receive_json`/`iter_json`: `json.JSONDecodeError`
     (not JSON), `UnicodeDecodeError` ("binary" mode, not UTF-8),
     `AttributeError` ("binary" mode, `"bytes"` holds something without
     `.decode`), `TypeError` (the payload is not str/bytes), `RecursionError`
     (nesting past the interpreter's limit).
   * `TypeError` from `receive_json`/`send_json` for an unhashable `mode`,
     if the implementation tests `mode` against a set as Starlette does
     (today's reference tests a tuple and raises `BAD_MODE` instead).
   * From `json`, in `send_json`: `TypeError` (not serializable),
     `ValueError` (a circular reference), `RecursionError` (too deep).
   * Whatever the server's own `receive`/`send` raise, unchanged (here the
     fakes' `PeerSilent` and `SendFailed`).
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from reference_impl import WebSocket, WebSocketDisconnect, WebSocketState, transitions
from reference_impl.transitions import TABLE, Row, Side
from reference_impl.websockets import BAD_MODE, NOT_CONNECTED
from tests.support.drive import drive


def _load_strategies() -> ModuleType:
    # Loaded by path: tests/oracle is a separate suite (another environment),
    # not a package this one imports from. It imports no Starlette.
    path = Path(__file__).parents[1] / "oracle" / "fuzz_strategies.py"
    spec = importlib.util.spec_from_file_location("fuzz_strategies", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


S = _load_strategies()

SETTINGS = settings(
    max_examples=200,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

NAMED_PAIRS = {(row.side, row.state) for row in TABLE}
RECEIVE_CALLS = {"receive_text", "receive_bytes", "receive_json"}
JSON_IN_CALLS = {"receive_json", "iter_json"}
KEY_READ = {"receive_text": "text", "iter_text": "text", "receive_bytes": "bytes", "iter_bytes": "bytes"}


class PeerSilent(Exception):
    """The fake server's `receive` found nothing queued (a real one would wait)."""


class SendFailed(Exception):
    """The fake server's `send` failed, once, on request."""


def _template_regex(template: str) -> re.Pattern[str]:
    head, _, tail = template.partition("{type!r}")
    return re.compile(re.escape(head) + (".*" + re.escape(tail) if _ else ""), re.DOTALL)


def _unhashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return True
    return False


def allowed(call: str, mode: Any, error: Exception, rows: list[Row], last: Any) -> bool:
    """Whether `error`, raised by `call`, is documented, given the rows applied and the last message read.

    `last` is the message the step read last (None if it read none), `mode`
    the `mode` argument of a JSON call.
    """
    binary = mode == "binary"
    if isinstance(error, PeerSilent | SendFailed):
        return True  # the server's own errors pass through
    if isinstance(error, WebSocketDisconnect):
        return (
            call in RECEIVE_CALLS
            and last is not None
            and last.get("type") == "websocket.disconnect"
            and (error.code, error.reason) == (last["code"], last.get("reason") or "")
        )
    if type(error) is RuntimeError:
        if str(error) in (NOT_CONNECTED, BAD_MODE):
            return True
        row = rows[-1] if rows else None
        return row is not None and row.error is not None and bool(_template_regex(row.error).fullmatch(str(error)))
    if type(error) is KeyError:
        key = error.args[0]
        if key == "type" or (key == "code" and last is not None and last.get("type") == "websocket.disconnect"):
            return True
        wanted = KEY_READ.get(call) or (("bytes" if binary else "text") if call in JSON_IN_CALLS else None)
        return key == wanted and last is not None and key not in last
    if call in ("receive_json", "send_json") and type(error) is TypeError and str(error).startswith("unhashable type"):
        return _unhashable(mode)  # as in Starlette, a mode that cannot be hashed fails the membership test
    if call in JSON_IN_CALLS:
        return (
            isinstance(error, json.JSONDecodeError | RecursionError)
            or (binary and isinstance(error, UnicodeDecodeError | AttributeError))
            or (type(error) is TypeError and str(error).startswith("the JSON object must be"))
        )
    if call == "send_json":
        return type(error) in (TypeError, ValueError, RecursionError)
    return False


class Properties(RuleBasedStateMachine):
    """One reference `WebSocket` under random calls and peer messages."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: list[Any] = []
        self.read: list[Any] = []
        self.fail_next_send = False
        self.rows: list[Row] = []
        transitions.observers.append(self.rows.append)
        self.websocket = WebSocket({"type": "websocket", "path": "/", "headers": []}, self.receive, self.send)

    def teardown(self) -> None:
        transitions.observers.remove(self.rows.append)

    async def receive(self) -> Any:
        if not self.inbox:
            raise PeerSilent
        message = self.inbox.pop(0)
        self.read.append(message)
        return message

    async def send(self, message: Any) -> None:
        if self.fail_next_send:
            self.fail_next_send = False
            raise SendFailed

    def _step(self, call: str, run: Callable[[], Coroutine[Any, Any, Any]], mode: Any = None) -> None:
        before = {Side.CLIENT: self.websocket.client_state, Side.APPLICATION: self.websocket.application_state}
        self.rows.clear()
        read_before = len(self.read)
        error: Exception | None = None
        try:
            drive(run())
        except Exception as raised:
            error = raised
        after = {Side.CLIENT: self.websocket.client_state, Side.APPLICATION: self.websocket.application_state}
        # Property 1: every state move is a chain of table rows.
        for side in Side:
            state = before[side]
            for row in self.rows:
                assert row in TABLE
                if row.side is side:
                    assert row.state is state, f"{call}: {row} applied in {state}"
                    state = row.next_state or state
            assert after[side] is state, f"{call}: {side.value} is {after[side]}, the rows lead to {state}"
        # Property 2: only documented exceptions, for their documented causes.
        if error is not None:
            last = self.read[-1] if len(self.read) > read_before else None
            assert allowed(call, mode, error, self.rows, last), f"{call} raised {error!r}, which the docs do not list"

    @invariant()
    def states_are_named(self) -> None:
        for side, state in (
            (Side.CLIENT, self.websocket.client_state),
            (Side.APPLICATION, self.websocket.application_state),
        ):
            assert isinstance(state, WebSocketState)
            assert (side, state) in NAMED_PAIRS

    @initialize(opening=S.openings)
    def start(self, opening: str) -> None:
        # Most runs start connected or accepted, so the later steps reach every state.
        if opening != "nothing":
            self.inbox.append({"type": "websocket.connect"})
        if opening == "accepted":
            self.accept(None, None)

    @rule(batch=st.lists(S.frames, min_size=1, max_size=4))
    def push_frames(self, batch: list[Any]) -> None:
        self.inbox.extend(batch)

    @rule(batch=st.lists(S.messages, min_size=1, max_size=3))
    def push(self, batch: list[Any]) -> None:
        self.inbox.extend(batch)

    @rule(code=S.close_codes, reason=S.reasons)
    def push_disconnect(self, code: int, reason: str | None) -> None:
        self.inbox.append({"type": "websocket.disconnect", "code": code, "reason": reason})

    @rule()
    def break_send(self) -> None:
        self.fail_next_send = True

    @rule(incoming=S.incoming)
    def receive_raw(self, incoming: list[Any]) -> None:
        self.inbox.extend(incoming)
        self._step("receive", self.websocket.receive)

    @rule(message=S.app_messages)
    def send_raw(self, message: Any) -> None:
        self._step("send", lambda: self.websocket.send(message))

    @rule(subprotocol=S.subprotocols, headers=S.accept_headers)
    def accept(self, subprotocol: str | None, headers: Any) -> None:
        self._step("accept", lambda: self.websocket.accept(subprotocol, headers))

    @rule(call=st.sampled_from(["receive_text", "receive_bytes"]), incoming=S.incoming)
    def receive_frame(self, call: str, incoming: list[Any]) -> None:
        self.inbox.extend(incoming)
        self._step(call, getattr(self.websocket, call))

    @rule(mode=S.modes, incoming=S.incoming)
    def receive_json(self, mode: Any, incoming: list[Any]) -> None:
        self.inbox.extend(incoming)
        self._step("receive_json", lambda: self.websocket.receive_json(mode), mode)

    @rule(call=st.sampled_from(["iter_text", "iter_bytes", "iter_json"]), incoming=S.incoming)
    def iterate(self, call: str, incoming: list[Any]) -> None:
        self.inbox.extend(incoming)

        async def consume() -> None:
            iterator = getattr(self.websocket, call)()
            try:
                async for _ in iterator:
                    pass
            finally:
                await iterator.aclose()

        self._step(call, consume, "text")

    @rule(text=S.send_text_data, data=S.send_bytes_data, call=st.sampled_from(["send_text", "send_bytes"]))
    def send_frame(self, text: Any, data: Any, call: str) -> None:
        self._step(call, lambda: getattr(self.websocket, call)(text if call == "send_text" else data))

    @rule(data=S.json_data, mode=S.modes)
    def send_json(self, data: Any, mode: Any) -> None:
        self._step("send_json", lambda: self.websocket.send_json(data, mode), mode)

    @rule(code=S.close_codes, reason=S.reasons)
    def close(self, code: int, reason: str | None) -> None:
        self._step("close", lambda: self.websocket.close(code, reason))


def test_states_and_exceptions_stay_documented() -> None:
    """No sequence leaves an unnamed state or lets an undocumented exception escape."""
    run_state_machine_as_test(Properties, settings=SETTINGS)


def test_allowed_rejects_what_the_docs_do_not_list() -> None:
    """The exception check itself can fail: undocumented errors and wrong causes are refused."""
    connect = {"type": "websocket.connect"}
    assert not allowed("receive", None, KeyError("text"), [], connect)
    assert not allowed("send_text", None, TypeError("boom"), [], None)
    assert not allowed("iter_text", None, WebSocketDisconnect(1000), [], {"type": "websocket.disconnect", "code": 1000})
    assert not allowed("receive_json", "text", AttributeError("decode"), [], None)
    assert not allowed("receive", None, RuntimeError("some other text"), [TABLE[0]], connect)
    assert allowed("receive", None, RuntimeError(TABLE[1].error.format(type="x")), [TABLE[1]], {"type": "x"})  # type: ignore[union-attr]
