"""`make stress`: the load and fault rounds of `tests/load/test_load.py`, at full scale.

For each app and backend: a fresh server subprocess, two identical load rounds
(`--clients` clients × `--messages` messages each; peak RSS per round, and
round 2 must stay within round 1's bound), then a fault round with
`--fault-clients` well-behaved clients. Prints the figures as it goes, writes
them all to `--out` for the Reliability page, and exits 1 if any check failed.
Every round is bounded by `--timeout` seconds. Run it with:

    .venv/bin/python tests/load/stress.py --clients 200 --messages 500 --out build/reliability-stress.json
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import driver
from driver import BACKENDS, fault_round, load_rounds, serve, server_problems, write_results


def run(args: argparse.Namespace, save: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Every (app, backend) in turn, each on a server of its own; `save` the results after each."""
    results: dict[str, Any] = {"load": [], "faults": []}
    for backend in args.backends:  # The default backend first: it matters most if the run is cut short.
        for app in args.apps:
            print(f"== {app} on {backend}: {args.clients} clients × {args.messages} messages, two rounds", flush=True)
            with serve(app, backend) as server:
                load = asyncio.run(load_rounds(server, args.clients, args.messages, args.size, args.timeout))
                for number, summary in enumerate(load["rounds"], 1):
                    count = summary.get("deliveries", summary["messages"])
                    print(
                        f"   round {number}: {count} messages received in {summary['seconds']} s "
                        f"({summary['per_second']}/s), peak RSS {summary['peak_rss_kib'] / 1024:.1f} MiB",
                        flush=True,
                    )
                print(f"== {app} on {backend}: faults with {args.fault_clients} well-behaved clients", flush=True)
                faults = asyncio.run(
                    fault_round(server, args.fault_clients, args.messages, args.faulty, args.size, args.timeout)
                )
                print(f"   faults: {faults['seconds']} s, {faults.get('never_read_result')}", flush=True)
                code = server.stop()
            shutdown = server_problems(server, code)
            for entry in (load, faults):
                entry["server_exit_code"] = code
                entry["problems"] += shutdown
            results["load"].append(load)
            results["faults"].append(faults)
            for problem in load["problems"] + faults["problems"]:
                print(f"   PROBLEM: {problem}", flush=True)
            save(results)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--messages", type=int, default=500, help="messages each client sends, per round")
    parser.add_argument("--size", type=int, default=64, help="characters per message")
    parser.add_argument("--fault-clients", type=int, default=50, help="well-behaved clients in the fault round")
    parser.add_argument("--faulty", type=int, default=5, help="droppers, closers and never-readers, each")
    parser.add_argument("--apps", nargs="+", default=["echo", "chat"], choices=["echo", "chat"])
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds any one round may take")
    parser.add_argument("--out", type=Path, default=Path("build/reliability-stress.json"))
    args = parser.parse_args()
    started = time.perf_counter()
    driver.PROGRESS_SECONDS = 60.0
    scale = {
        "load": {"clients": args.clients, "messages": args.messages, "size": args.size},
        "faults": {"good": args.fault_clients, "messages": args.messages, "faulty": args.faulty, "size": args.size},
        "apps": args.apps,
        "backends": args.backends,
    }
    command = " ".join(["python tests/load/stress.py", *sys.argv[1:]])

    def save(results: dict[str, Any], kind: str = "stress (make stress), still running or cut short") -> None:
        results["seconds"] = round(time.perf_counter() - started, 1)
        write_results(args.out, kind, command, scale, results)

    results = run(args, save)
    save(results, "stress (make stress)")
    failed = any(entry["problems"] for section in ("load", "faults") for entry in results[section])
    print(f"{'FAILED' if failed else 'passed'} in {results['seconds']} s; results in {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
