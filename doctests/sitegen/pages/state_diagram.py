"""The two state machines as inline SVG, drawn from `reference_impl.transitions.TABLE`.

One diagram per side. States sit in a row, in enum order. A transition to the
next state is a straight arrow, a transition that skips a state arcs over the
row, a transition to the same state is a loop on top, and an error row is a
dashed arrow down to its `RuntimeError`. Colours come from the theme's CSS
variables (`docs/assets/extra.css`), so the diagram reads in light and dark.

For screen readers each diagram is one image (`role="img"`) named by its
`<title>` and described by its `<desc>` (`aria-labelledby`,
`aria-describedby`), which says in words every arrow the picture draws and
every error message. Nothing is shown only on hover: the error messages are
in that description and in the transition table under the diagram.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape

from reference_impl.transitions import ANY, OTHER, TABLE, Row, Side, WebSocketState

BOX_W, BOX_H, GAP, MARGIN = 150, 44, 190, 50
TOP = 160  # y of the boxes' top edge: room above for loops and arcs
HEIGHT = TOP + BOX_H + 76
LABELS = {ANY: "any call", OTHER: "any other type"}
WHAT_MOVES = {
    Side.CLIENT: "moved by the messages the application receives",
    Side.APPLICATION: "moved by the messages the application sends",
}


def centre_x(state: WebSocketState) -> float:
    return MARGIN + BOX_W / 2 + list(WebSocketState).index(state) * (BOX_W + GAP)


def label(row: Row) -> str:
    return LABELS.get(row.message_type, row.message_type)


def text(x: float, y: float, lines: list[str], anchor: str = "middle") -> str:
    spans = "".join(
        f'<tspan x="{x:.0f}" dy="{0 if i == 0 else 15}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    return f'<text x="{x:.0f}" y="{y:.0f}" text-anchor="{anchor}">{spans}</text>'


def edge(path: str, label_svg: str, marker: str, *, error: bool = False) -> str:
    kind = "edge error" if error else "edge"
    return f'<g class="{kind}"><path d="{path}" marker-end="url(#{marker})"/>{label_svg}</g>'


def description(side: Side) -> str:
    """The diagram in words, for its `<desc>`: the states, each transition, each error."""
    rows = [row for row in TABLE if row.side is side]
    states = ", ".join(state.name for state in WebSocketState)
    sentences = [f"States, left to right: {states}."]
    for row in rows:
        if row.next_state is not None:
            sentences.append(f"From {row.state.name}, {label(row)} moves to {row.next_state.name}.")
        elif row.error is not None:
            message = row.error.replace("{type!r}", "the type of the message").rstrip(".")
            sentences.append(f"In {row.state.name}, {label(row)} raises RuntimeError: {message}.")
    return " ".join(sentences)


def diagram(side: Side) -> str:
    rows = [row for row in TABLE if row.side is side]
    states = list(WebSocketState)
    width = MARGIN * 2 + len(states) * BOX_W + (len(states) - 1) * GAP
    name = side.name.lower()
    arrow, error_arrow = f"arrow-{name}", f"error-{name}"
    parts = [
        f'<svg class="state-diagram" viewBox="0 0 {width} {HEIGHT}" width="{width}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="title-{name}" aria-describedby="desc-{name}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="title-{name}">{side.value}: {WHAT_MOVES[side]}</title>',
        f'<desc id="desc-{name}">{escape(description(side))}</desc>',
        "<defs>",
        *(
            f'<marker id="{name}" class="{cls}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>'
            for name, cls in ((arrow, "ok"), (error_arrow, "error"))
        ),
        "</defs>",
        f'<text class="title" x="{MARGIN}" y="18">{side.value}: {WHAT_MOVES[side]}</text>',
    ]
    # Transitions between the same two states share one arrow and stack their labels.
    moves: dict[tuple[WebSocketState, WebSocketState], list[str]] = defaultdict(list)
    for row in rows:
        if row.next_state is not None:
            moves[row.state, row.next_state].append(label(row))
    mid_y = TOP + BOX_H / 2
    for (source, target), labels in moves.items():
        x1, x2 = centre_x(source), centre_x(target)
        steps = states.index(target) - states.index(source)
        if steps == 0:  # a loop on top of the box
            path = f"M{x1 - 18:.0f},{TOP} C{x1 - 45:.0f},{TOP - 50} {x1 + 45:.0f},{TOP - 50} {x1 + 18:.0f},{TOP}"
            parts.append(edge(path, text(x1, TOP - 58 - 15 * (len(labels) - 1), labels), arrow))
        elif steps == 1:  # straight to the next box
            path = f"M{x1 + BOX_W / 2:.0f},{mid_y:.0f} L{x2 - BOX_W / 2 - 2:.0f},{mid_y:.0f}"
            parts.append(edge(path, text((x1 + x2) / 2, mid_y - 8 - 15 * (len(labels) - 1), labels), arrow))
        else:  # an arc over the boxes in between (or back, for a backward move)
            lift = 110 + 15 * abs(steps)  # high enough to clear a loop and its label
            start, end = x1 + 40 * (1 if steps > 0 else -1), x2 - 40 * (1 if steps > 0 else -1)
            path = f"M{start:.0f},{TOP} C{start:.0f},{TOP - lift} {end:.0f},{TOP - lift} {end:.0f},{TOP}"
            parts.append(edge(path, text((x1 + x2) / 2, TOP - lift * 0.75 - 8, labels), arrow))
    for row in rows:
        if row.error is not None:
            x = centre_x(row.state)
            path = f"M{x:.0f},{TOP + BOX_H} L{x:.0f},{TOP + BOX_H + 28}"
            parts.append(
                edge(path, text(x, TOP + BOX_H + 44, [f"{label(row)} → RuntimeError"]), error_arrow, error=True)
            )
    for state in states:
        x = centre_x(state) - BOX_W / 2
        parts.append(
            f'<g class="state"><rect x="{x:.0f}" y="{TOP}" width="{BOX_W}" height="{BOX_H}" rx="8"/>'
            f"{text(centre_x(state), mid_y + 5, [state.name])}</g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def render() -> str:
    # One line per diagram: Markdown leaves a single-line HTML block alone.
    return "\n\n".join(f'<div class="generated-diagram">{diagram(side)}</div>' for side in Side)
