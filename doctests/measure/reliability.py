"""The load and fault figures of the Reliability page: the rounds `tests/load/` checks, measured and written.

`--quick` is the scale `tests/load/` uses (`builddata.RELIABILITY.target`,
part of every site build); without it, the full scale of `make stress`.

For each app and backend: a fresh server subprocess, two identical load rounds
(`--clients` clients × `--messages` messages each; peak RSS per round, and
round 2 must stay within round 1's bound), then a fault round with
`--fault-clients` well-behaved clients; for the chat, then its slow-consumer
policy: a burst (`FULL_BURST`, 30 members × 50 messages at once, nobody may be
dropped) and a stalled member (`FULL_STALL`); `QUICK_BURST` and `QUICK_STALL`
with `--quick`. Prints the figures as it goes, writes
them all to `--out` for the Reliability page, and exits 1 if any check failed.
Every round is bounded by `--timeout` seconds. Run it with:

    python -m doctests.measure.reliability --quick    # see builddata.RELIABILITY
    python -m doctests.measure.reliability            # make stress
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from doctests.builddata import RELIABILITY, RELIABILITY_STRESS

from . import load as driver
from .load import BACKENDS, chat_burst, chat_stall, fault_round, load_rounds, results_document, serve, server_problems

# The scale of `tests/load/` and of the figures every site build shows: 20 clients × 50 messages,
# twice per server; 12 well-behaved clients × 50 messages with 2 droppers, 2 closers and 3 never-readers.
QUICK_LOAD = {"clients": 20, "messages": 50, "size": 64}
QUICK_FAULTS = {"good": 12, "messages": 50, "faulty": 2, "size": 64}
QUICK_TIMEOUT = 20.0  # Seconds a quick round may take; a normal one takes well under 2 s.
# The chat's slow-consumer policy (`chat_burst`, `chat_stall`): every member sends at once and
# reads, nobody may be dropped; then one member stops reading while the others send.
QUICK_BURST = {"clients": 12, "messages": 30, "size": 64}
QUICK_STALL = {"good": 4, "messages": 200}
FULL_BURST = {"clients": 30, "messages": 50, "size": 64}  # 45,000 deliveries.
FULL_STALL = {"good": 10, "messages": 200}


def run(args: argparse.Namespace, save: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Every (app, backend) in turn, each on a server of its own; `save` the results after each."""
    results: dict[str, Any] = {"load": [], "faults": [], "policy": []}
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
                policy = []
                if app == "chat":
                    policy = [asyncio.run(chat_burst(server, time_limit=args.timeout, **args.burst))]
                    policy.append(asyncio.run(chat_stall(server, time_limit=args.timeout, **args.stall)))
                    print(
                        f"   burst: {policy[0]['deliveries']} of {policy[0]['expected']} delivered in "
                        f"{policy[0]['seconds']} s, {policy[0]['dropped']} members dropped",
                        flush=True,
                    )
                    print(f"   stall: stalled member got {policy[1]['stalled_member']}", flush=True)
                code = server.stop()
            shutdown = server_problems(server, code)
            for entry in (load, faults, *policy):
                entry["server_exit_code"] = code
                entry["problems"] += shutdown
            results["load"].append(load)
            results["faults"].append(faults)
            results["policy"] += policy
            for problem in [p for entry in (load, faults, *policy) for p in entry["problems"]]:
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
    parser.add_argument("--quick", action="store_true", help="the scale of tests/load/ (20 clients × 50 messages)")
    parser.add_argument("--out", type=Path, help="where to write (default: the build file for the chosen scale)")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.messages, args.size = QUICK_LOAD["clients"], QUICK_LOAD["messages"], QUICK_LOAD["size"]
        args.fault_clients, args.faulty, args.timeout = QUICK_FAULTS["good"], QUICK_FAULTS["faulty"], QUICK_TIMEOUT
    args.burst, args.stall = (QUICK_BURST, QUICK_STALL) if args.quick else (FULL_BURST, FULL_STALL)
    output = RELIABILITY if args.quick else RELIABILITY_STRESS
    started = time.perf_counter()
    driver.PROGRESS_SECONDS = 60.0
    scale = {
        "load": {"clients": args.clients, "messages": args.messages, "size": args.size},
        "faults": {"good": args.fault_clients, "messages": args.messages, "faulty": args.faulty, "size": args.size},
        "chat_burst": args.burst,
        "chat_stall": args.stall,
        "apps": args.apps,
        "backends": args.backends,
    }
    command = " ".join(["python -m doctests.measure.reliability", *sys.argv[1:]])
    name = f"scaled-down (make {RELIABILITY.target})" if args.quick else "stress (make stress)"

    def save(results: dict[str, Any], kind: str = f"{name}, still running or cut short") -> None:
        results["seconds"] = round(time.perf_counter() - started, 1)
        output.write(results_document(kind, command, scale, results), args.out)

    results = run(args, save)
    save(results, name)
    failed = any(entry["problems"] for section in ("load", "faults", "policy") for entry in results[section])
    print(f"{'FAILED' if failed else 'passed'} in {results['seconds']} s; results in {args.out or output.path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
