"""The example runner: every ```python block of every page, and every docstring example, runs.

* `collect`: finds the examples (Sybil lexes Markdown fences and docstrings),
  their tags, flavour tabs and skip markers, and documents the page conventions;
* `run`: runs them with top-level `await`, one namespace and one event loop
  per page (per flavour), a timeout per example, and compares their output;
* `coverage`: records the table rows, public names and branches the
  examples exercise.

The command line is `python -m doctests` (`doctests.__main__`).
"""
