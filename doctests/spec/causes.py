"""Why an implementation's output differs from the reference's: the known causes, and how to recognise each.

A cause is a difference read from an installed Starlette, with a test on a
failed example's record (`Outcome.record()`: its expected and actual text,
source, tags). `classify` puts a divergence under the first cause whose test
matches, or under none: an unexplained divergence is never given a made-up
reason.

Used by the Compatibility page (`doctests.sitegen.pages.compatibility`), which
checks each cause's claim about Starlette 0.29.0 against that release's run,
and by the release-by-release history (`doctests.measure.history`).

Example:
    >>> record = {"expected": "RuntimeError: x\\n", "got": "WebSocketDisconnected: x\\n", "source": "", "tags": []}
    >>> classify(record).id
    'websocket-disconnected'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

MODULE = "doctests/spec/causes.py"


class Claim(Enum):
    """What a cause's text says Starlette 0.29.0 does with the examples it explains."""

    NONE = "says nothing about 0.29"
    AS_REFERENCE = "says 0.29 does what the reference does"
    AS_TODAY = "says 0.29 does what today's release does"


@dataclass(frozen=True)
class Cause:
    """A known reason for a divergence, how to recognise it in a failure, and what it says of 0.29.

    `why` may name `{old}`, which becomes the 0.29 run's version ("Starlette 0.29.0").
    """

    id: str
    title: str
    why: str
    matches: Callable[[dict[str, Any]], bool]
    starlette_029: Claim = Claim.NONE


def _text(example: dict[str, Any], key: str) -> str:
    return example.get(key) or ""


def _same_message_other_class(example: dict[str, Any]) -> bool:
    expected, got = _text(example, "expected"), _text(example, "got")
    return expected.startswith("RuntimeError: ") and got == expected.replace(
        "RuntimeError:", "WebSocketDisconnected:", 1
    )


CONNECTING_ERROR = re.compile(r'Expected ASGI message "websocket\.accept"(?:,| or)')


CAUSES = (
    Cause(
        "websocket-disconnected",
        "`WebSocketDisconnected` instead of `RuntimeError`",
        "Using the connection after a close or disconnect (or before `accept`) raises `WebSocketDisconnected`, "
        "a `RuntimeError` subclass, with {old}'s text: `except RuntimeError` still catches it, "
        "only the class name differs.",
        _same_message_other_class,
        Claim.AS_REFERENCE,
    ),
    Cause(
        "denial-response-error-text",
        "Three message types in the CONNECTING error",
        "`send()` accepts the denial response extension's `websocket.http.response.start` before `accept`, "
        "so the error for anything else lists three message types instead of {old}'s two.",
        lambda e: (
            bool(CONNECTING_ERROR.search(_text(e, "expected")))
            and '"websocket.http.response.start"' in _text(e, "got")
            and '"websocket.http.response.start"' not in _text(e, "expected")
        ),
        Claim.AS_REFERENCE,
    ),
    Cause(
        "denial-response-accepted",
        "The denial response is accepted",
        "`websocket.http.response.start` before `accept` is the denial response extension: Starlette sends it "
        "(and enters the `RESPONSE` state) where {old} refuses it with a `RuntimeError`.",
        lambda e: e["reason"] == "expected an exception, got none" and "websocket.http.response.start" in e["source"],
        Claim.AS_REFERENCE,
    ),
    Cause(
        "response-state",
        "`WebSocketState.RESPONSE`",
        "`WebSocketState` has a fourth member, `RESPONSE = 3`, the state after a denial response; {old} has three.",
        lambda e: "RESPONSE: 3" in _text(e, "got") and "RESPONSE" not in _text(e, "expected"),
        Claim.AS_REFERENCE,
    ),
    Cause(
        "ensure-ascii",
        "`send_json` keeps non-ASCII characters",
        "`send_json` calls `json.dumps(..., ensure_ascii=False)`: non-ASCII characters are sent as they are "
        "(UTF-8 in bytes mode) where {old} escapes them as `\\uXXXX`.",
        lambda e: "\\u00" in _text(e, "expected") and "\\u00" not in _text(e, "got"),
        Claim.AS_REFERENCE,
    ),
    Cause(
        "oserror-1006",
        "`OSError` from the server becomes `WebSocketDisconnect(1006)`",
        "In CONNECTED, an `OSError` raised by the server's `send` is turned into `WebSocketDisconnect(code=1006)`; "
        "{old} lets the `OSError` through.",
        lambda e: (
            "OSError" in _text(e, "expected") + e["source"]
            and _text(e, "got").startswith("WebSocketDisconnect\n(code=1006")
        ),
        Claim.AS_REFERENCE,
    ),
    Cause(
        "url-for-needs-router",
        "`url_for` without a router",
        "`url_for` looks for a router (or app) in the scope and raises a `RuntimeError` saying it needs one; "
        "{old} reads `scope['router']` and raises `KeyError`.",
        lambda e: "KeyError: 'router'" in _text(e, "expected") and "url_for" in _text(e, "got"),
        Claim.AS_REFERENCE,
    ),
    Cause(
        "scheme-default",
        "`http` when the scope has no `scheme`",
        "With no `scheme` in the scope Starlette builds an `http://` URL, as {old} does; the reference uses "
        "the ASGI default `ws` (a deliberate difference, tag `asgi-2.5`).",
        lambda e: "URL('ws://" in _text(e, "expected") and "URL('http://" in _text(e, "got"),
        Claim.AS_TODAY,
    ),
    Cause(
        "reference-table",
        "The reference's own table",
        "The example prints what the reference's state table recorded; another implementation does not run "
        "that table, so nothing is recorded (tag `reference-only`).",
        lambda e: "reference-only" in e["tags"] and "Row(" in _text(e, "expected") and not _text(e, "got"),
    ),
)


def classify(example: dict[str, Any]) -> Cause | None:
    """The first known cause whose test matches this failure, or `None`."""
    return next((cause for cause in CAUSES if cause.matches(example)), None)


BY_ID = {cause.id: cause for cause in CAUSES}
