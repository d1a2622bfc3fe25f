"""The deliberate differences from Starlette 0.29, from `reference_impl.differences.DIFFERENCES`."""

from __future__ import annotations

from reference_impl.differences import DIFFERENCES


def render() -> str:
    parts = []
    for difference in DIFFERENCES:
        parts.append(
            f"### {difference.title} {{#{difference.id}}}\n\n"
            f"- **Starlette 0.29:** {difference.starlette_029}\n"
            f"- **reference_impl:** {difference.reference}\n"
            f"- **Why:** {difference.grounds}\n\n"
            f"Identifier: `{difference.id}`.\n"
        )
    return "\n".join(parts)
