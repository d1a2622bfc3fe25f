"""`HTTPConnection`: a read-only Mapping over the scope, with lazy, cached, parsed properties."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from reference_impl import HTTPConnection, InMemoryPeer, WebSocket
from reference_impl.datastructures import URL, Address, Headers, QueryParams, State, URLPath
from reference_impl.types import Scope


def make_scope(**keys: Any) -> Scope:
    """A minimal websocket scope; `keys` add to or replace its entries."""
    scope: Scope = {"type": "websocket", "path": "/chat", "headers": [], "query_string": b""}
    scope.update(keys)
    return scope


# Construction and the Mapping protocol


@pytest.mark.parametrize("scope_type", ["http", "websocket"])
def test_http_and_websocket_scopes_are_accepted(scope_type: str) -> None:
    assert HTTPConnection({"type": scope_type})["type"] == scope_type


@pytest.mark.parametrize("scope_type", ["lifespan", "ws"])
def test_other_scope_types_are_refused(scope_type: str) -> None:
    with pytest.raises(AssertionError):
        HTTPConnection({"type": scope_type})


def test_a_websocket_needs_a_websocket_scope() -> None:
    peer = InMemoryPeer()
    with pytest.raises(AssertionError):
        WebSocket({**peer.scope, "type": "http"}, peer.receive, peer.send)


def test_mapping_reads_the_scope_live() -> None:
    scope = make_scope(extra=1)
    connection = HTTPConnection(scope, receive=None)
    assert isinstance(connection, Mapping)
    assert connection.scope is scope
    assert (connection["path"], len(connection), list(connection)) == ("/chat", 5, list(scope))
    assert ("extra" in connection, "missing" in connection, connection.get("missing", "default")) == (
        True,
        False,
        "default",
    )
    assert dict(connection.items()) == scope
    scope["late"] = "seen"
    assert connection["late"] == "seen"
    with pytest.raises(KeyError):
        connection["missing"]


def test_mapping_is_read_only() -> None:
    connection = HTTPConnection(make_scope())
    with pytest.raises(TypeError):
        connection["path"] = "/other"  # type: ignore[index]


def test_equality_and_hash_are_by_identity() -> None:
    scope = make_scope()
    first, second = HTTPConnection(scope), HTTPConnection(scope)
    assert first == first
    assert first != second  # a Mapping would call these equal
    assert first != scope
    assert hash(first) == object.__hash__(first)
    assert len({first, second, first}) == 2


# Lazy, cached properties


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("url", URL),
        ("base_url", URL),
        ("headers", Headers),
        ("query_params", QueryParams),
        ("cookies", dict),
        ("state", State),
    ],
)
def test_parsed_properties_are_computed_on_first_use_and_cached(name: str, kind: type) -> None:
    scope = make_scope(headers=[(b"host", b"before"), (b"cookie", b"a=before")], query_string=b"q=before")
    connection = HTTPConnection(scope)
    assert f"_{name}" not in vars(connection)  # nothing parsed at construction
    first = getattr(connection, name)
    assert isinstance(first, kind)
    scope.update(headers=[(b"host", b"after"), (b"cookie", b"a=after")], query_string=b"q=after", state={"x": 1})
    assert getattr(connection, name) is first  # later scope changes are not seen


def test_properties_read_the_scope_as_it_is_at_first_use() -> None:
    scope = make_scope()
    connection = HTTPConnection(scope)
    scope.update(headers=[(b"host", b"late.example"), (b"cookie", b"k=v")], query_string=b"a=1")
    assert str(connection.url) == "ws://late.example/chat?a=1"
    assert (connection.headers["host"], connection.query_params["a"], connection.cookies) == (
        "late.example",
        "1",
        {"k": "v"},
    )


@pytest.mark.parametrize(("name", "key"), [("app", "app"), ("path_params", "path_params"), ("client", "client")])
def test_plain_properties_are_not_cached(name: str, key: str) -> None:
    scope = make_scope(app="first", path_params={"room": "1"}, client=("10.0.0.1", 1))
    connection = HTTPConnection(scope)
    before = getattr(connection, name)
    scope[key] = {"app": "second", "path_params": {"room": "2"}, "client": ("10.0.0.2", 2)}[key]
    assert getattr(connection, name) != before


# url and base_url


@pytest.mark.parametrize(
    ("keys", "url", "base_url"),
    [
        # From the Host header, which wins over server.
        (
            {"scheme": "wss", "headers": [(b"host", b"example.com:8443")], "server": ("10.0.0.1", 80)},
            "wss://example.com:8443/chat",
            "wss://example.com:8443/",
        ),
        # From server: default ports are left out, others kept.
        ({"scheme": "ws", "server": ("10.0.0.1", 80)}, "ws://10.0.0.1/chat", "ws://10.0.0.1/"),
        ({"scheme": "wss", "server": ("10.0.0.1", 443)}, "wss://10.0.0.1/chat", "wss://10.0.0.1/"),
        ({"scheme": "ws", "server": ("10.0.0.1", 443)}, "ws://10.0.0.1:443/chat", "ws://10.0.0.1:443/"),
        (
            {"scheme": "https", "server": ("10.0.0.1", 8000), "type": "http"},
            "https://10.0.0.1:8000/chat",
            "https://10.0.0.1:8000/",
        ),
        # Neither Host nor server (or server None): a relative URL.
        ({}, "/chat", "/"),
        ({"server": None, "query_string": b"a=1"}, "/chat?a=1", "/"),
        # Query string kept in url, dropped from base_url; decoded as UTF-8.
        ({"server": ("h", 80), "query_string": b"room=caf%C3%A9&x"}, "ws://h/chat?room=caf%C3%A9&x", "ws://h/"),
        ({"server": ("h", 80), "query_string": "é".encode()}, "ws://h/chat?é", "ws://h/"),
        # No scheme: ws for websocket, http for http (`default-scheme` difference).
        ({"server": ("h", 8000)}, "ws://h:8000/chat", "ws://h:8000/"),
        ({"server": ("h", 8000), "type": "http"}, "http://h:8000/chat", "http://h:8000/"),
        # root_path is part of path already (`root-path` difference).
        ({"server": ("h", 80), "root_path": "/api", "path": "/api/chat"}, "ws://h/api/chat", "ws://h/api/"),
        ({"server": ("h", 80), "root_path": "/api/", "path": "/api/chat"}, "ws://h/api/chat", "ws://h/api/"),
        ({"server": ("h", 80), "root_path": "", "path": "/chat"}, "ws://h/chat", "ws://h/"),
        # A mounted app: base_url is the top-level app's root.
        (
            {"server": ("h", 80), "root_path": "/api/v1", "app_root_path": "/api", "path": "/api/v1/chat"},
            "ws://h/api/v1/chat",
            "ws://h/api/",
        ),
        (
            {"server": ("h", 80), "root_path": "/api/v1", "app_root_path": "", "path": "/api/v1/chat"},
            "ws://h/api/v1/chat",
            "ws://h/",
        ),
    ],
)
def test_url_and_base_url(keys: dict[str, Any], url: str, base_url: str) -> None:
    connection = HTTPConnection(make_scope(**keys))
    assert (str(connection.url), str(connection.base_url)) == (url, base_url)
    assert isinstance(connection.url, URL)


def test_url_with_an_unknown_scheme_and_only_server_is_a_key_error() -> None:
    connection = HTTPConnection(make_scope(scheme="gopher", server=("h", 70)))
    with pytest.raises(KeyError, match="gopher"):
        connection.url  # noqa: B018


def test_base_url_does_not_touch_the_scope() -> None:
    scope = make_scope(server=("h", 80), root_path="/api", path="/api/chat", query_string=b"a=1")
    before = dict(scope)
    HTTPConnection(scope).base_url  # noqa: B018
    assert scope == before


# headers, query_params, cookies


@pytest.mark.parametrize(
    "raw",
    [
        ((b"host", b"h"), (b"x-a", b"1")),
        (pair for pair in [(b"host", b"h"), (b"x-a", b"1")]),
    ],
    ids=["tuple", "generator"],
)
def test_headers_from_any_iterable_are_stored_back_as_a_list(raw: Any) -> None:
    scope = make_scope(headers=raw)
    connection = HTTPConnection(scope)
    assert connection.headers.items() == [("host", "h"), ("x-a", "1")]
    assert scope["headers"] == [(b"host", b"h"), (b"x-a", b"1")]
    assert type(scope["headers"]) is list
    assert str(connection.url) == "ws://h/chat"  # a generator was not used up


def test_query_params() -> None:
    connection = HTTPConnection(make_scope(query_string=b"room=1&tag=a&tag=b&empty="))
    params = connection.query_params
    assert (params["room"], params["tag"], params.getlist("tag"), params["empty"]) == ("1", "b", ["a", "b"], "")


def test_query_params_need_a_query_string() -> None:
    scope = make_scope()
    del scope["query_string"]
    with pytest.raises(KeyError, match="query_string"):
        HTTPConnection(scope).query_params  # noqa: B018


@pytest.mark.parametrize(
    ("headers", "cookies"),
    [
        ([], {}),
        ([(b"cookie", b"")], {}),
        ([(b"cookie", b"session=abc")], {"session": "abc"}),
        ([(b"cookie", b'session=abc; theme="dark"; lonely')], {"session": "abc", "theme": "dark", "": "lonely"}),
        # Only the first Cookie header counts, as Headers.get returns it.
        ([(b"cookie", b"a=1"), (b"cookie", b"b=2")], {"a": "1"}),
    ],
)
def test_cookies(headers: list[tuple[bytes, bytes]], cookies: dict[str, str]) -> None:
    assert HTTPConnection(make_scope(headers=headers)).cookies == cookies


# client, state, path_params, app


@pytest.mark.parametrize(
    ("keys", "client"),
    [
        ({}, None),
        ({"client": None}, None),
        ({"client": ("10.0.0.9", 50123)}, Address("10.0.0.9", 50123)),
        ({"client": ["::1", 1]}, Address("::1", 1)),
    ],
)
def test_client(keys: dict[str, Any], client: Address | None) -> None:
    result = HTTPConnection(make_scope(**keys)).client
    assert result == client
    if client is not None:
        assert isinstance(result, Address)
        assert (result.host, result.port) == client


def test_state_is_created_in_the_scope_when_missing() -> None:
    scope = make_scope()
    connection = HTTPConnection(scope)
    connection.state.user = "ada"
    assert scope["state"] == {"user": "ada"}
    assert connection.state.user == "ada"


def test_state_wraps_the_scopes_own_dict() -> None:
    shared = {"db": "pool"}
    connection = HTTPConnection(make_scope(state=shared))
    assert connection.state.db == "pool"
    connection.state.user = "ada"
    del connection.state.db
    assert shared == {"user": "ada"}
    with pytest.raises(AttributeError) as raised:
        connection.state.db  # noqa: B018
    assert str(raised.value) == "'State' object has no attribute 'db'"


@pytest.mark.parametrize(("keys", "expected"), [({}, {}), ({"path_params": {"room": "7"}}, {"room": "7"})])
def test_path_params(keys: dict[str, Any], expected: dict[str, Any]) -> None:
    assert HTTPConnection(make_scope(**keys)).path_params == expected


def test_path_params_default_is_a_fresh_dict_not_stored() -> None:
    scope = make_scope()
    HTTPConnection(scope).path_params["x"] = 1
    assert "path_params" not in scope


def test_app() -> None:
    app = object()
    assert HTTPConnection(make_scope(app=app)).app is app
    with pytest.raises(KeyError, match="app"):
        HTTPConnection(make_scope()).app  # noqa: B018


# url_for


class FakeRouter:
    """Just enough of a router: one route, returning a URLPath, recording its calls."""

    def __init__(self, protocol: str, host: str = "") -> None:
        self.protocol, self.host = protocol, host
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        self.calls.append((name, path_params))
        return URLPath(f"/rooms/{path_params['room']}", protocol=self.protocol, host=self.host)


@pytest.mark.parametrize(
    ("scheme", "protocol", "host", "expected"),
    [
        ("ws", "websocket", "", "ws://example.com/api/rooms/7"),
        ("wss", "websocket", "", "wss://example.com/api/rooms/7"),
        ("ws", "http", "", "http://example.com/api/rooms/7"),
        ("wss", "http", "", "https://example.com/api/rooms/7"),
        ("wss", "", "", "wss://example.com/api/rooms/7"),
        ("ws", "websocket", "other.example:81", "ws://other.example:81/api/rooms/7"),
    ],
)
def test_url_for(scheme: str, protocol: str, host: str, expected: str) -> None:
    router = FakeRouter(protocol, host)
    scope = make_scope(
        scheme=scheme,
        headers=[(b"host", b"example.com")],
        root_path="/api/v1",
        app_root_path="/api",
        path="/api/v1/chat",
        query_string=b"a=1",
        router=router,
    )
    url = HTTPConnection(scope).url_for("room", room=7)
    assert (type(url), str(url)) == (URL, expected)
    assert router.calls == [("room", {"room": 7})]


def test_url_for_passes_a_path_param_called_name() -> None:
    # The seed's `__name` is positional in practice, so `name=` is a path parameter.
    router = FakeRouter("websocket")
    HTTPConnection(make_scope(router=router)).url_for("room", room=1, name="ada")
    assert router.calls == [("room", {"room": 1, "name": "ada"})]


def test_url_for_without_a_router_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="router"):
        HTTPConnection(make_scope()).url_for("room")
