"""Run every benchmark and write the figures to a JSON file (`make bench`).

    python -m doctests.measure.bench            # make bench
    python -m doctests.measure.bench --quick    # see builddata.BENCH

Each figure is measured in this one run, side by side with what it is
compared with, and reported as a ratio; absolute times only describe this
machine on this day. The parts:

* **Per message** (`bench_messages.py`): `send_text`+`receive_text` and
  `send_json`+`receive_json` round trips over in-memory callables for the raw
  callables (the floor), `reference_impl` and Starlette. Today's Starlette is
  measured in this process; Starlette 0.29 in a subprocess in `.venv-oracle`,
  which measures its own floor and `reference_impl` again, so that every ratio
  compares figures from one process.
* **Echo** (`bench_echo.py`): uvicorn echo round trips per second,
  `reference_impl` vs today's Starlette.
* **Wall clock**: the whole spec check (`python -m doctests`) and a strict
  docs build (`mkdocs build --strict` into a temporary directory).

The docs build is timed with the Performance page's generated part left out
(`SKIP_GENERATED=performance`, see `doctests.sitegen.hooks`): that part reads
the figures this run is making, so timing it would need them first. The file
is written once, at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from doctests import ROOT, builddata
from doctests.builddata import BENCH

from . import bench_chat, bench_echo, bench_messages, chromium, run_in_browser

ORACLE_PYTHON = ROOT / ".venv-oracle" / "bin" / "python"
MKDOCS = ROOT / ".venv" / "bin" / "mkdocs"


def ratios(ns: dict[str, dict[str, float]], stat: str) -> dict[str, float]:
    """Reference vs Starlette: total time per round trip, and overhead above the raw floor."""
    raw, reference, starlette = (ns[impl][stat] for impl in ("raw", "reference", "starlette"))
    return {
        "total": reference / starlette,
        "overhead": (reference - raw) / (starlette - raw),
    }


def per_message(batch: int, repeats: int) -> dict[str, Any]:
    """Per-message figures from this process (today's Starlette) and from the oracle env (Starlette 0.29)."""
    runs = {"starlette_today": bench_messages.measure(["raw", "reference", "starlette"], batch, repeats)}
    if ORACLE_PYTHON.exists():
        command = [str(ORACLE_PYTHON), "-m", "doctests.measure.bench_messages"]
        command += ["--batch", str(batch), "--repeats", str(repeats)]
        done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT, timeout=600)
        runs["starlette_029"] = json.loads(done.stdout)
    for run in runs.values():
        run["ratios"] = {
            kind: {stat: ratios(run["ns"][kind], stat) for stat in ("min", "median")} for kind in ("text", "json")
        }
    return runs


def wall_clock(
    command: list[str], repeats: int = 2, placeholder: str = "", env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Seconds for `command` (best of `repeats`), with its exit status and the tail of its output if it failed."""
    times, status, tail = [], 0, ""
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)
        times.append(time.perf_counter() - started)
        status = done.returncode
        if status:
            tail = (done.stdout + done.stderr)[-2000:]
            break
    shown = " ".join(command).replace(str(ROOT) + "/", "")
    if placeholder:
        shown = shown.replace(placeholder, "<tmp>")
    return {"command": shown, "seconds": min(times), "runs": times, "status": status, "tail": tail}


def report(data: dict[str, Any]) -> None:
    """Print the figures as a table."""
    print(builddata.describe(builddata.stamp()))
    for env, run in data["per_message"].items():
        print(f"\n[{env}: Starlette {run['starlette']}] ns per round trip, min (median) of {run['repeats']} batches")
        for kind in ("text", "json"):
            cells = [f"{impl} {v['min']:.0f} ({v['median']:.0f})" for impl, v in run["ns"][kind].items()]
            ratio = run["ratios"][kind]["min"]
            print(
                f"  {kind:5}: " + ", ".join(cells) + f" | reference/starlette total {ratio['total']:.2f}, "
                f"overhead {ratio['overhead']:.2f}"
            )
    echo = data.get("echo")
    if echo and "per_second" in echo:
        ps = echo["per_second"]
        print(
            f"\necho (uvicorn, {echo['backend']}): reference {ps['reference']['best']:.0f}/s, "
            f"starlette {ps['starlette']['best']:.0f}/s, ratio {ps['reference']['best'] / ps['starlette']['best']:.2f}"
        )
    run = data.get("run_in_browser")
    if run:
        print(
            f"run in browser: cold start {run['cold_s']:.2f} s, warm run {run['warm_median_s']:.3f} s (median), "
            f"{run['cold_bytes']:,} bytes on the first click; {run['passed']} of {run['blocks']} blocks as shown"
        )
    for name, figure in data.get("wall_clock", {}).items():
        print(f"{name}: {figure['seconds']:.2f} s (exit {figure['status']}) `{figure['command']}`")


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the benchmarks and write their figures as JSON.")
    parser.add_argument("--out", type=Path, default=BENCH.path)
    parser.add_argument("--quick", action="store_true", help="fewer, smaller batches (for a smoke run)")
    parser.add_argument("--skip-echo", action="store_true")
    parser.add_argument("--skip-chat", action="store_true")
    parser.add_argument("--skip-wall", action="store_true")
    args = parser.parse_args()
    batch, repeats = (5_000, 5) if args.quick else (20_000, 9)
    started = time.perf_counter()
    data: dict[str, Any] = {
        "command": "python -m doctests.measure.bench" + (" --quick" if args.quick else ""),
        "per_message": per_message(batch, repeats),
        "profile": {"tool": "cProfile", "round_trip": "send_text + receive_text", "top": bench_messages.profile()},
    }
    if not args.skip_echo:
        data["echo"] = bench_echo.measure(*((500, 3) if args.quick else (2_000, 5)))
    if not args.skip_chat:
        data["chat"] = bench_chat.bench_chat(members=50, messages=4 if args.quick else 20)
    # The wall-clock figures rerun the whole coverage-checked spec check and a
    # site build; `make test` already runs both, so the quick run leaves them
    # to `make bench`.
    if not (args.skip_wall or args.quick):
        with tempfile.TemporaryDirectory() as site:
            # The build first: the full spec check also reads the rendered reference.
            without_figures = {**os.environ, "SKIP_GENERATED": "performance"}
            docs_build = wall_clock(
                [str(MKDOCS), "build", "--strict", "--quiet", "-d", site], placeholder=site, env=without_figures
            )
            python = str(ROOT / ".venv" / "bin" / "python")
            spec_check = wall_clock([python, "-m", "doctests", "--site", site], placeholder=site)
            data["wall_clock"] = {"spec_check": spec_check, "docs_build": docs_build}
            if chromium.missing() is None:
                # The Run buttons on that very build: cold start, warm runs, bytes fetched.
                data["run_in_browser"] = run_in_browser.measure(Path(site)).figures()
    data["seconds"] = round(time.perf_counter() - started, 1)
    BENCH.write(data, args.out)
    report(data)
    print(f"\nwrote {args.out} in {data['seconds']} s")


if __name__ == "__main__":
    main()
