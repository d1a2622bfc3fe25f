"""The raw ASGI app that `doctests.measure.probe` runs inside each server it measures.

The server imports it as `doctests.measure.probe_app:app`. The path picks the
case: `/<case>/<nonce>`. Everything the app sees (each `receive()` result, each
`send()` outcome, the scope, how the app ended) is appended as one JSON line to
`$PROBE_NOTES/<nonce>.jsonl`, where the probe reads it. The probe's client
tells the app it has left by creating `$PROBE_NOTES/<nonce>.left`.

Messages have the shape Starlette sends (`subprotocol` and `headers` in the
accept, `code` and `reason` in the close). Every wait has a timeout.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

APP_WAIT = 3.0  # Seconds a `receive()` may take; the probe's client always acts or leaves sooner.
SHUTDOWN_WAIT = 8.0  # In the shutdown case the app waits longer than any server's grace period.
LONG_REASON = "é" * 62  # 124 UTF-8 bytes: one over the 123 a close frame can carry.
ACCEPT: Message = {"type": "websocket.accept", "subprotocol": None, "headers": []}
HELLO: Message = {"type": "websocket.send", "text": "hello"}


def value(item: Any) -> Any:
    """One message value as JSON: long strings and bytes by their size, bytes in hex."""
    if isinstance(item, bytes):
        return {"bytes": item.hex()} if len(item) <= 64 else {"bytes_len": len(item)}
    if isinstance(item, str) and len(item.encode()) > 200:
        return {"str_len": len(item), "utf8_len": len(item.encode())}
    if isinstance(item, (list, tuple)):
        return [value(x) for x in item]
    if isinstance(item, dict):
        return {str(k): value(v) for k, v in item.items()}
    if item is None or isinstance(item, (bool, int, float, str)):
        return int(item) if isinstance(item, int) and type(item) not in (int, bool) else item
    return repr(item)


def message_record(message: Message) -> dict[str, Any]:
    """A message as JSON, plus the Python type of its `code` when it is not a plain `int`."""
    record: dict[str, Any] = {"message": {key: value(item) for key, item in message.items()}}
    code = message.get("code")
    if code is not None and type(code) is not int:
        record["code_type"] = f"{type(code).__module__}.{type(code).__qualname__}"
    return record


def error_record(error: BaseException) -> dict[str, Any]:
    """An exception as its qualified type, text (cut), and whether it is an `OSError`."""
    text = str(error).strip()
    return {
        "error": f"{type(error).__module__}.{type(error).__qualname__}",
        "text": text[:120],
        "oserror": isinstance(error, OSError),
    }


def scope_record(scope: Message) -> dict[str, Any]:
    """The scope keys the site talks about, with their types where they differ between servers."""
    missing = "<absent>"
    headers = [bytes(name).decode("latin-1").lower() for name, _ in scope.get("headers", [])]
    return {
        "keys": sorted(scope),
        "asgi": value(scope.get("asgi", missing)),
        "http_version": scope.get("http_version", missing),
        "scheme": scope.get("scheme", missing),
        "path": scope.get("path", missing),
        "query_string": value(scope.get("query_string", missing)),
        "root_path": scope.get("root_path", missing),
        "subprotocols": value(scope.get("subprotocols", missing)),
        "client": value(scope.get("client", missing)),
        "client_type": type(scope.get("client")).__name__,
        "client_port_type": type((scope.get("client") or [None, None])[1]).__name__,
        "server_port_type": type((scope.get("server") or [None, None])[1]).__name__,
        "extensions": sorted(scope["extensions"]) if isinstance(scope.get("extensions"), dict) else missing,
        "state": "state" in scope,
        "handshake_headers": sorted(name for name in headers if name.startswith("sec-websocket-")),
    }


class Notes:
    """The app's side of one connection, written as JSON lines as it happens."""

    def __init__(self, folder: Path, nonce: str) -> None:
        self.path = folder / f"{nonce}.jsonl"
        self.left = folder / f"{nonce}.left"

    def note(self, op: str, **fields: Any) -> None:
        with self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps({"op": op, **fields}, ensure_ascii=False) + "\n")

    async def receive(self, receive: Receive, wait: float = APP_WAIT) -> Message | None:
        try:
            message = await asyncio.wait_for(receive(), wait)
        except TimeoutError:
            self.note("receive", timeout=wait)
            return None
        except BaseException as error:  # CancelledError at shutdown is an observation too.
            self.note("receive", **error_record(error))
            raise
        self.note("receive", **message_record(message))
        return message

    async def send(self, send: Send, message: Message) -> bool:
        try:
            await asyncio.wait_for(send(message), APP_WAIT)
        except TimeoutError:
            self.note("send", timeout=APP_WAIT, **message_record(message))
            return False
        except Exception as error:  # What the server raises is the observation.
            self.note("send", **message_record(message), **error_record(error))
            return False
        self.note("send", ok=True, **message_record(message))
        return True

    async def client_left(self, wait: float = APP_WAIT) -> bool:
        """Wait, bounded, until the probe's client says it has left."""
        deadline = time.monotonic() + wait
        for _ in range(int(wait / 0.01) + 1):
            if self.left.exists():
                return True
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.01)
        self.note("wait", timeout=wait, what="the client to leave")
        return False


async def accepted(notes: Notes, receive: Receive, send: Send, accept: Message = ACCEPT) -> None:
    await notes.receive(receive)
    await notes.send(send, accept)


async def play(case: str, notes: Notes, scope: Message, receive: Receive, send: Send) -> None:
    """What the app does in each case (the probe's `CASES` say the same in words)."""
    if case == "scope":
        notes.note("scope", scope=scope_record(scope))
    if case in {"deny-response", "reject", "return-before-accept", "raise-before-accept"}:
        await notes.receive(receive)
        if case == "deny-response":
            notes.note("scope", scope={"extensions": scope_record(scope)["extensions"]})
            start = {"type": "websocket.http.response.start", "status": 401, "headers": [(b"x-deny", b"1")]}
            await notes.send(send, start)
            await notes.send(send, {"type": "websocket.http.response.body", "body": b"denied"})
        elif case == "reject":
            await notes.send(send, {"type": "websocket.close", "code": 4003, "reason": ""})
        elif case == "return-before-accept":
            return
        else:
            raise RuntimeError("the app raised before accept")
        await notes.receive(receive)
        return
    if case == "accept-headers":
        await accepted(notes, receive, send, ACCEPT | {"headers": [(b"x-probe", b"yes")]})
    elif case == "subprotocol-not-offered":
        await accepted(notes, receive, send, ACCEPT | {"subprotocol": "p9"})
    else:
        await accepted(notes, receive, send)
    if case in {"send-after-close", "send-after-drop"}:
        await notes.client_left()
        await asyncio.sleep(0.25)  # Let the server take in the close frame or the lost connection.
        await notes.send(send, HELLO)
        await notes.send(send, HELLO)
    elif case == "send-after-disconnect":
        await notes.receive(receive)
        await notes.send(send, HELLO)
    elif case.startswith("close-"):
        code, reason = {"close-reason": (4000, "done"), "close-long-reason": (1000, LONG_REASON)}.get(
            case, (int(case.removeprefix("close-")) if case[6:].isdigit() else 1000, "")
        )
        await notes.send(send, {"type": "websocket.close", "code": code, "reason": reason})
    elif case in {"text-frame", "binary-frame"}:
        await notes.receive(receive)
    elif case == "shutdown":
        await notes.receive(receive, SHUTDOWN_WAIT)
        await notes.send(send, HELLO)
    await notes.receive(receive)


async def app(scope: Message, receive: Receive, send: Send) -> None:
    """The ASGI entry point: lifespan is answered, HTTP gets nothing, WebSockets play their case."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    if scope["type"] != "websocket":
        return
    _, case, nonce = [*scope["path"].split("/"), "", ""][:3]
    notes = Notes(Path(os.environ["PROBE_NOTES"]), nonce or "unnamed")
    try:
        await play(case, notes, scope, receive, send)
    except BaseException as error:
        notes.note("done", how="raised", **error_record(error))
        raise
    notes.note("done", how="returned")
