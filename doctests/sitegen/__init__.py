"""Everything the site build runs: the mkdocs hook and what it calls.

* `hooks`: the mkdocs hook (`mkdocs.yml`); puts the generated parts into
  pages, shows `>>>` blocks as sessions, registers the offline inventory;
* `pages`: the generated parts, one module each (`<!-- generate: NAME -->`);
* `notes`: the "In Starlette X" notes after examples that differ there;
* `runnable`: which blocks get a Run button, decided from the runner's own
  knowledge; `pyodide`: fetches the pinned Pyodide and builds the reference
  wheel for them; `browser_driver`: the small Python driver run in the page;
* `regions`: the keyboard-reachable, labelled wrapper around every table;
* `inventory`: writes the offline stdlib inventory (`python-objects.inv`).
"""
