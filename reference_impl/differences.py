"""Where `reference_impl` deliberately differs from Starlette 0.29.0.

FastAPI's reference page quotes Starlette 0.27-0.29, whose code is silent on these points; here
the reference follows the ASGI spec (`www.rst` 2.5) and today's Starlette.
This list is complete: the differential test against 0.29 allows exactly
these, by `id`, and the docs publish it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Difference:
    """One deliberate difference: what 0.29 does, what we do, and on what grounds."""

    id: str
    title: str
    starlette_029: str
    reference: str
    grounds: str


DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        id="disconnect-reason",
        title="WebSocketDisconnect carries the close reason",
        starlette_029=(
            "`receive_text`, `receive_bytes` and `receive_json` raise "
            '`WebSocketDisconnect(message["code"])`, so `.reason` is always `""`.'
        ),
        reference=(
            'They raise `WebSocketDisconnect(message["code"], message.get("reason"))`: '
            "the reason the client gave survives. The exception's `args` are then `(code, reason)`, "
            "so `str()` shows both where 0.29 shows the code alone."
        ),
        grounds="ASGI 2.5 adds `reason` to `websocket.disconnect`; today's Starlette (1.10, checked) passes it on.",
    ),
    Difference(
        id="root-path",
        title="`url` does not repeat `root_path`",
        starlette_029=(
            "`url` is built from `root_path + path`, so a mounted app sees the prefix twice; "
            '`base_url` is `root_path + "/"` even when `root_path` already ends in `/`.'
        ),
        reference=(
            "`url` is built from `path` alone, which already includes `root_path`; `base_url` ends in exactly one `/`."
        ),
        grounds="ASGI clarified that `path` includes `root_path`; today's Starlette (1.10, checked) follows it.",
    ),
    Difference(
        id="default-scheme",
        title="A websocket scope with no `scheme` is `ws`, not `http`",
        starlette_029='`url` and `base_url` use `http` when `scope["scheme"]` is missing, even for a WebSocket.',
        reference="A missing `scheme` means `ws` for a websocket scope (and `http` for an http scope).",
        grounds='ASGI 2.5 `www.rst`: the websocket `scheme` defaults to `"ws"`.',
    ),
    Difference(
        id="unhashable-message-type",
        title="An unhashable message type is a wrong type in every state",
        starlette_029=(
            'A `"type"` such as a list raises `TypeError: unhashable type` in three states, '
            "and the usual `RuntimeError` in the fourth (receiving in CONNECTING)."
        ),
        reference='It raises the state\'s usual `RuntimeError` ("Expected ASGI message ...") in every state.',
        grounds=(
            "Starlette 0.29's set-membership test is an accident of its code shape; "
            "the table gives one error per state."
        ),
    ),
)

BY_ID = {difference.id: difference for difference in DIFFERENCES}
