"""Drive `reference_impl` and Starlette 0.29 side by side, one scripted case at a time.

Each implementation gets its own fake ASGI server: a finite script of incoming
messages and a list that records what the application sends. The fakes never
wait, so every call finishes on its first step and no event loop is needed;
`drive` runs a coroutine by hand and reports one that would suspend (and so
would hang on a real server) as an outcome instead of blocking the run.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
from collections.abc import Awaitable, Callable
from typing import Any

import starlette
import starlette.datastructures
import starlette.requests
import starlette.websockets

import reference_impl
import reference_impl.datastructures
from tests.support.drive import drive

Message = Any  # a dict, or deliberately not one: None, 42, ...


class ScriptExhausted(Exception):
    """The fake `receive` was called with no message left: a real server would block here."""


@dataclasses.dataclass(frozen=True)
class Impl:
    """One implementation under comparison: the classes the driver builds."""

    name: str
    WebSocket: type[Any]
    HTTPConnection: type[Any]
    URLPath: type[Any]


OURS = Impl(
    "reference_impl",
    reference_impl.WebSocket,
    reference_impl.HTTPConnection,
    reference_impl.datastructures.URLPath,
)
THEIRS = Impl(
    f"starlette {starlette.__version__}",
    starlette.websockets.WebSocket,
    starlette.requests.HTTPConnection,
    starlette.datastructures.URLPath,
)

# 0.29's exception is its own class; the test compares it as ours.
_SAME_CLASS = {"starlette.websockets.WebSocketDisconnect": "reference_impl.websockets.WebSocketDisconnect"}
DISCONNECT = "reference_impl.websockets.WebSocketDisconnect"


def qualified_name(cls: type) -> str:
    """`module.QualName` of an exception class, with 0.29's `WebSocketDisconnect` mapped to ours."""
    name = f"{cls.__module__}.{cls.__qualname__}"
    return _SAME_CLASS.get(name, name)


class FakeServer:
    """A scripted ASGI server for one connection: a finite inbox and a record of sends."""

    def __init__(self, script: tuple[Message, ...]) -> None:
        # Each implementation gets its own copy, so neither sees the other's mutations.
        self.script = copy.deepcopy(list(script))
        self.consumed = 0
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        if self.consumed == len(self.script):
            raise ScriptExhausted("receive() called with no message left in the script")
        self.consumed += 1
        return self.script[self.consumed - 1]

    async def send(self, message: Message) -> None:
        self.sent.append(copy.deepcopy(message))


def normalise(value: Any) -> Any:
    """Make a return value comparable across implementations: enums by name."""
    return value.name if isinstance(value, enum.Enum) else value


@dataclasses.dataclass(frozen=True)
class Outcome:
    """Everything observable about one call on one implementation."""

    client_state: str
    application_state: str
    sent: tuple[Message, ...]
    consumed: int
    returned: Any = None
    yielded: tuple[Any, ...] = ()
    error: str | None = None
    error_args: tuple[Any, ...] = ()
    error_text: str = ""
    disconnect: tuple[Any, str] | None = None  # (code, reason) of a WebSocketDisconnect

    def differing_fields(self, other: Outcome) -> list[str]:
        """Names of the fields where `other` differs from this outcome."""
        return [f.name for f in dataclasses.fields(self) if getattr(self, f.name) != getattr(other, f.name)]


# An operation: given the connection, the outgoing message of the case (raw
# `send` only) and a list to collect iterated items into, return the call.
Call = Callable[[Any, Message, list[Any]], Awaitable[Any]]
# A setup step: one call that moves a fresh connection towards a state pair.
Step = Callable[[Any], Awaitable[Any]]


def scope_for_websocket() -> dict[str, Any]:
    """The scope every differential WebSocket case runs on."""
    return {"type": "websocket", "path": "/ws", "headers": [], "query_string": b"", "scheme": "ws"}


def run_call(
    impl: Impl,
    steps: tuple[Step, ...],
    setup_script: tuple[Message, ...],
    call: Call,
    incoming: tuple[Message, ...],
    outgoing: Message,
) -> tuple[Outcome, Outcome]:
    """Set a fresh connection up with `steps`, then make one call; return both outcomes.

    The first outcome describes the setup alone (it must end without error and
    use up its script); the second describes the call, counting only the
    messages the call itself consumed and sent.
    """
    server = FakeServer(setup_script + incoming)
    websocket = impl.WebSocket(scope_for_websocket(), server.receive, server.send)
    setup_error: BaseException | None = None
    try:
        for step in steps:
            drive(step(websocket))
    except Exception as error:
        setup_error = error
    setup = _outcome(websocket, server, 0, 0, None, (), setup_error)
    if setup_error is not None:
        return setup, setup
    consumed_before, sent_before = server.consumed, len(server.sent)
    yielded: list[Any] = []
    returned, error = None, None
    try:
        returned = drive(call(websocket, copy.deepcopy(outgoing), yielded))
    except Exception as raised:
        error = raised
    return setup, _outcome(websocket, server, consumed_before, sent_before, returned, tuple(yielded), error)


def _outcome(
    websocket: Any,
    server: FakeServer,
    consumed_before: int,
    sent_before: int,
    returned: Any,
    yielded: tuple[Any, ...],
    error: BaseException | None,
) -> Outcome:
    fields: dict[str, Any] = {}
    if error is not None:
        fields = {"error": qualified_name(type(error)), "error_args": error.args, "error_text": str(error)}
        if fields["error"] == DISCONNECT:
            fields["disconnect"] = (error.code, error.reason)  # type: ignore[attr-defined]
    return Outcome(
        client_state=websocket.client_state.name,
        application_state=websocket.application_state.name,
        sent=tuple(server.sent[sent_before:]),
        consumed=server.consumed - consumed_before,
        returned=normalise(returned),
        yielded=yielded,
        **fields,
    )


def capture(probe: Callable[[], Any]) -> tuple[Any, ...]:
    """Run a property probe: `("returned", value)` or `("raised", type name, args)`."""
    try:
        return ("returned", probe())
    except Exception as error:
        return ("raised", qualified_name(type(error)), error.args)
