"""The machinery behind the site: it runs every example, checks implementations, builds the generated pages.

One folder per job:

* `doctests.runner`: the example runner (`python -m doctests`): `collect`
  finds the examples, `run` runs them, `coverage` measures what they cover;
* `doctests.spec`: the spec check (`python -m doctests --impl MODULE`):
  `impl` swaps an implementation in, `wire` reads the table rows off the
  messages, `report` is the JSON report's format;
* `doctests.sitegen`: the mkdocs hook (`hooks`), the generated parts of the
  pages (`pages`), and the offline stdlib inventory (`inventory`);
* `doctests.measure`: the programs that measure what the site shows: the
  server probe (`probe`), the benchmarks (`bench`, `bench_messages`,
  `bench_echo`) and the load figures (`reliability`, `load`, `load_server`);
* `doctests.builddata`: the one owner of every generated file under `build/`;
* `doctests.reference`: what the tooling knows about each module of `reference_impl`.

`__main__` is the command line of the runner and the spec check. Tests live
under `tests/`, never here.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The repository root: the one definition every tool and test uses.

In an installed copy (`pip install "asgi-websockets-reference[spec]"`) it is
the folder `doctests` and `reference_impl` were installed into.
"""

CHECKOUT = (ROOT / "pyproject.toml").is_file() and (ROOT / "docs").is_dir()
"""Whether this is a checkout (with the site, the Makefile, the coverage checks) rather than an installed copy."""


def _docs_home() -> Path:
    if CHECKOUT:
        return ROOT
    # The wheel ships the pages as package data of `asgi_ws_spec.docs` (see pyproject.toml).
    return ROOT / "asgi_ws_spec"


DOCS_HOME = _docs_home()
"""The folder holding `docs/`: the root in a checkout, the installed `asgi_ws_spec` package otherwise."""

EXAMPLES = DOCS_HOME / "docs" / "examples"
"""The example apps, each included into its page from the file itself."""
