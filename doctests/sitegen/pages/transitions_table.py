"""The transition table, rendered from `reference_impl.transitions.TABLE`."""

from __future__ import annotations

from reference_impl.transitions import ANY, OTHER, TABLE, Row, WebSocketState

PSEUDO = {ANY: "*any* (nothing is read)", OTHER: "*any other type*"}
REGION_LABEL = "Transition table: side, state, message type, outcome"


def outcome(row: Row) -> str:
    """The cell for a row's outcome: the next state, or the error text."""
    if isinstance(row.outcome, WebSocketState):
        return f"→ `{row.outcome.name}`"
    text = row.outcome.replace("{type!r}", "'<type>'")
    return f"`RuntimeError`: `{text}`"


def render() -> str:
    lines = [
        "| side | state | message type | outcome |",
        "|---|---|---|---|",
    ]
    for row in TABLE:
        message = PSEUDO.get(row.message_type, f"`{row.message_type}`")
        lines.append(f"| `{row.side.value}` | `{row.state.name}` | {message} | {outcome(row)} |")
    rows = len(TABLE)
    errors = sum(row.error is not None for row in TABLE)
    lines += ["", f"{rows} rows: {rows - errors} transitions and {errors} errors, read from `TABLE` at build time."]
    # The table is wider than a phone: it scrolls in its wrapper, which a
    # keyboard can focus (and so scroll) and a screen reader announces by name.
    wrapper = f'<div class="generated-table" role="region" tabindex="0" aria-label="{REGION_LABEL}" markdown>'
    return wrapper + "\n\n" + "\n".join(lines) + "\n\n</div>"
