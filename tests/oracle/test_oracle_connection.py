"""`HTTPConnection` and `WebSocket` scope properties against Starlette 0.29, one property at a time.

Each property is probed over every scope in `oracle_cases.SCOPES`, on both
connection classes, on a fresh connection over a fresh copy of the scope.
"""

from __future__ import annotations

from typing import Any

import pytest
from oracle_cases import PROBES


@pytest.mark.parametrize("probe", PROBES)
def test_same_property_or_a_documented_difference(differential: Any, probe: str) -> None:
    results = [r for r in differential.scopes if r.case.probe == probe]
    assert results
    unexplained = [r.describe() for r in results if r.unexplained]
    assert not unexplained, (
        f"{len(unexplained)} of {len(results)} scope cases differ in an undocumented way:\n" + "\n".join(unexplained)
    )
