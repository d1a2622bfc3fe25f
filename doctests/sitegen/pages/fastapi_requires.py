"""One sentence for the FastAPI how-to: which Starlette today's FastAPI requires, read from its metadata.

It ends without a newline, so the page's next line continues the paragraph.
"""

from __future__ import annotations

from doctests.sitegen.pages.versions import read


def render() -> str:
    v = read()
    runs = "can run on" if v.fastapi_needs.contains(v.shown) else "cannot run on"
    return (
        f"FastAPI {v.fastapi} requires `starlette{v.fastapi_needs}` (installed here: Starlette {v.starlette}), "
        f"so it {runs} the Starlette {v.shown} code that FastAPI's reference page quotes."
    )
