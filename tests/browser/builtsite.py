"""What the built site holds: its pages, where a docs page landed, and its links and anchors.

Everything here reads the build output with the standard library only, so the
link checker needs no browser and the browser tests can find their pages.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

PLACEHOLDER = "PLACEHOLDER-PAGE"


def html_pages(site: Path) -> list[str]:
    """Every HTML page of the build, as POSIX paths relative to `site`, sorted.

    Theme assets are not pages, so `assets/` is left out.
    """
    pages = (path.relative_to(site).as_posix() for path in site.rglob("*.html"))
    return sorted(page for page in pages if not page.startswith("assets/"))


def built_page(site: Path, stem: str) -> str | None:
    """Where the docs page `stem` (e.g. "reference/websocket") was written, or None.

    mkdocs writes `stem/index.html` with directory URLs (the default) and
    `stem.html` without them (the offline plugin turns them off).
    """
    candidates = ["index.html"] if stem == "index" else [f"{stem}/index.html", f"{stem}.html"]
    for candidate in candidates:
        if (site / candidate).is_file():
            return candidate
    return None


def url_paths(page: str) -> set[str]:
    """The URL paths (from the site root) under which a reader reaches `page`."""
    paths = {"/" + page}
    if page == "index.html" or page.endswith("/index.html"):
        paths.add("/" + page.removesuffix("index.html"))
    return paths


@dataclass
class ParsedPage:
    """The ids a page defines and the URLs it refers to."""

    ids: set[str] = field(default_factory=set)
    refs: list[tuple[str, str]] = field(default_factory=list)  # (tag, url)
    canonical: str | None = None


class _Parser(HTMLParser):
    """Collect ids, `<a name>` targets and every href/src of a page."""

    # Attributes that make the browser fetch or navigate to a URL.
    URL_ATTRS = frozenset({"href", "src"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        if "id" in values:
            self.page.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.page.ids.add(values["name"])
        if tag == "link" and values.get("rel") == "canonical":
            self.page.canonical = values.get("href")
        for name in self.URL_ATTRS & values.keys():
            self.page.refs.append((tag, values[name]))


def parse_page(path: Path) -> ParsedPage:
    """Parse one HTML file."""
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.page


@dataclass
class LinkReport:
    """The outcome of checking every link of a build."""

    broken: list[str] = field(default_factory=list)  # "page: url (why)"
    external: dict[str, list[str]] = field(default_factory=dict)  # url -> pages linking to it
    checked: int = 0


def check_links(site: Path) -> LinkReport:
    """Resolve every internal link and anchor of the build; list the external ones.

    A link is internal when it has no scheme and no host, or when it points
    under the site's own `site_url` (read from the home page's canonical
    link). It resolves when the file exists (a directory means its
    `index.html`) and, with a `#fragment`, when the target page has that id
    (a bare `#` means the top of the page). External links (any other host,
    `mailto:` ...) are only listed, never fetched.
    """
    pages = html_pages(site)
    parsed = {page: parse_page(site / page) for page in pages}
    home = parsed.get("index.html")
    site_url = home.canonical if home and home.canonical else None
    report = LinkReport()
    for page, info in parsed.items():
        for tag, url in info.refs:
            target = _internal_path(page, url, site_url)
            if target is None:
                if not url.startswith(("data:", "javascript:", "blob:")):
                    report.external.setdefault(url, []).append(page)
                continue
            report.checked += 1
            path, fragment = target
            problem = _resolve(site, path, fragment, parsed)
            if problem:
                report.broken.append(f"{page}: <{tag}> {url} ({problem})")
    return report


def _internal_path(page: str, url: str, site_url: str | None) -> tuple[str, str] | None:
    """Return (site-relative path, fragment) for an internal URL, None for an external one."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        if not site_url or not url.startswith(site_url):
            return None
        # Under site_url: the rest is a path from the site root.
        return _internal_path(page, "/" + url[len(site_url) :], None)
    fragment = unquote(parts.fragment)
    if not parts.path:
        return page, fragment
    if parts.path.startswith("/"):
        joined = parts.path.lstrip("/")
    else:
        joined = posixpath.join(posixpath.dirname(page), unquote(parts.path))
    normal = posixpath.normpath(joined) if joined else "."
    if parts.path.endswith("/") and normal != ".":
        normal += "/"
    return normal, fragment


def _resolve(site: Path, path: str, fragment: str, parsed: dict[str, ParsedPage]) -> str | None:
    """Why `path#fragment` does not resolve in the build, or None when it does."""
    if path.startswith(".."):
        return "points outside the site"
    file = site / path
    if path in {".", ""} or path.endswith("/") or file.is_dir():
        file = file / "index.html"
    if not file.is_file():
        return "no such file"
    if not fragment:
        return None
    target = file.relative_to(site).as_posix()
    if target not in parsed:
        return "fragment on a non-HTML file"
    if fragment not in parsed[target].ids:
        return f"no id {fragment!r} on {target}"
    return None
