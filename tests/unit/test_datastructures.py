"""URL, URLPath, Headers, QueryParams, State, Address and parse_cookies."""

from __future__ import annotations

from typing import Any

import pytest

from reference_impl.datastructures import URL, Address, Headers, QueryParams, State, URLPath, parse_cookies

# URL


def test_url_components() -> None:
    url = URL("wss://ada:secret@example.com:8443/chat/room?x=1&y=2#top")
    assert (url.scheme, url.netloc, url.path, url.query, url.fragment) == (
        "wss",
        "ada:secret@example.com:8443",
        "/chat/room",
        "x=1&y=2",
        "top",
    )
    assert (url.username, url.password, url.hostname, url.port, url.is_secure) == (
        "ada",
        "secret",
        "example.com",
        8443,
        True,
    )
    assert url.components is url.components  # split once


@pytest.mark.parametrize(
    ("text", "secure"),
    [("https://h/", True), ("wss://h/", True), ("http://h/", False), ("ws://h/", False), ("/p", False)],
)
def test_url_is_secure(text: str, secure: bool) -> None:
    assert URL(text).is_secure is secure


def test_empty_url() -> None:
    url = URL()
    assert (str(url), url.scheme, url.hostname, url.port, url.username, url.password) == (
        "",
        "",
        None,
        None,
        None,
        None,
    )


def test_url_from_components() -> None:
    assert str(URL(scheme="wss", netloc="example.com", path="/chat", query="a=1")) == "wss://example.com/chat?a=1"
    assert str(URL(path="/only")) == "/only"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"query": ""}, "ws://example.com/chat#f"),
        ({"scheme": "wss", "netloc": "other:1"}, "wss://other:1/chat?room=1#f"),
        ({"path": "/x", "fragment": ""}, "ws://example.com/x?room=1"),
    ],
)
def test_url_replace_returns_a_new_url(changes: dict[str, str], expected: str) -> None:
    original = URL("ws://example.com/chat?room=1#f")
    replaced = original.replace(**changes)
    assert (type(replaced), str(replaced), str(original)) == (URL, expected, "ws://example.com/chat?room=1#f")


def test_url_replace_with_an_unknown_component_fails() -> None:
    with pytest.raises(ValueError, match="port"):
        URL("ws://h/").replace(port=1)


def test_url_equality_and_no_hash() -> None:
    url = URL("ws://h/chat")
    assert url == "ws://h/chat"
    assert url == URL("ws://h/chat")
    assert url != "ws://h/other"
    assert url != URL("ws://H/chat")  # compared as text, not normalized
    with pytest.raises(TypeError) as raised:
        hash(url)
    assert str(raised.value) == "unhashable type: 'URL'"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("ws://h/chat", "URL('ws://h/chat')"),
        ("wss://ada:secret@h:1/chat", "URL('wss://ada:********@h:1/chat')"),
        ("wss://ada@h/chat", "URL('wss://ada@h/chat')"),
    ],
)
def test_url_repr_hides_the_password(text: str, shown: str) -> None:
    url = URL(text)
    assert repr(url) == shown
    assert str(url) == text  # str keeps it


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"url": "ws://h/", "scope": {"type": "websocket"}}, 'Cannot set both "url" and "scope" or "**components".'),
        ({"scope": {"type": "websocket"}, "path": "/"}, 'Cannot set both "url" and "scope" or "**components".'),
        ({"url": "ws://h/", "path": "/"}, 'Cannot set both "url" and "**components".'),
    ],
)
def test_url_refuses_two_sources(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError) as raised:
        URL(**kwargs)
    assert str(raised.value) == message


# URLPath


@pytest.mark.parametrize(
    ("protocol", "host", "base", "expected"),
    [
        ("websocket", "", "https://example.com/app/", "wss://example.com/app/chat"),
        ("websocket", "", "http://example.com", "ws://example.com/chat"),
        ("http", "", "wss://example.com/app", "https://example.com/app/chat"),
        ("http", "", "ws://example.com/", "http://example.com/chat"),
        ("", "", "ws://example.com/app//", "ws://example.com/app/chat"),
        ("", "cdn.example", "https://example.com/", "https://cdn.example/chat"),
    ],
)
def test_urlpath_make_absolute_url(protocol: str, host: str, base: str, expected: str) -> None:
    path = URLPath("/chat", protocol=protocol, host=host)
    assert (path, path.protocol, path.host) == ("/chat", protocol, host)
    for base_url in (base, URL(base)):
        absolute = path.make_absolute_url(base_url)
        assert (type(absolute), str(absolute)) == (URL, expected)


def test_urlpath_defaults_and_is_a_str() -> None:
    path = URLPath("/chat")
    assert isinstance(path, str)
    assert (path.protocol, path.host, path + "?a=1") == ("", "", "/chat?a=1")


@pytest.mark.parametrize("protocol", ["ws", "https", "HTTP", None])
def test_urlpath_rejects_a_bad_protocol(protocol: Any) -> None:
    with pytest.raises(ValueError, match="protocol must be") as raised:
        URLPath("/chat", protocol=protocol)
    assert str(raised.value) == f'protocol must be "http", "websocket" or "", not {protocol!r}'


# Headers


@pytest.fixture
def headers() -> Headers:
    return Headers(
        raw=[(b"host", b"example.com"), (b"x-tag", b"a"), (b"x-tag", b"b"), (b"latin", "café".encode("latin-1"))]
    )


def test_headers_lookup_is_case_insensitive_and_first_wins(headers: Headers) -> None:
    assert (headers["HOST"], headers["X-Tag"], headers["latin"]) == ("example.com", "a", "café")
    assert headers.getlist("X-TAG") == ["a", "b"]
    assert headers.getlist("missing") == []
    assert headers.get("missing", "default") == "default"
    with pytest.raises(KeyError) as raised:
        headers["Missing"]
    assert raised.value.args == ("Missing",)


def test_headers_views_keep_order_and_repeats(headers: Headers) -> None:
    assert headers.keys() == ["host", "x-tag", "x-tag", "latin"]
    assert headers.values() == ["example.com", "a", "b", "café"]
    assert headers.items() == [("host", "example.com"), ("x-tag", "a"), ("x-tag", "b"), ("latin", "café")]
    assert (list(headers), len(headers)) == (["host", "x-tag", "x-tag", "latin"], 4)


def test_headers_raw_is_a_copy(headers: Headers) -> None:
    raw = headers.raw
    raw.clear()
    assert len(headers.raw) == 4
    assert headers.raw is not headers.raw


@pytest.mark.parametrize(("key", "present"), [("Host", True), ("x-tag", True), ("X-TAG", True), ("absent", False)])
def test_headers_contains(headers: Headers, key: str, present: bool) -> None:
    assert (key in headers) is present


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (1, "'int' object has no attribute 'lower'"),
        (None, "'NoneType' object has no attribute 'lower'"),
        (b"host", "'bytes' object has no attribute 'encode'"),
    ],
)
def test_headers_contains_a_non_str_key_is_an_attribute_error_as_in_starlette(
    headers: Headers, key: object, message: str
) -> None:
    with pytest.raises(AttributeError) as raised:
        key in headers  # noqa: B015
    assert str(raised.value) == message


def test_headers_equality_ignores_order_but_not_case_of_raw_names() -> None:
    one = Headers(raw=[(b"a", b"1"), (b"b", b"2")])
    assert one == Headers(raw=[(b"b", b"2"), (b"a", b"1")])
    assert one != Headers(raw=[(b"a", b"1")])
    assert one != {"a": "1", "b": "2"}
    assert Headers() == Headers(raw=[])
    with pytest.raises(TypeError):
        hash(one)


def test_headers_from_a_scope_store_a_list_back() -> None:
    scope: dict[str, Any] = {"headers": ((b"a", b"1"),)}
    assert Headers(scope=scope).items() == [("a", "1")]
    assert scope["headers"] == [(b"a", b"1")]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ([], "Headers({})"),
        ([(b"a", b"1"), (b"b", b"2")], "Headers({'a': '1', 'b': '2'})"),
        ([(b"a", b"1"), (b"a", b"2")], "Headers(raw=[(b'a', b'1'), (b'a', b'2')])"),
    ],
)
def test_headers_repr_as_starlette_shows_it(raw: list[tuple[bytes, bytes]], shown: str) -> None:
    assert repr(Headers(raw=raw)) == shown


# QueryParams


@pytest.mark.parametrize("source", ["a=1&b=x&a=2&empty=&sp=%20+", b"a=1&b=x&a=2&empty=&sp=%20+"], ids=["str", "bytes"])
def test_query_params(source: str | bytes) -> None:
    params = QueryParams(source)
    assert (params["a"], params["b"], params["empty"], params["sp"]) == ("2", "x", "", "  ")  # the last value wins
    assert params.getlist("a") == ["1", "2"]
    assert params.getlist("missing") == []
    assert params.multi_items() == [("a", "1"), ("b", "x"), ("a", "2"), ("empty", ""), ("sp", "  ")]
    assert (list(params), len(params)) == (["a", "b", "empty", "sp"], 4)
    assert str(params) == "a=1&b=x&a=2&empty=&sp=++"
    assert repr(params) == "QueryParams('a=1&b=x&a=2&empty=&sp=++')"


def test_query_params_bytes_are_latin1_and_str_is_percent_decoded_as_utf8() -> None:
    assert QueryParams("city=Z%C3%BCrich")["city"] == "Zürich"
    assert QueryParams("city=Zürich".encode("latin-1"))["city"] == "Zürich"


def test_query_params_default_and_multi_items_copy() -> None:
    params = QueryParams()
    assert (len(params), str(params), repr(params)) == (0, "", "QueryParams('')")
    items = QueryParams("a=1").multi_items()
    items.clear()
    assert QueryParams("a=1").multi_items() == [("a", "1")]


def test_query_params_equality() -> None:
    assert QueryParams("a=1&b=2") == QueryParams(b"b=2&a=1")
    assert QueryParams("a=1&a=2") != QueryParams("a=2")
    assert QueryParams("a=1") != {"a": "1"}
    with pytest.raises(TypeError):
        hash(QueryParams("a=1"))


# State and Address


def test_state_attribute_access() -> None:
    backing: dict[str, Any] = {}
    state = State(backing)
    state.user = "ada"
    assert (state.user, backing) == ("ada", {"user": "ada"})
    del state.user
    assert backing == {}
    with pytest.raises(AttributeError) as raised:
        state.user  # noqa: B018
    assert str(raised.value) == "'State' object has no attribute 'user'"
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__  # `from None`: no KeyError in the traceback


def test_state_deleting_a_missing_attribute_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="nope"):
        del State().nope


def test_state_default_is_a_fresh_dict() -> None:
    first, second = State(), State()
    first.x = 1
    with pytest.raises(AttributeError):
        second.x  # noqa: B018


def test_address() -> None:
    address = Address("127.0.0.1", 50000)
    assert (address.host, address.port, address) == ("127.0.0.1", 50000, ("127.0.0.1", 50000))
    assert Address._fields == ("host", "port")


# parse_cookies


@pytest.mark.parametrize(
    ("header", "cookies"),
    [
        ("", {}),
        (" ; ;", {}),
        ("a=1", {"a": "1"}),
        (" a = 1 ; b=2", {"a": "1", "b": "2"}),
        ('theme="dark"', {"theme": "dark"}),
        ('q="a\\"b"', {"q": 'a"b'}),
        ('o="\\101"', {"o": "A"}),
        ("lonely", {"": "lonely"}),
        ("=v", {"": "v"}),
        ("k=", {"k": ""}),
        ("a=1; a=2", {"a": "2"}),
        ("eq=a=b", {"eq": "a=b"}),
    ],
)
def test_parse_cookies(header: str, cookies: dict[str, str]) -> None:
    assert parse_cookies(header) == cookies
