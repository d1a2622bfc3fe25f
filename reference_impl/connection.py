"""`HTTPConnection`: what HTTP requests and WebSockets have in common."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from .datastructures import URL, Address, Headers, QueryParams, State, URLPath, parse_cookies
from .types import Receive, Scope


class Router(Protocol):
    """What `url_for` needs of `scope["router"]`: Starlette's `Router` fits."""

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath: ...


class HTTPConnection(Mapping[str, Any]):
    """A read-only view of an ASGI scope, with parsed properties.

    It is a `Mapping` over the scope, so `connection["path"]` reads the scope.
    Two connections are equal only if they are the same object, even over
    equal scopes. Properties that parse the scope do it once, on first use.

    Args:
        scope: The ASGI connection scope; its `type` is "http" or "websocket".
        receive: Unused here; accepted so both subclasses share a signature.

    Examples:
        >>> connection = HTTPConnection({"type": "websocket", "path": "/chat", "headers": []})
        >>> connection["path"], len(connection)
        ('/chat', 3)
        >>> connection == HTTPConnection(dict(connection.scope))
        False
    """

    def __init__(self, scope: Scope, receive: Receive | None = None) -> None:
        assert scope["type"] in ("http", "websocket")
        self.scope = scope
        """The ASGI scope this connection reads; `connection[key]` is `scope[key]`."""

    def __getitem__(self, key: str) -> Any:
        return self.scope[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.scope)

    def __len__(self) -> int:
        return len(self.scope)

    # Mapping would compare scopes; two connections are never the same
    # connection unless they are the same object.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    @property
    def app(self) -> Any:
        """The application that received the connection, `scope["app"]`."""
        return self.scope["app"]

    @property
    def url(self) -> URL:
        """The full URL the client asked for, rebuilt from the scope.

        The host comes from the `Host` header, else from `scope["server"]`.
        The path is `scope["path"]`, which already includes `root_path`
        (ASGI 2.5; see the `root-path` difference).
        """
        if not hasattr(self, "_url"):
            self._url = URL(scope=self.scope)
        return self._url

    @property
    def base_url(self) -> URL:
        """The URL of the application root: `url` with the app's root path only.

        A mounted sub-application's scope carries `app_root_path`, the root of
        the top-level app, so URLs built from this stay absolute.
        """
        if not hasattr(self, "_base_url"):
            root_path = self.scope.get("app_root_path", self.scope.get("root_path", ""))
            base_scope = dict(self.scope)
            base_scope["path"] = root_path if root_path.endswith("/") else root_path + "/"
            base_scope["query_string"] = b""
            self._base_url = URL(scope=base_scope)
        return self._base_url

    @property
    def headers(self) -> Headers:
        """The request headers, case-insensitive."""
        if not hasattr(self, "_headers"):
            self._headers = Headers(scope=self.scope)
        return self._headers

    @property
    def query_params(self) -> QueryParams:
        """The parsed query string."""
        if not hasattr(self, "_query_params"):
            self._query_params = QueryParams(self.scope["query_string"])
        return self._query_params

    @property
    def path_params(self) -> dict[str, Any]:
        """Parameters a router matched in the path, or `{}`."""
        params: dict[str, Any] = self.scope.get("path_params", {})
        return params

    @property
    def cookies(self) -> dict[str, str]:
        """The cookies of the `Cookie` header, parsed as browsers send them."""
        if not hasattr(self, "_cookies"):
            header = self.headers.get("cookie")
            self._cookies = parse_cookies(header) if header else {}
        return self._cookies

    @property
    def client(self) -> Address | None:
        """The client's `(host, port)`, or `None` if the server does not say."""
        host_port = self.scope.get("client")
        return None if host_port is None else Address(*host_port)

    @property
    def state(self) -> State:
        """Per-connection state, stored in `scope["state"]` (created if missing)."""
        if not hasattr(self, "_state"):
            self._state = State(self.scope.setdefault("state", {}))
        return self._state

    def url_for(self, __name: str, **path_params: Any) -> URL:
        """The absolute URL of the route named `__name`, via `scope["router"]`.

        Args:
            __name: The route's name.
            **path_params: Values for the route's path parameters.

        Raises:
            KeyError: The scope has no `"router"` (no router served this).
        """
        router: Router = self.scope["router"]
        return router.url_path_for(__name, **path_params).make_absolute_url(base_url=self.base_url)
