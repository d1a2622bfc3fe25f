"""The entries of "Troubleshooting, keyed by the message": each heading is a text a reader sees.

Two generated parts:

* `render()` (`<!-- generate: troubleshooting -->`): every error text of the
  reference, read from `reference_impl.transitions.TABLE` and the constants
  of `reference_impl.websockets`, so the headings cannot drift from the code.
  A `{type!r}` in a template is shown as `PLACEHOLDER`. Every error row must
  have an explanation in `ROW_HELP`: a new row without one fails the build.
* `render_server()` (`<!-- generate: troubleshooting_server -->`, a module of
  its own that calls it): uvicorn's own messages, taken from
  `builddata.SERVER_MESSAGES` (`doctests/measure/server_messages.py`), each
  with what the client and the app saw on each backend.

Only the causes, the fixes and the links are written here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doctests.builddata import SERVER_MESSAGES, describe
from reference_impl import transitions, websockets

PLACEHOLDER = "'<type>'"
MATRIX = "../concepts/matrix.md"


class Placeholder:
    """Formats as `'<type>'` where a template says `{type!r}`."""

    def __repr__(self) -> str:
        return PLACEHOLDER


@dataclass(frozen=True)
class Help:
    cause: str
    fix: str
    link: str
    link_text: str


ROW_HELP: dict[str, Help] = {
    "client_state CONNECTING (other)": Help(
        "The first message the app received was not `websocket.connect`: something read the connect "
        "message already (a middleware, or a raw `receive()` before `accept()`), or a test fed the wrong message.",
        "Let `accept()` read `websocket.connect`; do not call `receive()` before it. In tests, start the "
        "peer with its default `connect=True`.",
        MATRIX,
        "Method × state matrix",
    ),
    "client_state CONNECTED (other)": Help(
        "After the handshake, `receive()` delivered a message that is neither `websocket.receive` nor "
        "`websocket.disconnect`: a second `websocket.connect` fed by a test, or a server that breaks ASGI.",
        "Feed only `websocket.receive` and `websocket.disconnect` after the connect message.",
        "../concepts/messages.md",
        "ASGI messages",
    ),
    "client_state DISCONNECTED (any)": Help(
        "The app called a receive method after the client had gone: the disconnect was already delivered "
        "(for example caught as `WebSocketDisconnect`, and the loop went on).",
        "Leave the receive loop when `WebSocketDisconnect` is raised, or use `iter_text()`, which ends by itself.",
        "../tutorial/disconnects.md",
        "Handling disconnects",
    ),
    "application_state CONNECTING (other)": Help(
        "The app sent a message before answering the handshake: `send_text()` and friends before `accept()`.",
        "Call `accept()` first, or `close()` to refuse.",
        "../tutorial/first-endpoint.md",
        "First endpoint",
    ),
    "application_state CONNECTED (other)": Help(
        "After `accept()`, the app sent something other than `websocket.send` or `websocket.close`: a second "
        "`accept()`, or a raw message of the wrong type.",
        "Accept once; after that, only send messages or close.",
        MATRIX,
        "Method × state matrix",
    ),
    "application_state DISCONNECTED (any)": Help(
        "The app sent after its own `close()`: a send in a loop that outlived the close, or a broadcast to a "
        "member that was already closed.",
        "Stop sending once you have closed; remove a member from the room before you close it.",
        "../tutorial/closing.md",
        "Closing with codes and reasons",
    ),
}

CONSTANT_HELP: dict[str, Help] = {
    "NOT_CONNECTED": Help(
        "A receive helper (`receive_text`, `iter_json`, ...) was called while the app has not accepted, or "
        "after it closed.",
        "Call `accept()` first. After `close()`, do not receive with the helpers.",
        MATRIX,
        "Method × state matrix",
    ),
    "BAD_MODE": Help(
        '`receive_json()` or `send_json()` got a `mode` other than `"text"` or `"binary"`.',
        'Pass `mode="text"` (the default) or `mode="binary"`.',
        "../tutorial/json.md",
        "JSON messages",
    ),
}


def row_text(row: transitions.Row) -> str:
    """A row's error text as a reader sees it, with `PLACEHOLDER` for the message type."""
    assert row.error is not None
    return row.error.format(type=Placeholder())


def entry(heading: str, help_: Help, extra: list[str] | None = None) -> list[str]:
    return [
        f"### `{heading}`",
        "",
        f"**Cause.** {help_.cause}",
        "",
        f"**Fix.** {help_.fix}",
        "",
        *(extra or []),
        f"See [{help_.link_text}]({help_.link}).",
        "",
    ]


def render() -> str:
    """One entry per error row of the table, then one per error constant of `reference_impl.websockets`."""
    lines: list[str] = []
    for row in transitions.TABLE:
        if row.error is None:
            continue
        if row.key not in ROW_HELP:
            raise KeyError(f"troubleshooting: no explanation for the table row {row.key!r}: add one to ROW_HELP")
        where = f"Raised as `RuntimeError` from `{row.side.value}` {row.state.name} (the table row `{row.key}`)."
        lines += entry(row_text(row), ROW_HELP[row.key], [where, ""])
    for name, help_ in CONSTANT_HELP.items():
        lines += entry(getattr(websockets, name), help_, [f"Raised as `RuntimeError` (`websockets.{name}`).", ""])
    return "\n".join(lines)


# uvicorn's own messages ---------------------------------------------------------


@dataclass(frozen=True)
class ServerEntry:
    """One heading taken from the capture: where its text is, which cases it covers, and the help."""

    source: str  # "app", "client", "log:N" (the Nth log record) or "console:N" (the Nth browser console line)
    case: str
    cases: tuple[str, ...]
    help: Help
    strip: str = ""  # A prefix to take off the captured text (e.g. "RuntimeError: ").
    after: str = ""  # Keep only what follows this marker (e.g. the part of a console line after the URL).


TUTORIAL_REJECTING = ("../tutorial/rejecting.md", "Rejecting before accept")

SERVER_ENTRIES = (
    ServerEntry(
        "app",
        "send-after-close",
        ("send-after-close",),
        Help(
            "The app sent after its own close, with raw `send()` (the `WebSocket` methods refuse earlier, with "
            "the reference's text above). uvicorn raises it from `send()`; uncaught, it is then logged as "
            '"Exception in ASGI application".',
            "Stop sending once you have closed.",
            MATRIX,
            "Method × state matrix",
        ),
        strip="RuntimeError: ",
    ),
    ServerEntry(
        "app",
        "send-after-client-left",
        ("send-after-client-left",),
        Help(
            "The client has gone (uvicorn delivered `websocket.disconnect`) and the app sent anyway. uvicorn "
            "raises `ClientDisconnected` (an `OSError`, from `uvicorn.protocols.utils`) with no text, and logs "
            "nothing when it ends the app.",
            "Treat a disconnect as the end of the conversation: stop sending, and in a room remove the member "
            "in `finally`. Catch `OSError` around sends to other members.",
            "../tutorial/broadcasting.md",
            "Broadcasting",
        ),
    ),
    ServerEntry(
        "log:0",
        "raise-after-accept",
        ("raise-after-accept", "raise-before-accept", "send-after-close"),
        Help(
            "The app raised. uvicorn logs the traceback under this line. After `accept()`, the client sees the "
            "connection drop without a close frame (1006); before it, the handshake fails with HTTP 500.",
            "Read the traceback below the line. Catch what you expect (`WebSocketDisconnect`) and close with "
            "1011 yourself for the rest, so the client gets a close frame.",
            "../concepts/close-codes.md",
            "Close codes",
        ),
    ),
    ServerEntry(
        "log:0",
        "return-without-accept",
        ("return-without-accept",),
        Help(
            "The app returned without `accept()` and without `close()`. uvicorn answers the handshake with HTTP 500.",
            "Refuse on purpose with `close()` (the client gets HTTP 403), or accept.",
            *TUTORIAL_REJECTING,
        ),
    ),
    ServerEntry(
        "client",
        "close-before-accept",
        ("close-before-accept", "no-route", "dependency-raised", "origin-refused"),
        Help(
            "The handshake was refused: the app (or the framework for it) closed before accepting. The cases "
            "below were each measured; the server's log line names the path.",
            "Find which of these applies: a path no route matches (check the URL and the route), a check that "
            "refused (a FastAPI dependency raising `WebSocketException`, a token, an `Origin` not on the list), "
            "or your own `close()` before `accept()`.",
            *TUTORIAL_REJECTING,
        ),
        strip="InvalidStatus: ",
    ),
    ServerEntry(
        "client",
        "return-without-accept",
        ("return-without-accept", "raise-before-accept"),
        Help(
            "The app returned or raised before it answered the handshake.",
            "Look for uvicorn's log line next to it (the two entries above).",
            *TUTORIAL_REJECTING,
        ),
        strip="InvalidStatus: ",
    ),
    ServerEntry(
        "console:0",
        "browser-403",
        ("browser-403", "browser-500"),
        Help(
            "Chromium's console line for a refused handshake: 403 when the app (or the framework: no route, a "
            "dependency, an `Origin` check) closed before accepting, 500 when it raised or returned before "
            "answering. The page's own code learns less: `onclose` gets 1006 and an empty reason, whatever the "
            "status, so it cannot tell a refusal from a server that is down.",
            "Look at the server's log for the same request (the 403 and 500 entries above list the causes "
            "measured). In the page, do not retry quickly forever on 1006: back off.",
            "shutdown.md#reconnect-with-backoff-in-the-browser",
            "Reconnect with backoff: in the browser",
        ),
        after="failed: ",
    ),
    ServerEntry(
        "log:1",
        "no-websocket-library",
        ("no-websocket-library",),
        Help(
            "uvicorn has no WebSocket backend (`--ws none`, or neither `websockets` nor `wsproto` installed). "
            "It logs this and serves the request as plain HTTP, so the client sees whatever the app answers an "
            "HTTP request on that path: for a FastAPI app with only a WebSocket route there, HTTP 404.",
            "Install `websockets` (or `uvicorn[standard]`), or `wsproto`, and leave `--ws` at `auto`.",
            "../concepts/servers.md",
            "What servers do",
        ),
    ),
    ServerEntry(
        "log:0",
        "lifespan-auto-unsupported",
        ("lifespan-auto-unsupported",),
        Help(
            "With `--lifespan auto` (the default), the app raised on the `lifespan` scope. uvicorn says so at "
            "INFO level and starts anyway, without lifespan events.",
            "Nothing, if the app has no start-up work. Otherwise handle `lifespan.startup` and "
            "`lifespan.shutdown`, and ignore other scope types you do not serve.",
            "shutdown.md",
            "Shut down gracefully",
        ),
    ),
    ServerEntry(
        "log:0",
        "lifespan-on-raises",
        ("lifespan-on-raises",),
        Help(
            "With `--lifespan on`, the app raised on the `lifespan` scope: uvicorn logs the traceback and does "
            "not start.",
            "Handle the `lifespan` scope, or run with `--lifespan auto`.",
            "shutdown.md",
            "Shut down gracefully",
        ),
    ),
    ServerEntry(
        "log:1",
        "lifespan-startup-failed",
        ("lifespan-on-raises", "lifespan-startup-failed"),
        Help(
            "Start-up failed: the app sent `lifespan.startup.failed` (its `message` is logged on the line "
            "before), or raised with `--lifespan on`. uvicorn does not start.",
            "Read the line before it: it is the app's own message or traceback.",
            "shutdown.md",
            "Shut down gracefully",
        ),
    ),
    ServerEntry(
        "log:2",
        "lifespan-shutdown-failed",
        ("lifespan-shutdown-failed",),
        Help(
            "The app sent `lifespan.shutdown.failed`; its `message` is logged on the line before.",
            "Read the line before it. The WebSocket connections were closed before this (see the shutdown page).",
            "shutdown.md",
            "Shut down gracefully",
        ),
    ),
)


def captured_text(case: dict[str, Any], source: str) -> str:
    """The text `source` names in the first backend of `case`."""
    result = next(iter(case["backends"].values()))
    if source.startswith("log:"):
        return str(result["log"][int(source[4:])]["text"])
    if source.startswith("console:"):
        return str(result["console"][int(source[8:])])
    return str(result[source])


def heading_text(item: ServerEntry, case: dict[str, Any]) -> str:
    """The entry's heading: the captured text, cut as the entry says."""
    text = captured_text(case, item.source).removeprefix(item.strip)
    return text.split(item.after, 1)[-1] if item.after else text


def code(text: str) -> str:
    return f"<code>{html.escape(text, quote=False)}</code>".replace("|", "&#124;")


def log_cell(log: list[dict[str, str]]) -> str:
    lines = [f"{record['level']}: {record['text']}" for record in log]
    lines += [f"    {record['exception']}" for record in log if "exception" in record]
    return "<br>".join(code(line) for line in lines) or "(nothing)"


def facts(cases: dict[str, dict[str, Any]], ids: tuple[str, ...]) -> list[str]:
    """A table of what was measured in each case: per backend, what the client, the app and the log showed."""
    lines = [
        "| Situation | Backend | The client saw | The app saw | uvicorn logged |",
        "| --- | --- | --- | --- | --- |",
    ]
    for case_id in ids:
        case = cases[case_id]
        for backend, result in case["backends"].items():
            client = code(result["client"]) if result.get("client") else "-"
            if result.get("console"):
                client = "<br>".join([*(code(f"console: {line}") for line in result["console"]), client])
            app = code(result["app"]) if result.get("app") else "-"
            if "started" in result:
                client = "uvicorn started" if result["started"] else "uvicorn did not start"
            lines.append(f"| {case['title']} | `{backend}` | {client} | {app} | {log_cell(result['log'])} |")
    return [*lines, ""]


def render_server(path: Path | None = None) -> str:
    """One entry per message of `SERVER_ENTRIES`, its heading taken from the capture."""
    document = SERVER_MESSAGES.read_document(path)
    cases = {case["id"]: case for case in document["data"]["cases"]}
    lines = [f"*{describe(document['environment'])}*", ""]
    for item in SERVER_ENTRIES:
        if item.case not in cases:  # The browser cases need Chromium when the capture is made.
            continue
        lines += entry(heading_text(item, cases[item.case]), item.help, facts(cases, item.cases))
    return "\n".join(lines)
