"""The small value types a connection hands out: URLs, headers and friends.

Each mirrors the Starlette type of the same name in behaviour, for the parts a
WebSocket connection uses; none imports Starlette.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from http.cookies import _unquote
from typing import Any, NamedTuple
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

from .types import Scope

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_SECURE_SCHEMES = ("https", "wss")


class Address(NamedTuple):
    """A `(host, port)` pair, as in `scope["client"]`.

    Examples:
        >>> Address("127.0.0.1", 50000).port
        50000
    """

    host: str
    port: int


class URL:
    """An immutable URL that compares equal to its string form.

    Build it from a string, from an ASGI scope, or from components.

    Examples:
        >>> url = URL("ws://example.com:8000/chat?room=1")
        >>> url.hostname, url.port, url.path, url.query
        ('example.com', 8000, '/chat', 'room=1')
        >>> url == "ws://example.com:8000/chat?room=1"
        True
        >>> URL(scheme="wss", netloc="example.com", path="/chat")
        URL('wss://example.com/chat')
    """

    def __init__(self, url: str = "", scope: Scope | None = None, **components: Any) -> None:
        if scope is not None:
            if url or components:
                raise TypeError('Cannot set both "url" and "scope" or "**components".')
            url = _url_from_scope(scope)
        elif components:
            if url:
                raise TypeError('Cannot set both "url" and "**components".')
            url = SplitResult("", "", "", "", "")._replace(**components).geturl()
        self._url = url

    @property
    def components(self) -> SplitResult:
        """The URL split by `urllib.parse.urlsplit`, computed once."""
        if not hasattr(self, "_components"):
            self._components = urlsplit(self._url)
        return self._components

    @property
    def scheme(self) -> str:
        return self.components.scheme

    @property
    def netloc(self) -> str:
        return self.components.netloc

    @property
    def path(self) -> str:
        return self.components.path

    @property
    def query(self) -> str:
        return self.components.query

    @property
    def fragment(self) -> str:
        return self.components.fragment

    @property
    def username(self) -> str | None:
        return self.components.username

    @property
    def password(self) -> str | None:
        return self.components.password

    @property
    def hostname(self) -> str | None:
        return self.components.hostname

    @property
    def port(self) -> int | None:
        return self.components.port

    @property
    def is_secure(self) -> bool:
        """Whether the scheme is `https` or `wss`."""
        return self.scheme in _SECURE_SCHEMES

    def replace(self, **components: Any) -> URL:
        """Return a copy with some `urlsplit` components replaced.

        Examples:
            >>> URL("ws://example.com/chat?room=1").replace(query="")
            URL('ws://example.com/chat')
        """
        return URL(self.components._replace(**components).geturl())

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    # As in Starlette (0.29 and today): __eq__ without __hash__, so a URL is unhashable.
    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        shown = self._url
        if self.password:
            # Keep secrets out of logs and tracebacks.
            shown = self.replace(netloc=self.netloc.replace(f":{self.password}@", ":********@"))._url
        return f"URL({shown!r})"


def _url_from_scope(scope: Scope) -> str:
    # Deliberate differences from 0.29 (see `reference_impl.differences`):
    # the path is `scope["path"]` alone (ASGI: it already holds root_path),
    # and a websocket scope with no scheme defaults to "ws", not "http".
    default_scheme = "ws" if scope.get("type") == "websocket" else "http"
    scheme = scope.get("scheme", default_scheme)
    url: str = scope["path"]
    host = next((value.decode("latin-1") for key, value in scope["headers"] if key == b"host"), None)
    if host is not None:
        url = f"{scheme}://{host}{url}"
    elif scope.get("server") is not None:
        name, port = scope["server"]
        netloc = name if port == _DEFAULT_PORTS[scheme] else f"{name}:{port}"
        url = f"{scheme}://{netloc}{url}"
    query_string = scope.get("query_string", b"")
    if query_string:
        url += "?" + query_string.decode()
    return url


class URLPath(str):
    """A path from a router, with the protocol and host it must be served on.

    `make_absolute_url` turns it into a full `URL` against a base URL; this is
    what `HTTPConnection.url_for` returns.

    Examples:
        >>> URLPath("/chat", protocol="websocket").make_absolute_url("https://example.com/app/")
        URL('wss://example.com/app/chat')
    """

    protocol: str
    host: str

    def __new__(cls, path: str, protocol: str = "", host: str = "") -> URLPath:
        if protocol not in ("http", "websocket", ""):
            raise ValueError(f'protocol must be "http", "websocket" or "", not {protocol!r}')
        self = super().__new__(cls, path)
        self.protocol = protocol
        self.host = host
        return self

    def make_absolute_url(self, base_url: str | URL) -> URL:
        """Join this path onto `base_url`, switching the scheme to the protocol."""
        base = URL(base_url) if isinstance(base_url, str) else base_url
        scheme = base.scheme
        if self.protocol:
            plain, secure = ("https", "http") if self.protocol == "http" else ("wss", "ws")
            scheme = plain if base.is_secure else secure
        return URL(scheme=scheme, netloc=self.host or base.netloc, path=base.path.rstrip("/") + self)


class Headers(Mapping[str, str]):
    """Immutable, case-insensitive, multi-valued request headers.

    Keys and values are latin-1 decoded from the raw `[bytes, bytes]` pairs.
    Lookup returns the first value; `getlist` returns them all.

    Examples:
        >>> headers = Headers(raw=[(b"x-tag", b"a"), (b"x-tag", b"b")])
        >>> headers["X-Tag"], headers.getlist("x-tag")
        ('a', ['a', 'b'])
    """

    def __init__(self, raw: list[tuple[bytes, bytes]] | None = None, scope: Scope | None = None) -> None:
        if scope is not None:
            # scope["headers"] may be any iterable, even a one-shot generator:
            # store the list back so that every later reader sees the headers.
            raw = scope["headers"] = list(scope["headers"])
        self._list: list[tuple[bytes, bytes]] = raw if raw is not None else []

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        """A copy of the raw `(name, value)` byte pairs, in order."""
        return list(self._list)

    def getlist(self, key: str) -> list[str]:
        """Every value of the header `key`, in order."""
        wanted = key.lower().encode("latin-1")
        return [value.decode("latin-1") for name, value in self._list if name == wanted]

    def keys(self) -> list[str]:  # type: ignore[override]
        return [name.decode("latin-1") for name, _ in self._list]

    def values(self) -> list[str]:  # type: ignore[override]
        return [value.decode("latin-1") for _, value in self._list]

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in self._list]

    def __getitem__(self, key: str) -> str:
        values = self.getlist(key)
        if not values:
            raise KeyError(key)
        return values[0]

    def __contains__(self, key: Any) -> bool:
        # As Starlette (0.29 and today): a key that is not a str fails on `.lower()`.
        return bool(self.getlist(key))

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and sorted(self._list) == sorted(other._list)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        # As Starlette shows them: a dict, unless a repeated name needs the raw pairs.
        as_dict = dict(self.items())
        if len(as_dict) == len(self):
            return f"Headers({as_dict!r})"
        return f"Headers(raw={self.raw!r})"


class QueryParams(Mapping[str, str]):
    """Immutable, multi-valued query string parameters.

    Lookup returns the *last* value of a repeated key, as Starlette's does;
    `getlist` returns them all. Blank values are kept.

    Examples:
        >>> params = QueryParams(b"room=1&tag=a&tag=b&empty=")
        >>> params["tag"], params.getlist("tag"), params["empty"]
        ('b', ['a', 'b'], '')
        >>> str(params)
        'room=1&tag=a&tag=b&empty='
    """

    def __init__(self, query_string: bytes | str = "") -> None:
        text = query_string.decode("latin-1") if isinstance(query_string, bytes) else query_string
        self._list = parse_qsl(text, keep_blank_values=True)
        self._dict = dict(self._list)

    def getlist(self, key: str) -> list[str]:
        """Every value of `key`, in order."""
        return [value for name, value in self._list if name == key]

    def multi_items(self) -> list[tuple[str, str]]:
        """Every `(key, value)` pair, repeats included, in order."""
        return list(self._list)

    def __getitem__(self, key: str) -> str:
        return self._dict[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, QueryParams) and sorted(self._list) == sorted(other._list)

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return urlencode(self._list)

    def __repr__(self) -> str:
        return f"QueryParams({str(self)!r})"


class State:
    """Attribute access over a dict: `connection.state.user` is `scope["state"]["user"]`.

    Examples:
        >>> state = State()
        >>> state.user = "ada"
        >>> state.user
        'ada'
        >>> state.missing
        Traceback (most recent call last):
          ...
        AttributeError: 'State' object has no attribute 'missing'
    """

    _state: MutableMapping[str, Any]

    def __init__(self, state: MutableMapping[str, Any] | None = None) -> None:
        # Set through object.__setattr__: our own __setattr__ writes to the dict.
        object.__setattr__(self, "_state", {} if state is None else state)

    def __setattr__(self, key: str, value: Any) -> None:
        self._state[key] = value

    def __getattr__(self, key: str) -> Any:
        try:
            return self._state[key]
        except KeyError:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{key}'") from None

    def __delattr__(self, key: str) -> None:
        del self._state[key]


def parse_cookies(cookie_header: str) -> dict[str, str]:
    """Parse a `Cookie` header the lenient way browsers do, not RFC 6265's way.

    A chunk with no `=` is a value with an empty name; values are unquoted as
    `http.cookies` does; a later duplicate name wins.

    Examples:
        >>> parse_cookies('session=abc; theme="dark"; lonely')
        {'session': 'abc', 'theme': 'dark', '': 'lonely'}
    """
    cookies: dict[str, str] = {}
    for chunk in cookie_header.split(";"):
        name, _, value = chunk.partition("=") if "=" in chunk else ("", "", chunk)
        name, value = name.strip(), value.strip()
        if name or value:
            cookies[name] = _unquote(value)
    return cookies
