"""The case tables: state pairs, operations, incoming and outgoing messages, scopes and probes.

A WebSocket case is one setup (a real call sequence that reaches a
(client_state, application_state) pair), one operation and one message: the
incoming message(s) a reading operation may consume, or the outgoing message
a raw `send` is given. A scope case is one scope, one connection class and one
property probe.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from oracle_driver import Call, FakeServer, Impl, Message, Step, capture, run_call


async def _collect(iterator: AsyncIterator[Any], into: list[Any]) -> None:
    # Collect into the caller's list, so items yielded before an error still count.
    async for item in iterator:
        into.append(item)


# -- incoming messages: what the fake server hands to `receive` ---------------

CONNECT = {"type": "websocket.connect"}
LEAVE = {"type": "websocket.disconnect", "code": 1000}

INCOMING: dict[str, Message] = {
    "connect": CONNECT,
    "text": {"type": "websocket.receive", "text": "hello"},
    "non-ASCII text": {"type": "websocket.receive", "text": "Zürich ✓"},
    "bytes": {"type": "websocket.receive", "bytes": b"\x00\x01\xff"},
    "both text and bytes": {"type": "websocket.receive", "text": "1", "bytes": b"2"},
    "neither text nor bytes": {"type": "websocket.receive"},
    "disconnect with reason": {"type": "websocket.disconnect", "code": 1001, "reason": "going away"},
    "disconnect with no reason": LEAVE,
    "disconnect with reason None": {"type": "websocket.disconnect", "code": 4000, "reason": None},
    "disconnect with empty reason": {"type": "websocket.disconnect", "code": 1000, "reason": ""},
    "bogus type": {"type": "websocket.bogus"},
    "http.request": {"type": "http.request", "body": b"", "more_body": False},
    "missing type": {"text": "no type"},
    "None": None,
    "42": 42,
    "unhashable type": {"type": ["websocket.receive"], "text": "1"},
    "JSON text": {"type": "websocket.receive", "text": '{"a": [1, 2.5, null, true], "city": "Zürich"}'},
    "invalid JSON text": {"type": "websocket.receive", "text": "{not json"},
    "JSON bytes": {"type": "websocket.receive", "bytes": '{"city": "Zürich"}'.encode()},
    "invalid JSON bytes": {"type": "websocket.receive", "bytes": b"[1,"},
    "non-UTF-8 bytes": {"type": "websocket.receive", "bytes": b"\xff\xfe[1]"},
}

# -- outgoing messages: what a raw `send(message)` is given -------------------

OUTGOING: dict[str, Message] = {
    "accept": {"type": "websocket.accept"},
    "accept with subprotocol and headers": {
        "type": "websocket.accept",
        "subprotocol": "chat.v1",
        "headers": [(b"x-a", b"1")],
    },
    "close": {"type": "websocket.close"},
    "close with code and reason": {"type": "websocket.close", "code": 4000, "reason": "bye"},
    "send text": {"type": "websocket.send", "text": "hi"},
    "send bytes": {"type": "websocket.send", "bytes": b"hi"},
    "connect (a receive type)": CONNECT,
    "bogus type": {"type": "websocket.bogus"},
    "http.response.start": {"type": "websocket.http.response.start", "status": 403, "headers": []},
    "missing type": {"text": "no type"},
    "unhashable type": {"type": ["websocket.send"], "text": "1"},
    "None": None,
    "42": 42,
}


@dataclasses.dataclass(frozen=True)
class Operation:
    """A public call on `WebSocket`.

    `reads` says whether the call may consume incoming messages (it is then
    crossed with every incoming message) or not (crossed with `messages`, by
    default just "(no message)").
    """

    name: str
    call: Call
    reads: bool
    messages: tuple[str, ...] = ("(no message)",)


def _reader(name: str, call: Callable[[Any], Any]) -> Operation:
    return Operation(name, lambda ws, _message, _into: call(ws), reads=True)


def _iterator(name: str, method: str) -> Operation:
    return Operation(name, lambda ws, _message, into: _collect(getattr(ws, method)(), into), reads=True)


def _writer(name: str, call: Callable[[Any], Any]) -> Operation:
    return Operation(name, lambda ws, _message, _into: call(ws), reads=False)


SET = {1, 2}  # not JSON serializable

OPERATIONS: tuple[Operation, ...] = (
    _reader("receive()", lambda ws: ws.receive()),
    _reader("receive_text()", lambda ws: ws.receive_text()),
    _reader("receive_bytes()", lambda ws: ws.receive_bytes()),
    _reader("receive_json()", lambda ws: ws.receive_json()),
    _reader('receive_json(mode="binary")', lambda ws: ws.receive_json(mode="binary")),
    _reader('receive_json(mode="bad")', lambda ws: ws.receive_json(mode="bad")),
    _iterator("iter_text()", "iter_text"),
    _iterator("iter_bytes()", "iter_bytes"),
    _iterator("iter_json()", "iter_json"),
    _reader("accept()", lambda ws: ws.accept()),
    _reader('accept(subprotocol="chat.v1")', lambda ws: ws.accept(subprotocol="chat.v1")),
    _reader("accept(headers=[...])", lambda ws: ws.accept(headers=[(b"x-a", b"1")])),
    _reader("accept(headers=(...,))", lambda ws: ws.accept(headers=((b"x-a", b"1"), (b"x-b", b"2")))),
    _reader("accept(headers=())", lambda ws: ws.accept(headers=())),
    _reader('accept("chat.v1", [...])', lambda ws: ws.accept("chat.v1", [(b"x-a", b"1")])),
    Operation("send(message)", lambda ws, message, _into: ws.send(message), reads=False, messages=tuple(OUTGOING)),
    _writer('send_text("hi")', lambda ws: ws.send_text("hi")),
    _writer('send_text("Zürich ✓")', lambda ws: ws.send_text("Zürich ✓")),
    _writer('send_bytes(b"\\x00\\xff")', lambda ws: ws.send_bytes(b"\x00\xff")),
    _writer("send_json({...})", lambda ws: ws.send_json({"a": [1, None], "b": True})),
    _writer('send_json("Zürich")', lambda ws: ws.send_json("Zürich")),
    _writer('send_json({...}, mode="binary")', lambda ws: ws.send_json({"a": 1}, mode="binary")),
    _writer('send_json("Zürich", mode="binary")', lambda ws: ws.send_json("Zürich", mode="binary")),
    _writer('send_json({...}, mode="bad")', lambda ws: ws.send_json({"a": 1}, mode="bad")),
    _writer("send_json({1, 2})", lambda ws: ws.send_json(SET)),
    _writer('send_json({1, 2}, mode="binary")', lambda ws: ws.send_json(SET, mode="binary")),
    _writer('send_json({1, 2}, mode="bad")', lambda ws: ws.send_json(SET, mode="bad")),
    _writer("close()", lambda ws: ws.close()),
    _writer('close(1001, "bye")', lambda ws: ws.close(1001, "bye")),
    _writer("close(reason=None)", lambda ws: ws.close(reason=None)),
    _writer('close(4000, "")', lambda ws: ws.close(4000, "")),
)

# -- setups: a real call sequence for every (client_state, application_state) --


@dataclasses.dataclass(frozen=True)
class Setup:
    """How to reach one state pair from a fresh connection."""

    client_state: str
    application_state: str
    how: str
    steps: tuple[Step, ...]
    script: tuple[Message, ...]

    @property
    def pair(self) -> str:
        return f"{self.client_state}/{self.application_state}"


def _receive(ws: Any) -> Any:
    return ws.receive()


def _accept(ws: Any) -> Any:
    return ws.accept()


def _close(ws: Any) -> Any:
    return ws.close()


def _send_accept(ws: Any) -> Any:
    return ws.send({"type": "websocket.accept"})


SETUPS: tuple[Setup, ...] = (
    Setup("CONNECTING", "CONNECTING", "a fresh connection", (), ()),
    Setup("CONNECTED", "CONNECTING", "receive() the connect", (_receive,), (CONNECT,)),
    Setup("CONNECTED", "CONNECTED", "accept()", (_accept,), (CONNECT,)),
    Setup("CONNECTED", "DISCONNECTED", "accept(), close()", (_accept, _close), (CONNECT,)),
    Setup("DISCONNECTED", "CONNECTED", "accept(), receive() a disconnect", (_accept, _receive), (CONNECT, LEAVE)),
    Setup(
        "DISCONNECTED",
        "DISCONNECTED",
        "accept(), receive() a disconnect, close()",
        (_accept, _receive, _close),
        (CONNECT, LEAVE),
    ),
    Setup(
        "DISCONNECTED",
        "CONNECTING",
        "receive() the connect, then a disconnect, before accepting",
        (_receive, _receive),
        (CONNECT, LEAVE),
    ),
    Setup("CONNECTING", "DISCONNECTED", "close() before reading the connect", (_close,), ()),
    Setup("CONNECTING", "CONNECTED", "send() an accept before reading the connect", (_send_accept,), ()),
)


@dataclasses.dataclass(frozen=True)
class Case:
    """One differential WebSocket case: setup, operation, and the message(s) it is fed or sends."""

    setup: Setup
    operation: Operation
    message: str  # the row label in INCOMING or OUTGOING, or "(no message)"
    incoming: tuple[Message, ...]  # the operation's script, after the setup's
    outgoing: Message = None  # for raw send(message)

    @property
    def label(self) -> str:
        return f"[{self.setup.pair}] {self.operation.name} <- {self.message}"

    def run(self, impl: Impl) -> tuple[Any, Any]:
        """Run the case on `impl`: (outcome of the setup, outcome of the operation)."""
        return run_call(impl, self.setup.steps, self.setup.script, self.operation.call, self.incoming, self.outgoing)


def _script(operation: Operation, message: Message) -> tuple[Message, ...]:
    # An iterator reads until a disconnect: give it the message twice, then a
    # disconnect with a reason (which the iterator must swallow).
    if operation.name.startswith("iter_"):
        return (message, message, INCOMING["disconnect with reason"])
    return (message,)


def websocket_cases() -> list[Case]:
    """Every setup x operation x message."""
    cases = []
    for setup in SETUPS:
        for operation in OPERATIONS:
            if operation.reads:
                cases.append(Case(setup, operation, "(no message)", ()))
                cases += [Case(setup, operation, name, _script(operation, m)) for name, m in INCOMING.items()]
            else:
                for name in operation.messages:
                    cases.append(Case(setup, operation, name, (), OUTGOING.get(name)))
    return cases


# -- scopes and the properties probed on them ---------------------------------

HOST = (b"host", b"example.com:8000")
COOKIE = (b"cookie", b'session=abc123; theme="dark blue"; quoted="a\\"b"; lonely; =empty-name; a=1; a=2')
MISSING = object()  # a key the scope leaves out

BASE_SCOPE = {"type": "websocket", "scheme": "ws", "path": "/chat", "query_string": b"", "headers": [HOST]}


def _scope(**changes: Any) -> dict[str, Any]:
    """`BASE_SCOPE` with some keys changed, added or (with `MISSING`) left out."""
    return {key: value for key, value in {**BASE_SCOPE, **changes}.items() if value is not MISSING}


SCOPES: dict[str, dict[str, Any]] = {
    "host header and everything": _scope(
        path="/chat/lobby",
        query_string=b"room=1",
        headers=[HOST, (b"x-tag", b"a"), (b"X-Upper", b"kept as given"), (b"x-tag", b"b")],
        server=("10.0.0.1", 9000),
        client=("127.0.0.1", 50123),
        path_params={"room": "lobby"},
        app="the-app",
        subprotocols=["chat.v1"],
    ),
    "server, default port": _scope(scheme="wss", headers=[], server=("example.com", 443)),
    "server, non-default port": _scope(
        query_string=b"a=1", headers=[], server=("example.com", 8080), client=["::1", 1]
    ),
    "server with port None (unix socket)": _scope(headers=[], server=("/tmp/app.sock", None)),
    "neither host nor server": _scope(query_string=b"x=1", headers=[]),
    "server None": _scope(headers=[], server=None),
    "minimal (keys missing)": _scope(path="/", headers=[], query_string=MISSING),
    "root_path set": _scope(root_path="/api", path="/api/chat", query_string=b"q=1"),
    "root_path with trailing slash": _scope(
        scheme="wss", root_path="/api/", path="/api/chat", server=("example.com", 443)
    ),
    "root_path /": _scope(root_path="/"),
    "root_path empty": _scope(root_path=""),
    "app_root_path and root_path": _scope(app_root_path="/api", root_path="/api/v1", path="/api/v1/chat"),
    "scheme missing (websocket)": _scope(scheme=MISSING, query_string=b"a=1", headers=[], server=("example.com", 80)),
    "scheme missing, host header (websocket)": _scope(scheme=MISSING),
    "scheme missing (http)": _scope(type="http", scheme=MISSING, path="/page", headers=[], server=("example.com", 80)),
    "https, host header (http)": _scope(
        type="http", scheme="https", query_string=b"next=%2Fh", headers=[(b"host", b"a.b")]
    ),
    "unknown scheme with server": _scope(scheme="ftp", headers=[], server=("example.com", 21)),
    "credentials in the host header": _scope(headers=[(b"host", b"user:secret@example.com:8000")]),
    "empty host header": _scope(headers=[(b"host", b"")]),
    "non-ASCII path, non-UTF-8 query": _scope(
        path="/café/a b", raw_path=b"/caf%C3%A9/a%20b", query_string=b"a=%FF&b=\xff"
    ),
    "query repeats and blanks": _scope(query_string=b"a=1&a=2&b=&c&d=%20x+y&e=caf%C3%A9&a=3&&=v"),
    "cookies with quotes": _scope(headers=[HOST, COOKIE]),
    "headers as a tuple": _scope(headers=(HOST, (b"x-tag", b"a"), (b"x-tag", b"b"), COOKIE), state={"user": "ada"}),
}


class FakeRouter:
    """Just enough of a router for `url_for`: it returns its implementation's own `URLPath`."""

    def __init__(self, url_path: type[Any], protocol: str, host: str) -> None:
        self.url_path, self.protocol, self.host = url_path, protocol, host

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        path = "/" + "/".join([name, *map(str, path_params.values())])
        return self.url_path(path, protocol=self.protocol, host=self.host)


def _url(url: Any) -> tuple[Any, ...]:
    return (str(url), repr(url), url.scheme, url.netloc, url.hostname, url.port, url.path, url.query, url.is_secure)


def _url_for(protocol: str, host: str, **params: Any) -> Callable[[Any, Impl], Any]:
    def probe(conn: Any, impl: Impl) -> Any:
        conn.scope["router"] = FakeRouter(impl.URLPath, protocol, host)
        return _url(conn.url_for("room", **params))

    return probe


def _state(conn: Any, impl: Impl) -> Any:
    state = conn.state
    state.visits = 1
    missing = "no error"
    try:
        state.missing  # noqa: B018 - the error is what is probed
    except AttributeError as error:
        missing = str(error)
    return (conn.state is state, dict(conn.scope["state"]), state.visits, missing, type(state).__name__)


def _scope_after_reads(conn: Any, impl: Impl) -> Any:
    # Reading `headers` stores them back as a list; reading `state` adds the key.
    conn.headers, conn.state  # noqa: B018 - the side effect is what is probed
    return (type(conn["headers"]).__name__, list(conn), conn["state"])


def _identity(conn: Any, impl: Impl) -> Any:
    other = copy.copy(conn)  # same class, same scope, a different object
    return (conn == conn, conn == other, conn != other, hash(conn) == object.__hash__(conn), conn == dict(conn.scope))


# Each probe gets a fresh connection `c` and its implementation `_` (for url_for's router).
PROBES: dict[str, Callable[[Any, Impl], Any]] = {
    "url": lambda c, _: _url(c.url),
    "url cached": lambda c, _: c.url is c.url,
    "url as a value": lambda c, _: (c.url == str(c.url), c.url != str(c.url), str(c.url.replace(path="/x"))),
    "url hash": lambda c, _: hash(c.url) == hash(str(c.url)),
    "base_url": lambda c, _: _url(c.base_url),
    "headers": lambda c, _: (c.headers.items(), c.headers.raw, len(c.headers), list(c.headers)),
    "headers lookup": lambda c, _: (c.headers.get("X-TAG"), c.headers.getlist("x-tag"), "Host" in c.headers),
    "headers, missing key": lambda c, _: c.headers["no-such-header"],
    "headers, non-str key": lambda c, _: 42 in c.headers,
    "headers as a value": lambda c, _: (repr(c.headers), c.headers == c.headers, c.headers == {}),
    "query_params": lambda c, _: (
        c.query_params.multi_items(),
        dict(c.query_params),
        str(c.query_params),
        repr(c.query_params),
    ),
    "query_params lookups": lambda c, _: (
        list(c.query_params.items()),
        c.query_params.getlist("a"),
        c.query_params.get("a"),
        "a" in c.query_params,
        42 in c.query_params,
    ),
    "query_params, missing key": lambda c, _: c.query_params["no-such-key"],
    "path_params": lambda c, _: c.path_params,
    "cookies": lambda c, _: c.cookies,
    "client": lambda c, _: None if c.client is None else (tuple(c.client), c.client.host, c.client.port),
    "state": _state,
    "app": lambda c, _: c.app,
    "url_for, no router": lambda c, _: c.url_for("room"),
    'url_for, protocol "http"': _url_for("http", ""),
    'url_for, protocol "websocket"': _url_for("websocket", "", room_id=7),
    'url_for, protocol ""': _url_for("", ""),
    "url_for, with a host": _url_for("websocket", "chat.example.org:8443"),
    "mapping": lambda c, _: (list(c), len(c), c["type"], c.get("path"), "headers" in c),
    "mapping, missing key": lambda c, _: c["no-such-key"],
    "scope after headers and state": _scope_after_reads,
    "identity": _identity,
}

CLASSES = ("HTTPConnection", "WebSocket")


@dataclasses.dataclass(frozen=True)
class ScopeCase:
    """One scope case: a property probed on one connection class over one scope."""

    scope_name: str
    scope: Mapping[str, Any]
    cls: str
    probe: str

    @property
    def label(self) -> str:
        return f"[{self.scope_name}] {self.cls}.{self.probe}"

    def run(self, impl: Impl) -> tuple[Any, ...]:
        """Probe a fresh connection over a fresh copy of the scope on `impl`."""
        scope = copy.deepcopy(dict(self.scope))
        if self.cls == "WebSocket":
            server = FakeServer(())
            conn = impl.WebSocket(scope, server.receive, server.send)
        else:
            conn = impl.HTTPConnection(scope)
        return capture(lambda: PROBES[self.probe](conn, impl))

    def with_scope(self, scope: Mapping[str, Any]) -> ScopeCase:
        return dataclasses.replace(self, scope=scope)


def scope_cases() -> list[ScopeCase]:
    """Every scope x connection class (WebSocket only for websocket scopes) x probe."""
    return [
        ScopeCase(name, scope, cls, probe)
        for name, scope in SCOPES.items()
        for cls in CLASSES
        if cls == "HTTPConnection" or scope["type"] == "websocket"
        for probe in PROBES
    ]
