"""The spec check's JSON report: one format, written by `python -m doctests --report` and read by its users.

The Compatibility page generator and `make compat` read reports through
`Report.read`; nobody else parses the file. A report lives in a
`doctests.builddata` document, so it carries the same environment stamp as
every other generated file.

Example:
    >>> report = Report("mypkg.websockets", "mypkg 1.0", {}, [], [], [], 0, 0, [])
    >>> Report.from_dict(report.as_dict()) == report
    True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from doctests import builddata

FORMAT = 3  # bumped when the report's fields change; readers refuse other formats
# 3: `exact`, `outcomes`; per example `outcome` (same, equivalent, different, missing, skipped),
#    `comparison` (text, value, exception-subclass or null), `spelling` and `missing`.


class ReportFormatError(ValueError):
    """The file was written by another version of the spec check."""


@dataclass(frozen=True)
class Report:
    """One run of the spec check.

    Attributes:
        implementation: The module given to `--impl`.
        version: `distribution version` of the module's package, from its metadata.
        swapped: Swapped name -> where the implementation's object comes from.
        kept: Optional names the implementation lacks (the reference's stay).
        exclude_tags: The `--exclude-tag` options.
        require_tags: The `--require-tag` options.
        passed: Selected examples that passed (same or equivalent).
        failed: Selected examples that failed (different or missing), plus failed coverage checks.
        examples: One record per example (`Outcome.record()` plus `selected`).
        exact: Whether `--exact` compared text only.
        outcomes: Selected examples per outcome: `same`, `equivalent`, `different`, `missing`.
    """

    implementation: str
    version: str
    swapped: dict[str, str]
    kept: list[str]
    exclude_tags: list[str]
    require_tags: list[str]
    passed: int
    failed: int
    examples: list[dict[str, Any]]
    exact: bool = False
    outcomes: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        if data.get("format") != FORMAT:
            raise ReportFormatError(f"report format {data.get('format')!r}, this spec check reads {FORMAT}")
        return cls(**{field.name: data[field.name] for field in fields(cls)})

    def write(self, path: Path) -> None:
        builddata.write_document(path, self.as_dict())

    @classmethod
    def read(cls, output: builddata.Output[dict[str, Any]], path: Path | None = None) -> Report:
        """The report in `output`'s file (or `path`); `MissingInput` names the target that makes it."""
        try:
            return cls.from_dict(output.read(path))
        except ReportFormatError as error:
            raise ReportFormatError(f"{path or output.path}: {error}: remake it with `make {output.target}`") from error


def main(argv: list[str] | None = None) -> int:
    """`python -m doctests.spec.report FILE.json ...`: one line per report, read from its counts.

    A line reads `MODULE (VERSION): N same, N equivalent, N different, N missing`.

    `make compat` prints these lines; the exit status is 2 if a file is
    missing or in another format, else 0 (divergences are the page's news,
    not an error).
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m doctests.spec.report", description="Summarise spec-check reports.")
    parser.add_argument("reports", nargs="+", type=Path, metavar="FILE.json")
    status = 0
    for path in parser.parse_args(argv).reports:
        try:
            report = Report.from_dict(builddata.read_data(path))
        except (OSError, ValueError, KeyError) as error:
            print(f"{path}: {error}")
            status = 2
            continue
        counts = ", ".join(f"{count} {outcome}" for outcome, count in report.outcomes.items())
        print(f"{report.implementation} ({report.version}): {counts}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
