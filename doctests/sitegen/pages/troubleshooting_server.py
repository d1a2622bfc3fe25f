"""uvicorn's own messages for the troubleshooting page: see `troubleshooting.render_server`."""

from __future__ import annotations

from doctests.sitegen.pages.troubleshooting import render_server


def render() -> str:
    return render_server()
