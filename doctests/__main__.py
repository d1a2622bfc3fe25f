"""`python -m doctests [PATH ...]`: run the docs examples and measure what they cover.

With no PATH, every page (`docs/*.md`, `docs/**/*.md`) and every docstring of
`reference_impl` runs, and the coverage checks are enforced: every table row,
every public name and every name in the rendered reference (`site/`, built by
`mkdocs build` first) must be covered, and the examples must cover at least
98 % of `reference_impl`'s branches. With PATHs, only those files run and the
counts are shown for information.

Exit status: 0 if everything passed, 1 on any failure, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from . import measure
from .collect import DEFAULT_PATHS, ROOT, collect, expand, relative
from .run import TIMEOUT, Outcome, main_runner

BRANCH_TARGET = 98.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m doctests", description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", metavar="PATH", help="Markdown or Python files (or folders); default: all")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds per example (default %(default)s)")
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="the built site (default site/)")
    parser.add_argument("--report", type=Path, metavar="FILE.json", help="write one JSON record per example")
    parser.add_argument("--quiet", "-q", action="store_true", help="no per-page lines, only failures and totals")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    full_run = not args.paths
    # Measure reference_impl from its first import on, so its module-level lines count.
    cov = measure.start_code_coverage()
    files = expand(args.paths or list(DEFAULT_PATHS))
    if not files:
        print(f"no files match {' '.join(args.paths)}", file=sys.stderr)
        return 2
    runner = main_runner()
    runner.timeout = args.timeout
    names = measure.public_names()
    outcomes: list[Outcome] = []
    with measure.CallRecorder(names) as recorder:
        for path in files:
            page: list[Outcome] = []
            for session in collect(path):
                page += runner.run(session)
            outcomes += page
            for outcome in page:
                if outcome.status == "failed":
                    print(f"FAILED {outcome.message.rstrip()}\n", flush=True)
            if not args.quiet:
                counts = Counter(outcome.status for outcome in page)
                skipped = f"  {counts['skipped']} skipped" if counts["skipped"] else ""
                print(
                    f"{relative(path):<48} {counts['passed']:4} passed {counts['failed']:3} failed{skipped}", flush=True
                )
    code = measure.stop_code_coverage(cov)
    report_tags(outcomes)

    problems = report_coverage(outcomes, recorder, names, code, args.site, full_run)
    if args.report:
        args.report.write_text(json.dumps([outcome.record() for outcome in outcomes], indent=1) + "\n")
    passed = sum(outcome.status == "passed" for outcome in outcomes)
    failed = sum(outcome.status == "failed" for outcome in outcomes) + problems
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def report_tags(outcomes: list[Outcome]) -> None:
    """One line per tag (untagged examples are the seed's spec), if any example is tagged."""
    by_tag: dict[str, Counter[str]] = {}
    for outcome in outcomes:
        for tag in outcome.snippet.tags or ("(untagged: seed spec)",):
            by_tag.setdefault(tag, Counter())[outcome.status] += 1
    if len(by_tag) > 1:
        for tag, counts in sorted(by_tag.items()):
            print(f"tag {tag:<42} {counts['passed']:4} passed {counts['failed']:3} failed")


def report_coverage(
    outcomes: list[Outcome],
    recorder: measure.CallRecorder,
    names: list[measure.PublicName],
    code: measure.CodeCoverage,
    site: Path,
    enforce: bool,
) -> int:
    """Print the coverage counts; return how many checks failed (none unless `enforce`)."""
    from reference_impl.transitions import TABLE

    failures: list[str] = []
    applied = {row for outcome in outcomes for row in outcome.rows}
    rows_missing = [repr(row) for row in TABLE if repr(row) not in applied]
    print(f"rows covered {len(TABLE) - len(rows_missing)}/{len(TABLE)}")
    if rows_missing:
        failures.append("rows with no example: " + ", ".join(rows_missing))

    names_missing = recorder.missing()
    print(f"public names covered {len(names) - len(names_missing)}/{len(names)}")
    if names_missing:
        failures.append("public names with no example: " + ", ".join(names_missing))

    if (site / "reference").is_dir():
        unrendered = measure.missing_from_reference(names, measure.rendered_ids(site))
        print(f"names in rendered reference {len(names) - len(unrendered)}/{len(names)}")
        if unrendered:
            failures.append(f"public names missing from {relative(site)}/reference: " + ", ".join(unrendered))
    else:
        print(f"names in rendered reference ?/{len(names)}")
        failures.append(f"{relative(site)}/reference/ does not exist: build the site first (make docs)")

    lines, branches = code.percent(code.lines), code.percent(code.branches)
    print(
        f"reference_impl coverage from the examples: lines {lines:.1f}% ({code.lines[0]}/{code.lines[1]}), "
        f"branches {branches:.1f}% ({code.branches[0]}/{code.branches[1]})"
    )
    if branches < BRANCH_TARGET:
        failures.append(f"branch coverage {branches:.1f}% is below {BRANCH_TARGET:g}%; not run by any example:")
        failures += [f"  {file}: {gaps}" for file, gaps in sorted(code.missing.items())]
    if not enforce:
        if failures:
            print("(partial run: coverage gaps are not failures)")
        return 0
    for failure in failures:
        print(failure if failure.startswith("  ") else f"FAILED {failure}")
    return sum(not failure.startswith("  ") for failure in failures)


if __name__ == "__main__":
    sys.exit(main())
