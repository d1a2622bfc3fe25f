"""`python -m doctests [PATH ...]`: run the docs examples against an implementation; report what conforms.

With no PATH, every page (`docs/*.md`, `docs/**/*.md`) and every docstring of
`reference_impl` runs. `--impl MODULE` runs them with MODULE's `WebSocket`,
`WebSocketDisconnect`, `WebSocketState` (and `WebSocketClose`,
`HTTPConnection` if it has them) in place of the reference's; see
`doctests.spec.impl`.

Tags select what counts: untagged examples show Starlette 0.29.0's behaviour (tag `starlette-0.29`).
`--exclude-tag TAG` leaves out examples carrying TAG; `--require-tag TAG`
keeps only examples carrying at least one required tag. Every example still
runs (a page's examples build on each other), but only the selected ones are
counted, printed on failure and decide the exit status.

A page with `=== "FastAPI"` / `=== "Starlette"` / `=== "ASGI"` tabs runs once
per flavour (see `doctests.runner.collect`); the tables count its examples
per page, per tag and per flavour ("-" for pages without tabs). Coverage
counts only the ASGI flavour and pages without tabs: the FastAPI and
Starlette sessions run with row, call and branch measurement paused.

Output is judged as ASGI behaviour, not spelling (see `doctests.runner.run`):
each example is `same` (the text matched), `equivalent` (an equal value, or
the expected exception's subclass with the same text, spelt otherwise: a
`str` enum message type, another key order), `different`, `missing` (it
needs a public name the implementation lacks) or `skipped`; only
`different` and `missing` fail. `--exact` compares text only, as doctest
does. The run ends with two lines: the outcomes
(`N same, N equivalent, N different, N missing`), then `N passed, N
failed` (passed = same + equivalent).

When the reference runs as itself from a checkout, on every file with no tag filter, the
coverage checks are enforced too: every table row, every public name and
every name in the rendered reference (`site/`, built by `mkdocs build`
first) must be covered, and the examples must cover at least 98 % of
`reference_impl`'s branches. Otherwise they are skipped (another
implementation's calls say nothing about the reference's coverage, and its
environment may have no `coverage` or site).

Exit status: 0 if every selected example passed, 1 on any failure (0 with
`--exit-zero`), 2 on bad usage (no such file, an `--impl` that cannot be
imported or lacks a name).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import CHECKOUT, ROOT
from .runner import coverage as measure
from .runner.collect import DEFAULT_PATHS, FLAVOURS, Session, collect, expand, relative
from .runner.run import TIMEOUT, VERDICTS, Outcome, Runner, main_runner
from .spec.impl import REFERENCE, ImplementationError, load, names_reference
from .spec.report import Report

BRANCH_TARGET = 98.0
COLUMNS = (*VERDICTS, "deselected")


def parse_args(argv: list[str] | None, prog: str = "python -m doctests") -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", metavar="PATH", help="Markdown or Python files (or folders); default: all")
    parser.add_argument(
        "--impl", default=REFERENCE, metavar="MODULE", help="the implementation under test (default %(default)s)"
    )
    parser.add_argument("--exclude-tag", action="append", default=[], metavar="TAG", help="do not count TAG's examples")
    parser.add_argument(
        "--require-tag", action="append", default=[], metavar="TAG", help="count only examples with one of these tags"
    )
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds per example (default %(default)s)")
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="the built site (default site/)")
    parser.add_argument("--report", type=Path, metavar="FILE.json", help="write the run and one record per example")
    parser.add_argument("--quiet", "-q", action="store_true", help="no tables: what ran, failures, the closing line")
    parser.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when examples fail (for runs made for their report)"
    )
    parser.add_argument(
        "--exact", action="store_true", help="compare output as text only (no value or exception-subclass matching)"
    )
    return parser.parse_args(argv)


def selected(outcome: Outcome, args: argparse.Namespace) -> bool:
    """Whether the tag options count this example."""
    tags = set(outcome.snippet.effective_tags)
    if tags & set(args.exclude_tag):
        return False
    return not args.require_tag or bool(tags & set(args.require_tag))


def main(argv: list[str] | None = None) -> int:
    return run(parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """The run `args` asks for: tables, closing lines, `--report`; the exit status."""
    # Coverage must start before reference_impl is first imported, so its module-level lines count.
    # An installed copy has no site, no coverage target and no Makefile: the checks are a checkout's.
    cov = None
    if names_reference(args.impl) and CHECKOUT:
        if importlib.util.find_spec("coverage") is None:
            print("coverage checks skipped: the `coverage` package is not installed")
        else:
            cov = measure.start_code_coverage()
    try:
        implementation = load(args.impl)
    except ImplementationError as error:
        if cov is not None:
            cov.stop()
        print(f"error: {error}", file=sys.stderr)
        return 2
    files = expand(args.paths or list(DEFAULT_PATHS))
    if not files:
        print(f"error: no files match {' '.join(args.paths)}", file=sys.stderr)
        return 2
    enforce = (
        CHECKOUT
        and implementation.is_reference
        and not args.paths
        and not args.exclude_tag
        and not args.require_tag
        and not args.exact
    )
    print(implementation.describe(), flush=True)
    started = time.monotonic()
    with main_runner(implementation, exact=args.exact) as runner:
        runner.timeout = args.timeout
        if cov is not None and implementation.is_reference:
            outcomes, problems = run_and_measure(cov, files, runner, args, enforce)
        else:
            if cov is not None:
                cov.stop()
            outcomes, problems = run_files(files, runner, args), 0
    elapsed = time.monotonic() - started

    chosen = [outcome for outcome in outcomes if selected(outcome, args)]
    passed = sum(outcome.status == "passed" for outcome in chosen)
    failed = sum(outcome.status == "failed" for outcome in chosen) + problems
    verdicts = Counter(outcome.verdict for outcome in chosen)
    counts: dict[str, int] = {verdict: verdicts[verdict] for verdict in VERDICTS if verdict != "skipped"}
    if args.report:
        Report(
            implementation=args.impl,
            version=implementation.version(),
            swapped=implementation.origins(),
            kept=implementation.kept(),
            exclude_tags=args.exclude_tag,
            require_tags=args.require_tag,
            passed=passed,
            failed=failed,
            examples=[{**outcome.record(), "selected": selected(outcome, args)} for outcome in outcomes],
            exact=args.exact,
            outcomes=counts,
        ).write(args.report)
    print(f"time {elapsed:.1f} s")
    print(", ".join(f"{count} {verdict}" for verdict, count in counts.items()))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed and not args.exit_zero else 0


def run_files(
    files: list[Path],
    runner: Runner,
    args: argparse.Namespace,
    measuring: Callable[[bool], None] | None = None,
) -> list[Outcome]:
    """Run every file's sessions; print selected failures as they come, then the three tables.

    `measuring(on)` is told before each session whether its examples count for coverage.
    """
    outcomes: list[Outcome] = []
    pages: dict[str, Counter[str]] = {}
    for path in files:
        counts = pages.setdefault(relative(path), Counter())
        for session in collect(path):
            if measuring is not None:
                measuring(counts_for_coverage(session))
            for outcome in runner.run(session):
                outcomes.append(outcome)
                if not selected(outcome, args):
                    counts["deselected"] += 1
                    continue
                counts[outcome.verdict] += 1
                if outcome.verdict == "equivalent" and not args.quiet:
                    print(f"EQUIVALENT {outcome.snippet.where}: {'; '.join(outcome.spelling)}", flush=True)
                if outcome.status == "failed":
                    where, _, rest = outcome.message.rstrip().partition("\n")
                    print(f"FAILED {where} [{', '.join(outcome.snippet.effective_tags)}]\n{rest}\n", flush=True)
    if measuring is not None:
        measuring(True)
    if not args.quiet:
        by_tag = tag_counts(outcomes, args)
        width = max(map(len, [*pages, *by_tag])) + 2
        print_table("page", pages, width)
        print_table("tag", by_tag, width)
        print_table("flavour", flavour_counts(outcomes, args), width)
    return outcomes


def counts_for_coverage(session: Session) -> bool:
    """Whether a session's examples count for coverage: the ASGI flavour, pages without tabs, docstrings."""
    return session.flavour in (None, "asgi")


def flavour_counts(outcomes: list[Outcome], args: argparse.Namespace) -> dict[str, Counter[str]]:
    """Per flavour (in tab order, "-" for examples on pages without tabs and in docstrings)."""
    by_flavour: dict[str, Counter[str]] = {key: Counter() for key in [*FLAVOURS.values(), "-"]}
    for outcome in outcomes:
        counts = by_flavour[outcome.snippet.flavour or "-"]
        counts[outcome.verdict if selected(outcome, args) else "deselected"] += 1
    return by_flavour


def tag_counts(outcomes: list[Outcome], args: argparse.Namespace) -> dict[str, Counter[str]]:
    """Per tag: each outcome over every example carrying it, or "deselected" if not counted."""
    by_tag: dict[str, Counter[str]] = {}
    for outcome in outcomes:
        for tag in outcome.snippet.effective_tags:
            counts = by_tag.setdefault(tag, Counter())
            counts[outcome.verdict if selected(outcome, args) else "deselected"] += 1
    return dict(sorted(by_tag.items()))


def print_table(title: str, rows: dict[str, Counter[str]], width: int) -> None:
    """An aligned table: one row per key, a column per status."""
    print(f"{title:<{width}}" + "".join(f"{column:>11}" for column in COLUMNS))
    for key, counts in rows.items():
        print(f"{key:<{width}}" + "".join(f"{counts[column]:>11}" for column in COLUMNS), flush=True)


def run_and_measure(
    cov: Any, files: list[Path], runner: Runner, args: argparse.Namespace, enforce: bool
) -> tuple[list[Outcome], int]:
    """Run the files with the reference, measuring rows, public names and branches; return the problems."""
    names = measure.public_names()
    with measure.CallRecorder(names) as recorder:

        def measuring(on: bool) -> None:
            if on == recorder.active:
                return
            recorder.active = on
            if on:
                cov.start()
            else:
                cov.stop()

        outcomes = run_files(files, runner, args, measuring)
    code = measure.stop_code_coverage(cov)
    problems = report_coverage(outcomes, recorder, names, code, args.site, enforce)
    return outcomes, problems


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

    public = names
    failures: list[str] = []
    applied = {row for outcome in outcomes if outcome.snippet.counts_for_coverage for row in outcome.rows}
    rows_missing = [repr(row) for row in TABLE if row.key not in applied]
    print(f"rows covered {len(TABLE) - len(rows_missing)}/{len(TABLE)}")
    if rows_missing:
        failures.append("rows with no example: " + ", ".join(rows_missing))

    names_missing = recorder.missing()
    print(f"public names covered {len(public) - len(names_missing)}/{len(public)}")
    if names_missing:
        failures.append("public names with no example: " + ", ".join(names_missing))

    if (site / "reference").is_dir():
        unrendered = measure.missing_from_reference(public, measure.rendered_ids(site))
        print(f"names in rendered reference {len(public) - len(unrendered)}/{len(public)}")
        if unrendered:
            failures.append(f"public names missing from {relative(site)}/reference: " + ", ".join(unrendered))
    elif importlib.util.find_spec("mkdocs") is None:
        print(f"names in rendered reference ?/{len(public)} (skipped: no site, and no mkdocs to build it)")
    else:
        print(f"names in rendered reference ?/{len(public)}")
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
