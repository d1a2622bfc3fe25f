"""The build side of the Run buttons: which blocks run, the in-browser driver (here in CPython), the cache."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from doctests.sitegen import browser_driver, pyodide, runnable

PAGE = """\
```python
from reference_impl import InMemoryPeer
```

<!-- tags: fastapi -->
```python
from fastapi import FastAPI
app = FastAPI()
```

```python
import pytest
fixture = pytest.fixture
```

```python
>>> fixture
```

<!-- doctest: skip -->
```python
>>> 1
```

```python
>>> InMemoryPeer.__name__
'InMemoryPeer'
```
"""


def test_blocks_say_why_they_cannot_run() -> None:
    verdicts = [(block.kind, block.runnable, block.reason) for block in runnable.blocks(PAGE, "docs/x.md")]
    assert verdicts == [
        ("script", True, ""),
        ("script", False, "it is tagged fastapi, which needs packages the browser lacks"),
        ("script", False, "it imports pytest, which the browser does not have"),
        ("session", False, "it uses fixture from a block that cannot run here"),
        ("session", False, "the docs harness does not run it either"),
        ("session", True, ""),
    ]


def test_mark_rewrites_fences_to_carry_the_verdict() -> None:
    marked = runnable.mark(PAGE, "docs/x.md")
    assert marked.startswith('``` { .python data-pyrun="run" data-pyrun-src="docs/x.md" data-pyrun-line="1" }\n')
    assert '``` { .pycon data-pyrun="no" data-pyrun-reason="the docs harness does not run it either" }\n>>> 1' in marked
    assert marked.count("data-pyrun=") == 6


def run(source: str, mode: browser_driver.Mode, check: bool = True, seconds: float = 10) -> dict[str, object]:
    async def main() -> str:
        try:
            return await browser_driver.run_json("page", source, 1, mode, check, "docs/x.md", seconds)
        finally:
            browser_driver.reset("page")

    result: dict[str, object] = json.loads(asyncio.run(main()))
    return result


def test_driver_compares_a_session_with_the_page() -> None:
    assert run(">>> 1 + 1\n2\n", "session") == {"status": "matches", "transcript": ">>> 1 + 1\n2\n", "differences": []}
    differs = run(">>> 1 + 1\n3\n", "session")
    assert differs["status"] == "differs"
    assert differs["differences"] == [">>> 1 + 1\nExpected:\n    3\nGot:\n    2\n"]


def test_driver_matches_exceptions_without_their_module() -> None:
    got = run(
        ">>> import json\n>>> json.loads('{')\nTraceback (most recent call last):\n  ...\nJSONDecodeError: ...\n",
        "session",
    )
    assert got["status"] == "matches", got


def test_driver_echoes_edited_code_and_shows_tracebacks() -> None:
    assert run("x = 6\nx * 7\n", "interactive", check=False)["transcript"] == ">>> x = 6\n>>> x * 7\n42\n"
    raised = run("def f():\n    return 1 / 0\n\nf()\n", "script", check=False)
    assert raised["status"] == "raised"
    assert 'File "<edited>", line 2, in f' in str(raised["transcript"])


def test_driver_stops_an_await_at_the_timeout() -> None:
    got = run("import asyncio\nawait asyncio.Event().wait()\n", "script", seconds=0.05)
    assert got["status"] == "timeout"
    assert "TimeoutError: no result after 0.05 s" in str(got["transcript"])


def test_sri_is_npm_integrity_format() -> None:
    assert pyodide.sri(b"") == (
        "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
    )


def test_a_missing_runtime_names_the_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pyodide, "RUNTIME_CACHE", pyodide.ROOT / "build" / "no-such-pyodide")
    with pytest.raises(pyodide.MissingRuntime, match=r"run make pyodide \(python -m doctests\.sitegen\.pyodide\)$"):
        pyodide.copy_runtime(tmp_path)


def test_the_makefile_fetches_the_pinned_release() -> None:
    from doctests import ROOT
    from doctests.sitegen import pyodide

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"PYODIDE := build/pyodide/{pyodide.VERSION}/SOURCE.json\n" in makefile
