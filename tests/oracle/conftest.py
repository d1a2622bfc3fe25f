"""The oracle tests: `reference_impl` against Starlette 0.29.0, the seed's own implementation.

They run only in `.venv-oracle`; anywhere else (e.g. beside Starlette 1.x)
every module here is skipped before it is imported.

Run: `.venv-oracle/bin/python -m pytest tests/oracle -p no:cacheprovider`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

try:
    import starlette

    STARLETTE_VERSION: str | None = starlette.__version__
except ImportError:
    STARLETTE_VERSION = None

ORACLE_VERSION = "0.29.0"
SKIP_REASON = f"the oracle needs starlette=={ORACLE_VERSION} (.venv-oracle); this environment has {STARLETTE_VERSION}"


class _SkippedModule(pytest.Module):
    """A test module that is skipped as a whole without being imported."""

    def collect(self) -> Any:
        pytest.skip(SKIP_REASON)


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    if STARLETTE_VERSION != ORACLE_VERSION:
        return _SkippedModule.from_parent(parent, path=module_path)
    return None


@dataclasses.dataclass(repr=False)
class Differential:
    """The results of the whole differential run, shared by every test that checks them."""

    websocket: list[Any]  # oracle_differences.Result
    setups: list[Any]  # oracle_differences.SetupResult
    scopes: list[Any]  # oracle_differences.Result

    def allowed(self) -> Counter[str]:
        """How many cases each documented difference explained."""
        return Counter(r.difference for r in self.websocket + self.scopes if r.difference is not None)

    def __repr__(self) -> str:
        return f"<Differential: {self.summary()}>"

    def summary(self) -> str:
        counts = ", ".join(f"{name}={n}" for name, n in sorted(self.allowed().items()))
        return (
            f"differential: {len(self.websocket)} cases compared (state pair x operation x message) "
            f"+ {len(self.scopes)} scope property cases (scope x class x property), "
            f"{self.allowed().total()} allowed differences: {counts or 'none'}"
        )


_RESULTS = pytest.StashKey[Differential]()


@pytest.fixture(scope="session")
def differential(pytestconfig: pytest.Config) -> Differential:
    """Run every case on both implementations once per session (about a second)."""
    from oracle_differences import compare_scopes, compare_websocket

    websocket, setups = compare_websocket()
    result = Differential(websocket, setups, compare_scopes())
    pytestconfig.stash[_RESULTS] = result
    return result


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    # Printed by the reporter, so it shows without -s.
    if _RESULTS in config.stash:
        terminalreporter.write_line(config.stash[_RESULTS].summary())
