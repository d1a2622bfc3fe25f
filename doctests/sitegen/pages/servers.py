"""Generate the "What servers do" comparison from the probe's measurements.

`render()` reads `builddata.SERVERS`, which `doctests/measure/probe.py` writes
from real runs of five server configurations, and returns Markdown: one table
with a column per server and a row per case (`ROWS`), then what that means for
portable code (`statements()`). Every cell and every server list in a sentence
is computed from the recorded observations; nothing is typed by hand except the
row labels, the sentence frames and the links to the pages that teach each
behaviour. Each row has a stable anchor, `#row-<id>`, for other pages to link.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from doctests.builddata import SERVERS, describe

Json = dict[str, Any]
MiB = 1024 * 1024


# Reading one server's observations ---------------------------------------------


def notes(server: Json, case: str) -> list[Json]:
    return list(server["cases"][case]["app"])


def client(server: Json, case: str) -> Json:
    return dict(server["cases"][case]["client"])


def messages(app: list[Json], kind: str) -> list[Json]:
    """The messages of type `kind` the app received."""
    return [note["message"] for note in app if note["op"] == "receive" and note.get("message", {}).get("type") == kind]


def first_disconnect(app: list[Json]) -> Json | None:
    found = messages(app, "websocket.disconnect")
    return found[0] if found else None


def received(server: Json, case: str) -> Json:
    """The first `websocket.receive` message of a case."""
    return messages(notes(server, case), "websocket.receive")[0]


def short_error(note: Json) -> str:
    return str(note["error"]).rpartition(".")[2]


def send_outcomes(app: list[Json], kind: str) -> list[str]:
    """How each `send()` of a message of type `kind` ended: "returns" or "raises `Name`"."""
    outcomes = []
    for note in app:
        if note["op"] == "send" and note["message"]["type"] == kind:
            if note.get("ok"):
                outcomes.append("returns")
            elif "error" in note:
                outcomes.append(f"raises {short_error(note)}" + (" (OSError)" if note["oserror"] else ""))
            else:
                outcomes.append("hangs")
    return outcomes


def code_text(message: Json | None, with_reason: bool = False) -> str:
    """A disconnect's code, marked when it is an IntEnum, and its reason if asked."""
    if message is None:
        return "nothing"
    text = str(message.get("code"))
    if with_reason:
        text += f" '{message['reason']}'" if message.get("reason") else ", no reason"
    return text


def closing(server: Json, case: str) -> str:
    """What the client got at the end: a close frame's code, or how TCP ended."""
    after = client(server, case).get("after", {})
    if "close" in after:
        code = after["close"]["code"]
        return "empty close" if code is None else f"close {code}"
    return str(after.get("end", "nothing"))


def handshake(server: Json, case: str) -> str:
    seen = client(server, case)["handshake"]
    if seen.get("status") is None:
        return str(seen.get("end", "no response")).replace(" within ", " in ")
    return str(seen["status"])


# The cells ---------------------------------------------------------------------


def message_keys(case: str) -> Callable[[Json], str]:
    def cell(server: Json) -> str:
        message = received(server, case)
        keys = [key for key in message if key != "type"]
        return ", ".join(f"`{key}`" if message[key] is not None else f"`{key}: None`" for key in sorted(keys))

    return cell


def disconnect_code(case: str, with_reason: bool = False) -> Callable[[Json], str]:
    def cell(server: Json) -> str:
        return code_text(first_disconnect(notes(server, case)), with_reason)

    return cell


def send_after(case: str) -> Callable[[Json], str]:
    def cell(server: Json) -> str:
        return " / ".join(dict.fromkeys(send_outcomes(notes(server, case), "websocket.send")))

    return cell


def accept_headers(server: Json) -> str:
    return "arrives" if "x-probe" in client(server, "accept-headers")["handshake"].get("headers", []) else "dropped"


def reject(server: Json) -> str:
    return f"{handshake(server, 'reject')}; app gets {code_text(first_disconnect(notes(server, 'reject')))}"


def deny(server: Json) -> str:
    seen = client(server, "deny-response")["handshake"]
    text = handshake(server, "deny-response")
    if seen.get("status") is not None:
        text += " + body" if "denied" in seen.get("body", "") else ", no body"
        if "sec-websocket-accept" in seen.get("headers", []):
            text += " + upgrade headers"
    return text


def before_accept(case: str) -> Callable[[Json], str]:
    def cell(server: Json) -> str:
        return handshake(server, case)

    return cell


def app_closes(case: str) -> Callable[[Json], str]:
    """What a close the app should not send became: the send's outcome, then what reached the client."""

    def cell(server: Json) -> str:
        outcome = send_outcomes(notes(server, case), "websocket.close")[0]
        after = client(server, case).get("after", {})
        if "close" in after:
            frame = after["close"]
            wire = f"sends {frame['code']}"
            if case == "close-reason":
                wire += f" '{frame['reason']}'" if frame["reason"] else ", reason dropped"
            elif case == "close-long-reason":
                size = frame["reason_bytes"]
                wire += f", {size}-byte reason" if size else ", reason dropped"
                wire += " (invalid frame)" if size > 123 else ""
        else:
            wire = "no close frame"
        return wire if outcome == "returns" else f"{outcome}, {wire}"

    return cell


def too_big(case: str) -> Callable[[Json], str]:
    def cell(server: Json) -> str:
        app = notes(server, case)
        if messages(app, "websocket.receive"):
            return "app gets it"
        return f"app gets {code_text(first_disconnect(app))}; client: {closing(server, case)}"

    return cell


def invalid_utf8(server: Json) -> str:
    app = code_text(first_disconnect(notes(server, "invalid-utf8")))
    return f"app gets {app}; client: {closing(server, 'invalid-utf8')}"


def subprotocol(server: Json) -> str:
    seen = client(server, "subprotocol-not-offered")["handshake"]
    if seen.get("status") == 101:
        return f"101 with `{seen['header_values'].get('sec-websocket-protocol', '')}`"
    outcome = send_outcomes(notes(server, "subprotocol-not-offered"), "websocket.accept")[0]
    return f"accept {outcome}; no response" if seen.get("status") is None else f"accept {outcome}; {seen['status']}"


def scope(server: Json) -> Json:
    return next(note["scope"] for note in notes(server, "scope") if note["op"] == "scope")


def scope_spec(server: Json) -> str:
    asgi = scope(server)["asgi"]
    return str(asgi.get("spec_version", "no `spec_version`")) if isinstance(asgi, dict) else "no `asgi`"


STANDARD_KEYS = ("http_version", "scheme", "extensions", "state")


def scope_missing(server: Json) -> str:
    missing = [f"`{key}`" for key in STANDARD_KEYS if key not in scope(server)["keys"]]
    return "none missing" if not missing else "no " + ", ".join(missing)


def scope_address(server: Json) -> str:
    seen = scope(server)
    return f"{seen['client_type']}, {seen['client_port_type']} port"


def scope_protocol_header(server: Json) -> str:
    return "yes" if "sec-websocket-protocol" in scope(server)["handshake_headers"] else "left out"


def shutdown_client(signal_name: str) -> Callable[[Json], list[str]]:
    def cell(server: Json) -> list[str]:
        outcomes = []
        for run in server["shutdown"][signal_name]:
            after = run["client"].get("after", {})
            if "close" in after:
                text = f"close {after['close']['code']}"
                text += f" after {round(after['after'])} s" if after["after"] >= 1 else ""
            else:
                text = f"{after.get('end', 'nothing')}, no close frame"
            outcomes.append(text)
        return outcomes

    return cell


def shutdown_app(server: Json) -> list[str]:
    outcomes = []
    for runs in server["shutdown"].values():
        for run in runs:
            steps = []
            for note in run["app"][2:]:  # After `websocket.connect` and the accept.
                if note["op"] == "receive" and "message" in note:
                    steps.append(code_text(note["message"]))
                elif note["op"] == "receive" and "error" in note:
                    steps.append(f"receive() raises {short_error(note)}")
                elif note["op"] == "send":
                    steps.append("send " + send_outcomes([note], "websocket.send")[0])
                if len(steps) == 2:
                    break
            outcomes.append("; ".join(steps) or "nothing")
    return outcomes


def exit_codes(server: Json) -> list[str]:
    by_signal: dict[str, list[str]] = {}
    for process in server["processes"]:
        if process["role"] != "cases":
            by_signal.setdefault(process["signal"], []).append(str(process["exit_code"]))
    return [" · ".join(f"{name} {'/'.join(dict.fromkeys(codes))}" for name, codes in by_signal.items())]


def size_text(size: int | None) -> str:
    if size is None:
        return "none"
    return f"{size / MiB:g} MiB" if size % MiB == 0 else f"{size} B"


def keepalive(server: Json) -> str:
    defaults = server["defaults"]
    if defaults["ping_interval"] is None:
        return "no pings"
    timeout = defaults["ping_timeout"]
    return f"ping at {defaults['ping_interval']:g} s" + (f", timeout {timeout:g} s" if timeout is not None else "")


def size_limit(server: Json) -> str:
    defaults = server["defaults"]
    if defaults["max_message"] is None:
        return "no option"
    text = size_text(defaults["max_message"])
    return text + (f" (frame {size_text(defaults['max_frame'])})" if "max_frame" in defaults else "")


# The rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of the comparison: what it shows, which probe case, and where the site teaches it.

    Attributes:
        id: The row's anchor is `row-<id>`.
        label: The short label in the first column.
        case: The probe case (or `defaults`, read from the server's configuration).
        teaches: The page (and anchor) that teaches this behaviour, relative to `docs/`.
        cell: The cell text, or one text per run where the case runs more than once.
    """

    id: str
    label: str
    case: str
    teaches: str
    cell: Callable[[Json], str | list[str]]

    def outcomes(self, server: Json) -> list[str]:
        """The distinct outcomes on one server (several when runs differed)."""
        found = self.cell(server)
        return [found] if isinstance(found, str) else sorted(set(found))  # Runs in a stable order.


MESSAGES = "concepts/messages.md"
CLOSE_CODES = "concepts/close-codes.md"
ROWS = (
    Row("text-frame", "Text frame: message keys", "text-frame", f"{MESSAGES}#websocketreceive",
        message_keys("text-frame")),
    Row("binary-frame", "Binary frame: message keys", "binary-frame", f"{MESSAGES}#websocketreceive",
        message_keys("binary-frame")),
    Row("client-close", "Client closes 4001 'bye': app gets", "client-close", f"{MESSAGES}#websocketdisconnect",
        disconnect_code("client-close", with_reason=True)),
    Row("client-close-empty", "Empty close frame: app gets", "client-close-empty",
        f"{CLOSE_CODES}#1005-and-1006-reported-never-sent", disconnect_code("client-close-empty")),
    Row("tcp-drop", "TCP drop: app gets", "tcp-drop", f"{CLOSE_CODES}#1005-and-1006-reported-never-sent",
        disconnect_code("tcp-drop")),
    Row("send-after-close", "Send after client closed", "send-after-close", f"{MESSAGES}#websocketsend",
        send_after("send-after-close")),
    Row("send-after-drop", "Send after TCP drop", "send-after-drop", f"{MESSAGES}#websocketsend",
        send_after("send-after-drop")),
    Row("send-after-disconnect", "Send after disconnect", "send-after-disconnect",
        f"{MESSAGES}#websocketsend", send_after("send-after-disconnect")),
    Row("accept-headers", "Headers on accept", "accept-headers", f"{MESSAGES}#websocketaccept", accept_headers),
    Row("reject", "Close before accept", "reject", "reference/websocket-close.md#rejecting-some-connections", reject),
    Row("deny-response", "Denial response (401)", "deny-response", f"{MESSAGES}#the-denial-response-extension",
        deny),
    Row("return-before-accept", "Return before accept", "return-before-accept", f"{MESSAGES}#websocketconnect",
        before_accept("return-before-accept")),
    Row("raise-before-accept", "Raise before accept", "raise-before-accept", f"{MESSAGES}#websocketconnect",
        before_accept("raise-before-accept")),
    *(
        Row(f"close-{code}", f"App closes with {code}", f"close-{code}", f"{CLOSE_CODES}#the-codes",
            app_closes(f"close-{code}"))
        for code in (1005, 1006, 999, 5000)
    ),
    Row("close-reason", "App closes 4000 'done'", "close-reason", f"{MESSAGES}#websocketclose",
        app_closes("close-reason")),
    Row("close-long-reason", "App's reason of 124 bytes", "close-long-reason",
        f"{CLOSE_CODES}#the-reason-at-most-123-bytes", app_closes("close-long-reason")),
    Row("size-1MiB+1", "1 MiB + 1 message", "size-1MiB+1", f"{CLOSE_CODES}#codes-you-will-use",
        too_big("size-1MiB+1")),
    Row("size-16MiB+1", "16 MiB + 1 message", "size-16MiB+1", f"{CLOSE_CODES}#codes-you-will-use",
        too_big("size-16MiB+1")),
    Row("size-default", "Default size limit", "defaults", f"{CLOSE_CODES}#codes-you-will-use", size_limit),
    Row("invalid-utf8", "Invalid UTF-8 text", "invalid-utf8", f"{CLOSE_CODES}#codes-you-will-use", invalid_utf8),
    Row("subprotocol", "Subprotocol not offered", "subprotocol-not-offered", f"{MESSAGES}#websocketaccept",
        subprotocol),
    Row("scope-spec", "Scope: spec_version", "scope", f"{MESSAGES}#the-scope", scope_spec),
    Row("scope-keys", "Scope keys missing", "scope", f"{MESSAGES}#the-scope", scope_missing),
    Row("scope-address", "Scope: client address", "scope", f"{MESSAGES}#the-scope", scope_address),
    Row("scope-headers", "Scope: protocol header", "scope", f"{MESSAGES}#the-scope",
        scope_protocol_header),
    Row("shutdown-sigint", "SIGINT: client gets", "shutdown", f"{CLOSE_CODES}#codes-you-will-use",
        shutdown_client("SIGINT")),
    Row("shutdown-sigterm", "SIGTERM: client gets", "shutdown", f"{CLOSE_CODES}#codes-you-will-use",
        shutdown_client("SIGTERM")),
    Row("shutdown-app", "Shutdown: app gets", "shutdown", f"{MESSAGES}#websocketdisconnect", shutdown_app),
    Row("shutdown-exit", "Exit status", "shutdown", f"{CLOSE_CODES}#codes-you-will-use", exit_codes),
    Row("keepalive", "Keepalive default", "defaults", "concepts/reliability.md", keepalive),
)  # fmt: skip


def measured(data: Json) -> list[Json]:
    """The servers that ran (installed ones)."""
    return [server for server in data["servers"] if "skipped" not in server]


def disagree(row: Row, servers: list[Json]) -> bool:
    return len({tuple(row.outcomes(server)) for server in servers}) > 1


def majority(row: Row, servers: list[Json]) -> tuple[str, ...] | None:
    """The outcome most servers share, if more servers share it than any other (ties: None)."""
    counts = Counter(tuple(row.outcomes(server)) for server in servers).most_common(2)
    if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
        return None
    return counts[0][0]


def varies(row: Row, servers: list[Json]) -> bool:
    return any(len(row.outcomes(server)) > 1 for server in servers)


# What this means for portable code -----------------------------------------------


@dataclass(frozen=True)
class Statement:
    """One sentence for portable code, and the group it puts each server in."""

    id: str
    text: str
    by_server: dict[str, str]


def names(servers: list[Json], ids: list[str]) -> str:
    found = [server["name"] for server in servers if server["id"] in ids]
    if not found:
        return "none"
    return str(found[0]) if len(found) == 1 else ", ".join(found[:-1]) + " and " + found[-1]


def grouped(servers: list[Json], by_server: dict[str, str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for server in servers:
        groups.setdefault(by_server[server["id"]], []).append(server["id"])
    return groups


def listing(servers: list[Json], by_server: dict[str, str], template: str = "{value} on {names}") -> str:
    """`value on A and B; other on C` for each group."""
    return "; ".join(
        template.format(value=value, names=names(servers, ids)) for value, ids in grouped(servers, by_server).items()
    )


def link(row: str) -> str:
    return f"[row](#row-{row})"


def statements(data: Json) -> list[Statement]:
    """The portable-code sentences, each with the servers it holds for, computed from the rows' data."""
    servers = measured(data)
    every = len(servers)
    result = []

    def text_test(server: Json) -> str:
        text, binary = received(server, "text-frame"), received(server, "binary-frame")
        works = text.get("text") is not None and binary.get("text") is None and binary.get("bytes") is not None
        if not works:
            return "fails"
        return "`text: None`" if "text" in binary else "no `text` key"

    by = {server["id"]: text_test(server) for server in servers}
    works = [sid for sid, value in by.items() if value != "fails"]
    holds = "all" if len(works) == every else f"{len(works)} of the {every}"
    key_missing = [sid for sid, value in by.items() if value == "no `text` key"]
    key_none = [sid for sid, value in by.items() if value == "`text: None`"]
    result.append(
        Statement(
            "text-or-bytes",
            f'Tell a text frame from a binary one with `message.get("text") is not None`: that works on {holds} '
            f'servers ({link("text-frame")}, {link("binary-frame")}). `"text" in message` does not: a binary '
            f'frame\'s message carries `text: None` on {names(servers, key_none)}. So `message["text"]` on a binary '
            f"frame (what Starlette's `receive_text()` does) raises `KeyError` on {names(servers, key_missing)}, "
            f"and returns `None` on {names(servers, key_none)}.",
            by,
        )
    )

    def send_after_leaving(server: Json) -> str:
        outcomes = {
            outcome.split(" (")[0]
            for case in ("send-after-close", "send-after-drop", "send-after-disconnect")
            for outcome in send_outcomes(notes(server, case), "websocket.send")
        }
        return outcomes.pop() if len(outcomes) == 1 else "either"

    by = {server["id"]: send_after_leaving(server) for server in servers}
    result.append(
        Statement(
            "send-after-leaving",
            "Do not rely on `send()` raising once the client has gone ("
            + link("send-after-close")
            + "): it "
            + listing(servers, by)
            + ". A `send()` that returns has dropped the message. Stop sending at the first "
            "`websocket.disconnect`, and treat an `OSError` from `send()` the same way.",
            by,
        )
    )

    def client_reason(server: Json) -> str:
        message = first_disconnect(notes(server, "client-close"))
        return "arrived" if message and message.get("reason") == "bye" else "did not arrive"

    def app_reason(server: Json) -> str:
        after = client(server, "close-reason").get("after", {})
        return "arrived" if after.get("close", {}).get("reason") == "done" else "did not arrive"

    by = {server["id"]: client_reason(server) for server in servers}
    by_app = {server["id"]: app_reason(server) for server in servers}
    result.append(
        Statement(
            "client-reason",
            "Do not rely on a close reason arriving. The client's reason 'bye' "
            + listing(servers, by, "{value} in the app on {names}")
            + f" ({link('client-close')}).",
            by,
        )
    )
    result.append(
        Statement(
            "app-reason",
            "The app's reason 'done' "
            + listing(servers, by_app, "{value} at the client on {names}")
            + f" ({link('close-reason')}).",
            by_app,
        )
    )

    for case, what in (("client-close", "a client's close with 4001"), ("tcp-drop", "a dropped TCP connection")):
        by = {server["id"]: code_text(first_disconnect(notes(server, case))) for server in servers}
        result.append(
            Statement(
                f"code-{case}",
                f"Do not branch on the exact disconnect code: {what} reached the app as "
                + listing(servers, by)
                + f" ({link(case)}).",
                by,
            )
        )

    by = {server["id"]: accept_headers(server) for server in servers}
    result.append(
        Statement(
            "accept-headers",
            "Do not rely on headers passed to `accept()` reaching the client: they "
            + listing(servers, {sid: "arrived" if v == "arrives" else "were dropped" for sid, v in by.items()})
            + f" ({link('accept-headers')}).",
            by,
        )
    )

    by = {
        server["id"]: "accepted" if too_big("size-1MiB+1")(server) == "app gets it" else "refused" for server in servers
    }
    result.append(
        Statement(
            "size",
            "Keep messages within 1 MiB, or set the server's limit: 1 MiB + 1 byte was "
            + listing(servers, by)
            + f" ({link('size-1MiB+1')}).",
            by,
        )
    )

    bad = ("close-1005", "close-1006", "close-999", "close-5000", "close-long-reason")
    by = {server["id"]: "as asked" if all(app_closes(case)(server) == f"sends {case[6:]}" for case in bad[:4])
          else "otherwise" for server in servers}  # fmt: skip
    distinct = {row: len({app_closes(row)(server) for server in servers}) for row in bad}
    result.append(
        Statement(
            "close-codes",
            "Close with 1000 or a code in 3000–4999 and a reason of at most 123 UTF-8 bytes. Asked for 1005, "
            f"the servers did {distinct['close-1005']} different things ({link('close-1005')}); a 124-byte "
            f"reason gave {distinct['close-long-reason']} different results ({link('close-long-reason')}).",
            by,
        )
    )

    def denial(server: Json) -> str:
        return "honoured" if deny(server).startswith("401 + body") else "not honoured"

    by = {server["id"]: denial(server) for server in servers}
    result.append(
        Statement(
            "deny-response",
            'Check `"websocket.http.response" in scope.get("extensions", {})` before sending a denial '
            "response: it was " + listing(servers, by) + f" ({link('deny-response')}).",
            by,
        )
    )

    def shutdown(server: Json) -> str:
        codes = dict.fromkeys(text.split(" after")[0] for text in shutdown_client("SIGTERM")(server))
        return " or ".join(codes)

    by = {server["id"]: shutdown(server) for server in servers}
    result.append(
        Statement(
            "shutdown",
            "Do not count on a close frame when the server stops: after SIGTERM the client got "
            + listing(servers, by)
            + f" ({link('shutdown-sigterm')}).",
            by,
        )
    )
    return result


# The page ------------------------------------------------------------------------


def escape(text: str) -> str:
    """A cell's text, safe inside a Markdown table."""
    return text.replace("|", "&#124;")


def table(data: Json) -> list[str]:
    servers = measured(data)
    heading = " | ".join(server["name"].replace(" (", "<br>(") for server in servers)
    # The first column marks rows where servers disagree; its header says so (no empty header cell).
    lines = [f"| Differs | Case | {heading} |", "| --- | --- |" + " --- |" * len(servers)]
    for row in ROWS:
        label = f"[{row.label}]({'../' + row.teaches if not row.teaches.startswith('concepts/') else row.teaches[9:]})"
        differs = disagree(row, servers)
        marker = "≠" if differs else ""
        if varies(row, servers):
            marker += " ~"
        cells = []
        usual = majority(row, servers)
        for server in servers:
            outcomes = row.outcomes(server)
            text = " <em>or</em> ".join(escape(outcome) for outcome in outcomes)
            if len(outcomes) > 1:
                text += " ~"
            cells.append(f"**{text}**" if differs and tuple(outcomes) != usual else text)
        shown = f"**{label}**" if differs else label
        lines.append(f'| {marker} | <span id="row-{row.id}"></span>{shown} | ' + " | ".join(cells) + " |")
    return lines


def folded(title: str, lines: list[str]) -> list[str]:
    """A collapsed block (pymdownx.details), so the details stay out of the way of the table."""
    return [f'??? info "{title}"', "", *(f"    {line}" if line else "" for line in lines), ""]


def details(data: Json) -> list[str]:
    servers = measured(data)
    cases = ["| Case | What happens |", "| --- | --- |"]
    cases += [f"| `{case['id']}` | {escape(case['does'])} |" for case in data["cases"]]
    processes = [
        "| Server | Command | Processes | Exit after the signal | Left over |",
        "| --- | --- | --- | --- | --- |",
    ]
    for server in servers:
        started = server["processes"]
        children = sum(len(process["children"]) for process in started)
        exits = ", ".join(sorted({f"{process['exit_seconds']:.1f} s" for process in started}))
        left = sum(len(process["left_over"]) + process["killed"] for process in started)
        command = html.escape(" ".join(server["command"][2:-1]), quote=False)
        processes.append(
            f"| {server['name']} | `{command}` | {len(started)} servers, {children} child processes | "
            f"{exits} | {left} |"
        )
    defaults = [f"- {server['name']}: {server['defaults']['source']}." for server in servers]
    return [
        *folded("What the probe did in each case", cases),
        *folded("The server processes: started, signalled, checked for leftovers", processes),
        *folded("Where the defaults were read", defaults),
    ]


def render(path: Path | None = None) -> str:
    """Return the Markdown comparison for the measurements in `path`.

    Raises:
        MissingInput: `path` does not exist; the message names the make target that makes it.
    """
    document = SERVERS.read_document(path)
    data = document["data"]
    servers = measured(data)
    versions = ", ".join(
        f"{server['name']} {server['version']}"
        + (f" ({server['backend_version']})" if "backend_version" in server else "")
        for server in servers
    )
    skipped = [f"{server['name']}: {server['skipped']}" for server in data["servers"] if "skipped" in server]
    config = data["config"]
    lines = [
        f"Servers: {versions}. {describe(document['environment'])} The probe took {data['seconds']:g} s. "
        f"A client's wait for something that may not come was {config['window_seconds']:g} s. "
        f"The shutdown case ran {config['shutdown_runs']} times per signal, every other case once.",
        "",
        *([f"Not measured: {'; '.join(skipped)}.", ""] if skipped else []),
        "**≠** marks a row where the servers disagree: its label is bold, and so is every cell that differs "
        "from what most servers do (all of them when there is no majority). **~** marks an outcome that differed "
        "between runs, and *or* joins the outcomes seen. Each case links to the page that teaches it.",
        "",
        *table(data),
        "",
        *details(data),
        "",
        "## What this means for portable code",
        "",
        *(f"- {statement.text}" for statement in statements(data)),
    ]
    return "\n".join(lines) + "\n"
