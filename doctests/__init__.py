"""The docs example runner: every example on the site and in the docstrings runs.

* `doctests.collect` finds the examples (Sybil lexes Markdown fences and
  docstrings) and documents the page conventions;
* `doctests.run` runs them with top-level `await`, one event loop per page
  or docstring, and a timeout per example;
* `doctests.measure` records the table rows, public names and branches the
  examples exercise;
* `doctests.pages` renders the generated parts of the site, and
  `doctests.mkdocs_hooks` puts them into pages at build time.

Run it with `python -m doctests [PATH ...]`.
"""
