"""Starlette, release by release: the spec check against the last patch of every Starlette minor since 0.27.

    python -m doctests.measure.history            # every minor: `make history`
    python -m doctests.measure.history --subset   # a sample, under a minute: `builddata.STARLETTE_HISTORY.target`

Nothing here is typed by hand:

* the releases come from PyPI (`pip index versions starlette`): the newest
  release of each minor from `FIRST_MINOR` to today;
* each is installed with `pip install --no-deps --target
  build/starlette-history/<version>` (a folder that already holds that
  version is reused), and checked in a subprocess of this environment with
  that folder first on `PYTHONPATH`, so `import starlette` finds it and every
  other package is the reference environment's. The subprocess checks
  `starlette.__version__` and where it was imported from before running
  `python -m doctests --impl starlette.websockets --quiet --exit-zero
  --exclude-tag fastapi` (the Compatibility runs' flags, without today's
  FastAPI on an old Starlette); at most `PARALLEL` run at once;
* each divergence (a selected example that fails) is put under a cause by
  `doctests.spec.causes.classify`, the Compatibility page's classifier;
* the FastAPI releases come from PyPI too (`pip index versions fastapi`): the
  newest release of each minor, from today's back to the first whose
  `Requires-Dist` admits a Starlette of `FIRST_MINOR` or later; each one's
  requirement on Starlette is read from its metadata (`pip install --dry-run
  --report`, which reads the metadata PyPI publishes beside the wheel).

PyPI's answers are cached under `build/starlette-history/pypi/`; a full run
asks again, `--subset` uses the cache when it has one.

`--subset` checks the first and the latest release, the releases of the
minors in `SAMPLE`, and each release whose divergences differed from its
predecessor's in the last full run (its `transitions`, which subset runs carry
over), so every change the full run saw is still seen in the release where it
happens.
The file says which set it holds; `doctests/sitegen/pages/starlette_history.py`
shows it.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypedDict

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from doctests import ROOT, builddata
from doctests.spec.causes import classify
from doctests.spec.report import Report

OUTPUT = builddata.STARLETTE_HISTORY
CACHE = builddata.STARLETTE_HISTORY_CACHE
FIRST_MINOR = "0.27"
SAMPLE = ("0.29", "0.38", "0.46", "1.0")  # besides the first and the latest: the fixed part of `--subset`
PARALLEL = 2  # releases checked at once (the machine has 2 cores)
RETRIES = 1  # a run that crashes (not one that diverges) is run once more: the environment may be busy
# As the Compatibility runs, but without the FastAPI tabs: they would run today's
# FastAPI on an old Starlette, which FastAPI's own requirements forbid.
SPEC_FLAGS = ("--impl", "starlette.websockets", "--quiet", "--exit-zero", "--exclude-tag", "fastapi")


class Divergence(TypedDict):
    file: str
    line: int
    cause: str | None  # a `doctests.spec.causes` id, or None: unexplained
    tags: list[str]  # the example's tags


class ReleaseRun(TypedDict):
    """One release's spec-check run, as the page needs it."""

    version: str
    examples: int  # selected examples (every example: the runs filter no tag)
    passed: int
    failed: int
    divergences: list[Divergence]
    causes: dict[str, int]  # cause id (or "unexplained") -> divergences
    imported_from: str  # where the run's `starlette` came from, relative to the repository
    seconds: float


class Change(TypedDict):
    """A behaviour the spec check sees diverge, and the releases that show it."""

    key: str  # a cause id, or "file:line" of an unexplained divergence
    cause: str | None
    first: str  # the first release (of those checked) that shows it
    last: str  # the last release that shows it
    until: str | None  # the first checked release after `last` (it agrees there again); None if the latest shows it
    releases: int  # how many of the checked releases show it


class FastAPIRange(TypedDict):
    fastapi: str  # the newest release of a FastAPI minor
    starlette: str  # its requirement on Starlette, e.g. ">=0.40.0,<0.48.0"
    admits: list[str]  # the Starlette releases of `minors` it accepts


# --- PyPI ---------------------------------------------------------------------------------------------------


def pip(*args: str, capture: bool = True) -> str:
    """Run this environment's pip; its stdout. Raises `RuntimeError` with pip's output if it fails."""
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:])} failed ({done.returncode}):\n{done.stderr or done.stdout}")
    return done.stdout


def parse_index_versions(output: str) -> list[str]:
    """The versions in `pip index versions` output ("Available versions: 1.1, 1.0, ...")."""
    for line in output.splitlines():
        if line.strip().startswith("Available versions:"):
            return [v.strip() for v in line.partition(":")[2].split(",") if v.strip()]
    raise ValueError(f"no 'Available versions:' line in pip's answer:\n{output}")


def cached_json(path: Path, fetch: Callable[[], Any], refresh: bool) -> Any:
    """`fetch()`'s answer, kept in `path`; asked again only when `refresh` or nothing is kept."""
    if path.exists() and not refresh:
        return json.loads(path.read_text(encoding="utf-8"))
    answer = fetch()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(answer, indent=1) + "\n", encoding="utf-8")
    return answer


def released_versions(package: str, refresh: bool) -> list[str]:
    """Every release of `package` on PyPI (no pre-releases: pip leaves them out)."""
    path = CACHE / "pypi" / f"{package}-versions.json"
    answer = cached_json(path, lambda: parse_index_versions(pip("index", "versions", package)), refresh)
    return [str(v) for v in answer]


def minor_of(version: str) -> str:
    parsed = Version(version)
    return f"{parsed.major}.{parsed.minor}"


def last_patches(versions: Iterable[str], since: str = "0") -> list[str]:
    """The newest release of each minor from `since` on, oldest first; pre-releases left out.

    >>> last_patches(["0.26.1", "0.27.0", "0.28.0", "0.32.0", "0.32.0.post1", "1.0.0rc1", "1.0.1", "1.0.0"], "0.27")
    ['0.27.0', '0.28.0', '0.32.0.post1', '1.0.1']
    """
    newest: dict[tuple[int, int], Version] = {}
    for text in versions:
        version = Version(text)
        if version.is_prerelease or version < Version(since):
            continue
        key = (version.major, version.minor)
        if key not in newest or version > newest[key]:
            newest[key] = version
    return [str(newest[key]) for key in sorted(newest)]


def requires_dist(fastapi: str) -> list[str]:
    """FastAPI `fastapi`'s `Requires-Dist`, from the metadata PyPI serves (kept: a release's metadata never changes)."""

    def fetch() -> list[str]:
        report = json.loads(
            pip(
                "install",
                "--dry-run",
                "--no-deps",
                "--ignore-installed",
                "--quiet",
                "--report",
                "-",
                f"fastapi=={fastapi}",
            )
        )
        (item,) = report["install"]
        return list(item["metadata"].get("requires_dist", []))

    return [str(line) for line in cached_json(CACHE / "pypi" / f"fastapi-{fastapi}-requires.json", fetch, False)]


def starlette_requirement(lines: Sequence[str]) -> SpecifierSet:
    """The specifier of the unconditional requirement on Starlette among `Requires-Dist` lines."""
    for line in lines:
        parsed = Requirement(line)
        if parsed.name.lower() == "starlette" and parsed.marker is None:
            return parsed.specifier
    raise LookupError("no unconditional requirement on starlette")


def fastapi_ranges(
    fastapi_minors: Sequence[str],
    starlette: Sequence[str],
    minors: Sequence[str],
    requirement: Callable[[str], SpecifierSet],
) -> list[FastAPIRange]:
    """From the newest FastAPI minor back to the oldest that admits one of `starlette`: each one's range, oldest first.

    `fastapi_minors` is oldest first; `starlette` is every Starlette release from `FIRST_MINOR` on,
    `minors` the ones checked here; `requirement(version)` gives a FastAPI release's Starlette
    specifier. Asked `PARALLEL` at a time, newest first, until a release admits none of `starlette`.
    """
    rows: list[FastAPIRange] = []
    pending = list(reversed(fastapi_minors))
    with ThreadPoolExecutor(PARALLEL) as pool:
        while pending:
            batch, pending = pending[:PARALLEL], pending[PARALLEL:]
            for version, specifier in zip(batch, pool.map(requirement, batch), strict=True):
                if not any(specifier.contains(s, prereleases=True) for s in starlette):
                    return rows[::-1]
                admits = [s for s in minors if specifier.contains(s, prereleases=True)]
                rows.append({"fastapi": version, "starlette": str(specifier), "admits": admits})
    return rows[::-1]


# --- running one release ------------------------------------------------------------------------------------


def folder_of(version: str) -> Path:
    return CACHE / version


def install(version: str) -> Path:
    """`build/starlette-history/<version>` holding Starlette `version` alone; reused if it already does."""
    folder = folder_of(version)
    if (folder / f"starlette-{version}.dist-info").is_dir() and (folder / "starlette" / "__init__.py").exists():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    pip("install", "--quiet", "--no-deps", "--target", str(folder), f"starlette=={version}")
    return folder


def report_path(version: str) -> Path:
    return CACHE / "reports" / f"{version}.json"


def check_one(version: str, report: Path) -> int:
    """In the subprocess: refuse to run unless `import starlette` is `version` from its folder; then the spec check."""
    import starlette

    from doctests.__main__ import main as spec_check

    where = Path(starlette.__file__ or "").resolve()
    folder = folder_of(version).resolve()
    if Version(starlette.__version__) != Version(version) or not where.is_relative_to(folder):
        print(f"error: `import starlette` gave {starlette.__version__} from {where}, not {version} from {folder}")
        return 2
    print(f"starlette {starlette.__version__} from {where}", flush=True)
    return spec_check([*SPEC_FLAGS, "--report", str(report)])


def summarise(version: str, report: Report, imported_from: str, seconds: float) -> ReleaseRun:
    """A release's counts and its divergences, each with its cause."""
    chosen = [e for e in report.examples if e["selected"]]
    divergences: list[Divergence] = []
    causes: dict[str, int] = {}
    for example in chosen:
        if example["status"] != "failed":
            continue
        cause = classify(example)
        divergences.append(
            {
                "file": example["file"],
                "line": example["line"],
                "cause": cause.id if cause else None,
                "tags": example["tags"],
            }
        )
        key = cause.id if cause else "unexplained"
        causes[key] = causes.get(key, 0) + 1
    return {
        "version": version,
        "examples": len(chosen),
        "passed": report.passed,
        "failed": report.failed,
        "divergences": divergences,
        "causes": causes,
        "imported_from": imported_from,
        "seconds": round(seconds, 1),
    }


def run_release(version: str) -> ReleaseRun:
    """Install (or reuse) `version`, run the spec check against it in a subprocess, and summarise its report."""
    started = time.monotonic()
    folder = install(version)
    report = report_path(version)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.unlink(missing_ok=True)
    log = report.with_suffix(".log")
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join([str(folder), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    command = [sys.executable, "-m", "doctests.measure.history", "--one", version, "--report", str(report)]
    for attempt in range(1 + RETRIES):
        with log.open("w", encoding="utf-8") as out:
            code = subprocess.run(command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT, check=False)
        text = log.read_text(encoding="utf-8")
        if code.returncode == 0 and report.exists():
            break
        if attempt < RETRIES:
            print(f"  starlette {version}: the run failed ({code.returncode}); once more. Its log:\n{text[-2000:]}")
    if code.returncode != 0 or not report.exists():
        raise RuntimeError(f"the spec check against Starlette {version} failed ({code.returncode}); {log}:\n{text}")
    result = Report.from_dict(builddata.read_data(report))
    if result.version != f"starlette {version}":
        raise RuntimeError(f"{report} is a run of {result.version}, not of starlette {version}")
    imported = text.splitlines()[0].partition(" from ")[2]
    shown = str(Path(imported).relative_to(ROOT)) if Path(imported).is_relative_to(ROOT) else imported
    return summarise(version, result, shown, time.monotonic() - started)


# --- what the runs show -------------------------------------------------------------------------------------


def change_key(divergence: Divergence) -> str:
    """A behaviour: its cause, or for an unexplained divergence the example's `file:line`."""
    return divergence["cause"] or f"{divergence['file']}:{divergence['line']}"


def first_releases(runs: Sequence[ReleaseRun]) -> list[Change]:
    """Each behaviour seen in `runs` (oldest first): where it first and last shows, in the order first seen.

    A behaviour that the oldest release already shows and a later one no longer does changed at
    `until`; one that a later release starts showing changed at `first`.
    """
    changes: dict[str, Change] = {}
    for index, run in enumerate(runs):
        following = runs[index + 1]["version"] if index + 1 < len(runs) else None
        for divergence in run["divergences"]:
            key = change_key(divergence)
            if key not in changes:
                changes[key] = {
                    "key": key,
                    "cause": divergence["cause"],
                    "first": run["version"],
                    "last": "",
                    "until": None,
                    "releases": 0,
                }
            change = changes[key]
            if change["last"] != run["version"]:
                change["last"], change["until"] = run["version"], following
                change["releases"] += 1
    return list(changes.values())


def signature(run: ReleaseRun) -> set[tuple[str, int]]:
    return {(d["file"], d["line"]) for d in run["divergences"]}


def transitions(runs: Sequence[ReleaseRun]) -> list[str]:
    """The releases whose divergences differ from the preceding release's (of `runs`, oldest first)."""
    return [now["version"] for before, now in itertools.pairwise(runs) if signature(now) != signature(before)]


def choose(minors: Sequence[str], subset: bool, previous: dict[str, Any] | None) -> tuple[list[str], list[str]]:
    """The releases to check (oldest first) and the transitions the choice relied on.

    All of `minors`, or for a subset: the first, the latest, those of the `SAMPLE` minors, and each
    transition of the previous full run (`previous["transitions"]`, carried over by subset runs).
    """
    if not subset:
        return list(minors), []
    known = list(previous.get("transitions", [])) if previous else []
    wanted = {minors[0], minors[-1], *(v for v in minors if minor_of(v) in SAMPLE), *known}
    return [v for v in minors if v in wanted], known


def previous_data() -> dict[str, Any] | None:
    """The file's current data, if it holds a readable run."""
    try:
        return OUTPUT.read()
    except (OSError, ValueError):
        return None


def measure(subset: bool, refresh: bool, log: Callable[[str], None] = print) -> dict[str, Any]:
    started = time.monotonic()
    previous = previous_data()
    starlette_all = released_versions("starlette", refresh)
    minors = last_patches(starlette_all, FIRST_MINOR)
    chosen, known = choose(minors, subset, previous)
    log(f"Starlette minors {minors[0]} … {minors[-1]}: {len(minors)}; checking {len(chosen)}, {PARALLEL} at a time")

    def one(version: str) -> ReleaseRun:
        run = run_release(version)
        log(f"  starlette {version}: {run['passed']} passed, {run['failed']} failed ({run['seconds']} s)")
        return run

    with ThreadPoolExecutor(PARALLEL) as pool:
        runs = list(pool.map(one, chosen))

    fastapi = last_patches(released_versions("fastapi", refresh))
    since = [v for v in starlette_all if not Version(v).is_prerelease and Version(v) >= Version(FIRST_MINOR)]
    ranges = fastapi_ranges(fastapi, since, minors, lambda v: starlette_requirement(requires_dist(v)))
    log(f"FastAPI minors that admit Starlette {FIRST_MINOR} or later: {ranges[0]['fastapi']} … {ranges[-1]['fastapi']}")
    found = transitions(runs) if not subset else known
    return {
        "set": "subset" if subset else "all",
        "first_minor": FIRST_MINOR,
        "sample": list(SAMPLE),
        "minors": minors,
        "releases": runs,
        "changes": first_releases(runs),
        "transitions": found,
        "transitions_from": ((previous or {}).get("transitions_from") if subset else builddata.stamp()["measured"]),
        "fastapi": ranges,
        "installed_fastapi": importlib.metadata.version("fastapi"),
        "installed_fastapi_needs": str(starlette_requirement(importlib.metadata.requires("fastapi") or [])),
        "spec_flags": list(SPEC_FLAGS),
        "seconds": round(time.monotonic() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m doctests.measure.history", description=__doc__.split("\n\n")[0])
    parser.add_argument("--subset", action="store_true", help="a sample of the releases (see the module's docstring)")
    parser.add_argument("--refresh", action="store_true", help="ask PyPI again even for --subset")
    parser.add_argument("--one", metavar="VERSION", help=argparse.SUPPRESS)  # the subprocess of one release
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        return check_one(args.one, args.report)
    data = measure(args.subset, refresh=args.refresh or not args.subset)
    path = OUTPUT.write(data)
    print(f"wrote {path.relative_to(ROOT)} ({data['set']}: {len(data['releases'])} releases, {data['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
