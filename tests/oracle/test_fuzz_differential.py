"""Differential fuzzing: random interleavings against `reference_impl` and Starlette 0.29 side by side.

A hypothesis `RuleBasedStateMachine` drives two `WebSocket`s, one from each
implementation, with the same steps: every public method (with good and bad
arguments), raw `send`/`receive`, and peer messages of every type pushed into
both receive queues, malformed ones included (see `fuzz_strategies.py`).

After every step it asserts the same outcome on both sides: the return value
(or the items an `iter_*` yielded), the exception's type and message
(`WebSocketDisconnect`: its code and reason), both states, the messages sent
and the messages consumed. The only divergences allowed are the ids in
`reference_impl.differences.DIFFERENCES`, each checked to be exactly the
documented one by a function in `CHECKS`.

The fake ASGI callables never wait: an empty receive queue raises
`PeerSilent`, so a step cannot hang, and a step that suspends anyway fails.

Profiles (environment variable `HYPOTHESIS_PROFILE`, default `ci`):

* `ci`: derandomized and reproducible, thousands of steps in well under a minute.
* `fuzz`: many more random examples, for `make fuzz`.
"""

from __future__ import annotations

import os
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule, run_state_machine_as_test

starlette = pytest.importorskip("starlette")
import fuzz_strategies as S  # noqa: E402
from oracle_driver import drive  # noqa: E402
from starlette import websockets as oracle  # noqa: E402

from reference_impl import differences, transitions  # noqa: E402
from reference_impl import websockets as reference  # noqa: E402

PROFILES = {
    "ci": settings(
        max_examples=700,
        stateful_step_count=50,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    ),
    "fuzz": settings(
        max_examples=5_000,
        stateful_step_count=100,
        deadline=None,
        print_blob=True,  # a failure prints the @reproduce_failure line that replays it
        suppress_health_check=[HealthCheck.too_slow],
    ),
}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE not in PROFILES:
    raise ValueError(f"HYPOTHESIS_PROFILE={PROFILE!r}: this test knows only {sorted(PROFILES)}")


class PeerSilent(Exception):
    """Raised by the fake `receive` when the queue is empty, instead of waiting forever."""


class SendFailed(Exception):
    """Raised once by the fake `send` after a `fail_next_send` step: the server's socket broke."""


@dataclass
class Outcome:
    """What one call did on one side."""

    value: Any = None
    error: Exception | None = None
    items: list[Any] = field(default_factory=list)  # what an iter_* yielded before it ended


class Endpoint:
    """One implementation's `WebSocket`, with fake ASGI callables that never wait."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module
        self.inbox: deque[Any] = deque()
        self.consumed: list[Any] = []
        self.sent: list[Any] = []
        self.fail_next_send = False
        self.pauses = 0  # how many receives still wait once (see `receive_concurrently`) before reading
        scope = {"type": "websocket", "path": "/", "headers": [], "subprotocols": ["chat.v1"]}
        self.websocket = module.WebSocket(scope, self.receive, self.send)

    async def receive(self) -> Any:
        if self.pauses:
            self.pauses -= 1
            await Pause()
        if not self.inbox:
            raise PeerSilent("the peer has nothing to send")
        message = self.inbox.popleft()
        self.consumed.append(message)
        return message

    async def send(self, message: Any) -> None:
        if self.fail_next_send:
            self.fail_next_send = False
            raise SendFailed("connection reset by peer")
        self.sent.append(message)

    def states(self) -> tuple[str, str]:
        return self.websocket.client_state.name, self.websocket.application_state.name


class Pause:
    """Awaiting it suspends once: a server `receive` with nothing ready yet."""

    def __await__(self) -> Any:
        yield


def _advance(coroutine: Coroutine[Any, Any, Any]) -> tuple[Any, ...] | None:
    """Resume `coroutine`: None if it suspended, else its result or error as comparable data."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return ("returned", done.value)
    except Exception as error:
        return ("raised", type(error).__qualname__, str(error))
    return None


async def receive_concurrently(websocket: Any) -> tuple[Any, ...]:
    """Two `receive()` calls in flight at once, as two tasks would be: both wait, then both read."""
    first, second = websocket.receive(), websocket.receive()
    started = [_advance(first), _advance(second)]  # each stops in the server's receive (or fails at once)
    results = tuple(done or _advance(call) for done, call in zip(started, (first, second), strict=True))
    assert None not in results, "a receive suspended twice"
    return results


def describe_error(error: Exception | None, module: ModuleType) -> tuple[Any, ...] | None:
    """An error as comparable data: class name and message, or disconnect code and reason."""
    if error is None:
        return None
    if isinstance(error, module.WebSocketDisconnect):
        return ("WebSocketDisconnect", error.code, error.reason)
    assert not isinstance(error, (reference.WebSocketDisconnect, oracle.WebSocketDisconnect)), "the other side's class"
    return (type(error).__module__, type(error).__qualname__, str(error))


def same_value(left: Any, right: Any) -> bool:
    """Equal values; `repr` settles NaN from `json.loads`, which is never equal to itself."""
    return left is right or (type(left) is type(right) and (left == right or repr(left) == repr(right)))


def same_items(left: list[Any], right: list[Any]) -> bool:
    return len(left) == len(right) and all(same_value(a, b) for a, b in zip(left, right, strict=True))


@dataclass
class Step:
    """Both sides' results of one step, and what the step handed to `send` (if anything)."""

    name: str
    ref: Outcome
    orc: Outcome
    ref_end: Endpoint
    orc_end: Endpoint
    consumed_before: int
    sent_message: Any = None


# Each documented difference that a WebSocket call can show gets a check that
# the divergence is exactly the documented one. The rest are HTTPConnection
# properties this machine does not read; the rest of tests/oracle covers them.
NOT_EXERCISED_HERE = {"root-path", "default-scheme"}


def check_disconnect_reason(step: Step) -> bool:
    """0.29 raises `WebSocketDisconnect(code)`; the reference also keeps the message's reason."""
    ref, orc = step.ref.error, step.orc.error
    if not (isinstance(ref, reference.WebSocketDisconnect) and isinstance(orc, oracle.WebSocketDisconnect)):
        return False
    message = step.ref_end.consumed[-1]
    return bool(message.get("reason") and ref.code == orc.code and orc.reason == "" and ref.reason == message["reason"])


def _unhashable_error(value: Any) -> str | None:
    try:
        hash(value)
    except TypeError as error:
        return str(error)
    return None


def _hashable_type(message: Any) -> bool:
    return _unhashable_error(message.get("type")) is None


def check_unhashable_message_type(step: Step) -> bool:
    """0.29 raises `TypeError: unhashable type`; the reference raises its state's usual RuntimeError."""
    ref, orc = step.ref.error, step.orc.error
    if type(ref) is not RuntimeError or type(orc) is not TypeError:
        return False
    candidates = []  # (side, the offending type)
    if step.sent_message is not None:
        candidates.append((transitions.Side.APPLICATION, step.sent_message.get("type")))
    if len(step.ref_end.consumed) > step.consumed_before:
        candidates.append((transitions.Side.CLIENT, step.ref_end.consumed[-1].get("type")))
    websocket = step.ref_end.websocket
    for side, message_type in candidates:
        state = websocket.client_state if side is transitions.Side.CLIENT else websocket.application_state
        row = transitions.find(side, state, message_type)
        if (
            _unhashable_error(message_type) == str(orc)
            and row.error is not None
            and str(ref) == row.error.format(type=message_type)
        ):
            return True
    return False


CHECKS: dict[str, Callable[[Step], bool]] = {
    "disconnect-reason": check_disconnect_reason,
    "unhashable-message-type": check_unhashable_message_type,
}

STATS: Counter[str] = Counter()  # examples, steps, rules run, divergences seen
ROWS_SEEN: set[transitions.Row] = set()


def compare(step: Step) -> None:
    """Assert both sides did the same, or differ exactly as one documented difference says."""
    ref_end, orc_end = step.ref_end, step.orc_end
    # Everything but the call's own result must match in every case.
    assert ref_end.states() == orc_end.states(), f"{step.name}: states differ"
    assert ref_end.sent == orc_end.sent, f"{step.name}: sent messages differ"
    assert ref_end.consumed == orc_end.consumed, f"{step.name}: consumed messages differ"
    assert len(ref_end.inbox) == len(orc_end.inbox)
    assert same_items(step.ref.items, step.orc.items), f"{step.name}: iterated items differ"
    assert same_value(step.ref.value, step.orc.value), f"{step.name}: {step.ref.value!r} != {step.orc.value!r}"
    ref_error = describe_error(step.ref.error, reference)
    orc_error = describe_error(step.orc.error, oracle)
    if ref_error == orc_error:
        STATS[f"outcome {step.name} {type(step.ref.error).__name__ if step.ref.error else 'ok'}"] += 1
        return
    explained = [name for name, check in CHECKS.items() if check(step)]
    assert explained, f"{step.name}: undocumented divergence\n  reference: {ref_error!r}\n  0.29:      {orc_error!r}"
    STATS[f"divergence {explained[0]}"] += 1


class Differential(RuleBasedStateMachine):
    """Drives a reference `WebSocket` and a Starlette 0.29 `WebSocket` in lockstep."""

    def __init__(self) -> None:
        super().__init__()
        self.ref = Endpoint(reference)
        self.orc = Endpoint(oracle)
        STATS["examples"] += 1

    def _step(self, name: str, call: Callable[[Any, Outcome], Awaitable[Any]], sent_message: Any = None) -> None:
        STATS["steps"] += 1
        consumed_before = len(self.ref.consumed)
        outcomes = []
        for end in (self.ref, self.orc):
            outcome = Outcome()
            try:
                outcome.value = drive(call(end.websocket, outcome))  # type: ignore[arg-type]
            except Exception as error:
                outcome.error = error
            outcomes.append(outcome)
        compare(Step(name, outcomes[0], outcomes[1], self.ref, self.orc, consumed_before, sent_message))

    # The peer.

    @initialize(opening=S.openings)
    def start(self, opening: str) -> None:
        # Most runs start connected or accepted, so the later steps reach every state.
        if opening != "nothing":
            self.push({"type": "websocket.connect"})
        if opening == "accepted":
            self.accept(None, None, "none")

    @rule(message=S.messages)
    def push(self, message: Any) -> None:
        # The same object to both sides: neither implementation mutates it.
        self.ref.inbox.append(message)
        self.orc.inbox.append(message)

    @rule(batch=st.lists(S.frames, min_size=1, max_size=4))
    def push_all(self, batch: list[Any]) -> None:
        for message in batch:
            self.push(message)

    @rule(code=S.close_codes, reason=S.reasons)
    def push_disconnect(self, code: int, reason: str | None) -> None:
        # Its own rule, so that disconnects (and their reasons) reach the receive_* calls often.
        self.push({"type": "websocket.disconnect", "code": code, "reason": reason})

    @rule()
    def fail_next_send(self) -> None:
        self.ref.fail_next_send = self.orc.fail_next_send = True

    # Raw ASGI.

    @rule(incoming=S.incoming)
    def receive(self, incoming: list[Any]) -> None:
        self.push_all(incoming)
        self._step("receive", lambda ws, _: ws.receive())

    @rule(message=S.app_messages)
    def send(self, message: Any) -> None:
        self._step("send", lambda ws, _: ws.send(message), sent_message=message)

    @precondition(lambda self: all(_hashable_type(message) for message in self.ref.inbox))
    @rule(incoming=st.lists(S.well_formed, min_size=2, max_size=2))
    def receive_twice_at_once(self, incoming: list[Any]) -> None:
        # Concurrent receives: each implementation must judge a message by the state it was awaited in.
        # (Only with hashable types queued: the unhashable-message-type check reads one outcome per step.)
        self.push_all(incoming)
        self.ref.pauses = self.orc.pauses = 2
        self._step("receive_concurrently", lambda ws, _: receive_concurrently(ws))
        self.ref.pauses = self.orc.pauses = 0

    # The public methods.

    @rule(subprotocol=S.subprotocols, headers=S.accept_headers, how=st.sampled_from(["none", "sub", "both"]))
    def accept(self, subprotocol: str | None, headers: Any, how: str) -> None:
        kwargs = {
            "none": {},
            "sub": {"subprotocol": subprotocol},
            "both": {"subprotocol": subprotocol, "headers": headers},
        }
        self._step("accept", lambda ws, _: ws.accept(**kwargs[how]))

    @rule(incoming=S.incoming)
    def receive_text(self, incoming: list[Any]) -> None:
        self.push_all(incoming)
        self._step("receive_text", lambda ws, _: ws.receive_text())

    @rule(incoming=S.incoming)
    def receive_bytes(self, incoming: list[Any]) -> None:
        self.push_all(incoming)
        self._step("receive_bytes", lambda ws, _: ws.receive_bytes())

    @rule(mode=st.none() | S.modes, incoming=S.incoming)
    def receive_json(self, mode: Any, incoming: list[Any]) -> None:
        self.push_all(incoming)
        # mode None here means "leave the default"; S.modes also passes None explicitly.
        call = (lambda ws, _: ws.receive_json()) if mode is None else (lambda ws, _: ws.receive_json(mode))
        self._step("receive_json", call)

    @rule(kind=st.sampled_from(["iter_text", "iter_bytes", "iter_json"]), incoming=S.incoming)
    def iterate(self, kind: str, incoming: list[Any]) -> None:
        self.push_all(incoming)

        async def consume(ws: Any, outcome: Outcome) -> None:
            iterator = getattr(ws, kind)()
            try:
                async for item in iterator:
                    outcome.items.append(item)
            finally:
                await iterator.aclose()

        self._step(kind, consume)

    @rule(data=S.send_text_data)
    def send_text(self, data: Any) -> None:
        self._step("send_text", lambda ws, _: ws.send_text(data))

    @rule(data=S.send_bytes_data)
    def send_bytes(self, data: Any) -> None:
        self._step("send_bytes", lambda ws, _: ws.send_bytes(data))

    @rule(data=S.json_data, mode=st.none() | S.modes)
    def send_json(self, data: Any, mode: Any) -> None:
        call = (lambda ws, _: ws.send_json(data)) if mode is None else (lambda ws, _: ws.send_json(data, mode))
        self._step("send_json", call)

    @rule(code=st.none() | S.close_codes, reason=st.just("default") | S.reasons)
    def close(self, code: int | None, reason: str | None) -> None:
        # None code / "default" reason: leave that argument out.
        kwargs: dict[str, Any] = {}
        if code is not None:
            kwargs["code"] = code
        if reason != "default":
            kwargs["reason"] = reason
        self._step("close", lambda ws, _: ws.close(**kwargs))


def test_documented_differences_have_checks() -> None:
    """Each documented difference has a check here or is named as out of reach; nothing else is allowed."""
    assert set(CHECKS) <= set(differences.BY_ID), "a check for a difference the docs do not list"
    assert set(CHECKS) | NOT_EXERCISED_HERE == set(differences.BY_ID)


def test_differential(capsys: pytest.CaptureFixture[str]) -> None:
    """Reference and Starlette 0.29 agree step by step, apart from the documented differences."""
    STATS.clear()
    ROWS_SEEN.clear()
    transitions.observers.append(ROWS_SEEN.add)
    started = time.perf_counter()
    try:
        run_state_machine_as_test(Differential, settings=PROFILES[PROFILE])
    finally:
        transitions.observers.remove(ROWS_SEEN.add)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n[fuzz] profile={PROFILE}: {STATS['examples']} examples, {STATS['steps']} steps in {elapsed:.1f} s")
        rules = sorted({key.split()[1] for key in STATS if key.startswith("outcome")})
        for name in rules:
            counts = [(key.split()[2], count) for key, count in sorted(STATS.items()) if key.split()[1:2] == [name]]
            print(f"[fuzz]   {name}: " + ", ".join(f"{label} {count}" for label, count in counts))
        for key, count in sorted(STATS.items()):
            if key.startswith("divergence"):
                print(f"[fuzz]   {key}: {count}")
    # The run must have reached everything it claims to test, or it proves little.
    assert set(ROWS_SEEN) == set(transitions.TABLE), f"rows never applied: {set(transitions.TABLE) - ROWS_SEEN}"
    for name in ("receive", "receive_text", "receive_bytes", "receive_json", "iter_text", "iter_bytes", "iter_json"):
        assert STATS[f"outcome {name} ok"] > 0, f"{name} never succeeded: the run did not reach CONNECTED often enough"
    for name in CHECKS:
        assert STATS[f"divergence {name}"] > 0, f"the run never produced the documented {name!r} divergence"
