"""Wide tables scroll in a wrapper a keyboard can reach and a screen reader can name.

Wider than the column (the matrix, the transition table, the figures; on a
phone, hand-written tables too), a table scrolls sideways. Material wraps
each one in a scrolling `<div>` that no key can focus, so a keyboard-only
reader could never see its right-hand columns (WCAG 2.1.1; axe:
scrollable-region-focusable). So the hook passes each page's Markdown, with
its generated parts in place, through `RegionNamer.label_regions`:

* a Markdown table (at the start of a line, outside code fences) that is not
  already in a wrapper is put in `<div class="table-region" markdown>`;
* every wrapper (`table-region`, or the `generated-table` a generator writes)
  that has no `role` yet gets `role="region"`, `tabindex="0"` and an
  `aria-label` made from the heading above it ("Table: <heading>"), numbered
  when one heading has several tables, since regions are landmarks and a
  page's landmarks must have distinct names.

`docs/assets/extra.css` makes the wrapper the one that scrolls, and draws its
focus ring.
"""

from __future__ import annotations

import re
from collections import Counter
from html import escape

HEADING = re.compile(r"^#{1,6}[ \t]+(?P<text>.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
HTML_HEADING = re.compile(r"<h[1-6][^>]*>(?P<text>.*?)</h[1-6]>", re.DOTALL)
FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,}).*?^[ \t]*(?P=fence)[ \t]*$", re.MULTILINE | re.DOTALL)
FENCE_LINE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
TABLE_ROW = re.compile(r"^\|.*\|[ \t]*$")
TABLE_RULE = re.compile(r"^\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$")
WRAPPER = re.compile(r'<div class="(?P<class>[^"]*\b(?:generated-table|table-region)\b[^"]*)"(?P<attrs>[^>]*)>')
REGION_CLASS = "table-region"


def plain(heading: str) -> str:
    """A heading's words: no attribute list, Markdown marks, tags or permalink."""
    heading = re.sub(r"\{[:#.][^}]*\}\s*$", "", heading)
    heading = re.sub(r'<a class="headerlink".*?</a>', "", heading)
    heading = re.sub(r"<[^>]+>", "", heading)
    return re.sub(r"\s+", " ", heading.replace("`", "").replace("**", "")).strip()


def wrap_tables(markdown: str) -> str:
    """Put each Markdown table that is not already in a wrapper `<div>` into one."""
    lines = markdown.split("\n")
    out: list[str] = []
    fence: str | None = None  # the fence of the code block we are in, if any
    i = 0
    while i < len(lines):
        opens = FENCE_LINE.match(lines[i])
        if opens and (fence is None or opens["fence"].startswith(fence)):
            fence = opens["fence"] if fence is None else None
        starts_table = TABLE_ROW.match(lines[i]) and i + 1 < len(lines) and TABLE_RULE.match(lines[i + 1])
        if fence is not None or not starts_table:
            out.append(lines[i])
            i += 1
            continue
        end = i
        while end < len(lines) and TABLE_ROW.match(lines[end]):
            end += 1
        before = next((line for line in reversed(out) if line.strip()), "")
        if WRAPPER.search(before):
            out.extend(lines[i:end])
        else:
            out.extend([f'<div class="{REGION_CLASS}" markdown>', "", *lines[i:end], "", "</div>"])
        i = end
    return "\n".join(out)


class RegionNamer:
    """Names the table regions of one page, each distinct."""

    def __init__(self, fallback: str) -> None:
        self.heading = fallback
        self.used: Counter[str] = Counter()

    def seen(self, text: str) -> None:
        """Remember the last heading of `text` (Markdown or HTML, outside code fences), if it has one."""
        text = FENCE.sub("", text)
        found = [(match.start(), match["text"]) for match in HEADING.finditer(text)]
        found += [(match.start(), match["text"]) for match in HTML_HEADING.finditer(text)]
        if found:
            self.heading = plain(max(found)[1]) or self.heading

    def name(self) -> str:
        """The next region's name: "Table: <heading>", then "Table 2: <heading>" ..."""
        self.used[self.heading] += 1
        count = self.used[self.heading]
        return f"Table: {self.heading}" if count == 1 else f"Table {count}: {self.heading}"

    def label_regions(self, part: str) -> str:
        """Wrap the part's Markdown tables and give every wrapper without a role its role, tab stop and name."""
        part = wrap_tables(part)
        out: list[str] = []
        done = 0
        for match in WRAPPER.finditer(part):
            self.seen(part[done : match.start()])
            out.append(part[done : match.start()])
            tag = match.group(0)
            if "role=" not in match["attrs"]:
                name = escape(self.name(), quote=True)
                tag = f'<div class="{match["class"]}" role="region" tabindex="0" aria-label="{name}"{match["attrs"]}>'
            out.append(tag)
            done = match.end()
        self.seen(part[done:])
        out.append(part[done:])
        return "".join(out)
