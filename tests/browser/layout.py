"""The phone-width rule for code blocks, as a script the browser runs on each page.

The rule, precisely: at a 390 px wide viewport, a reader must be able to read
every line of every code block (`pre`) in the article, scrolling inside the
block if need be. Long lines are fine when the block scrolls horizontally
(Material gives `pre > code` `overflow-x: auto`). A block fails when:

- the element that scrolls it (the nearest of `code`, `pre` or their
  ancestors inside the article with `overflow-x: auto|scroll`), or the `pre`
  itself when nothing scrolls, sticks out of the viewport, so part of it is
  off screen or the whole page scrolls sideways; or
- its text is wider than its box and nothing scrolls it, so the text spills
  over the page or is cut off.

Comparing with the article's box would be wrong: on phones Material lets
top-level code blocks run edge to edge, beyond the article's padding, which
is fine for reading. Every `details` is opened first (a reader can open
them); blocks with no box (e.g. in an unselected tab) are skipped and counted.
"""

from __future__ import annotations

from playwright.sync_api import ViewportSize

PHONE: ViewportSize = {"width": 390, "height": 844}

CODE_FIT_JS = """() => {
    const viewport = document.documentElement.clientWidth;
    const article = document.querySelector("article") || document.body;
    for (const details of article.querySelectorAll("details")) details.open = true;
    const scrolls = (element) => ["auto", "scroll"].includes(getComputedStyle(element).overflowX);
    const problems = [];
    let measured = 0, hidden = 0;
    article.querySelectorAll("pre").forEach((pre, index) => {
        const box = pre.getBoundingClientRect();
        if (box.width === 0 && box.height === 0) { hidden += 1; return; }
        measured += 1;
        const first = pre.textContent.trim().split("\\n")[0].slice(0, 60);
        const label = `pre #${index + 1} (${JSON.stringify(first)})`;
        // The text's own box: `code` when it is a block (as Material makes it), else the `pre`.
        const code = pre.querySelector("code");
        const text = code && getComputedStyle(code).display !== "inline" ? code : pre;
        let scroller = null;
        for (let element = text; element && element !== article; element = element.parentElement) {
            if (scrolls(element)) { scroller = element; break; }
        }
        const shown = (scroller || pre).getBoundingClientRect();
        if (shown.left < -0.5 || shown.right > viewport + 0.5) {
            problems.push(`${label}: spans ${Math.round(shown.left)}..${Math.round(shown.right)} px `
                + `in a ${viewport} px viewport`);
        }
        if (!scroller && text.scrollWidth > text.clientWidth + 1) {
            problems.push(`${label}: text is ${text.scrollWidth} px wide in a ${text.clientWidth} px box `
                + "that does not scroll");
        }
    });
    return {measured, hidden, problems, pageWidth: document.documentElement.scrollWidth, viewport};
}"""
