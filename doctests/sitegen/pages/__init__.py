"""Generated parts of the site, rendered at build time so they cannot drift.

The interface: a module `doctests/sitegen/pages/NAME.py` with a function

    def render() -> str: ...

that returns Markdown (HTML is Markdown too; wrap HTML blocks in a `<div>`
with `markdown` only if their inside must be parsed). A page asks for it with
a line of its own:

    <!-- generate: NAME -->

and `doctests/sitegen/hooks.py` replaces that line with `render()`'s result
while mkdocs builds. An unknown NAME fails the build. `render()` must compute
its content by running code (the table, real calls, real runs), never return
text typed by hand, and must not touch the network.

Each module in this folder is one such part; `compatibility` reads the
spec check's reports (`make compat`), `spec_demo` runs the spec check.
"""
