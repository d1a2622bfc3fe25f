"""`asgi-ws-spec MODULE`: check an implementation of the `WebSocket` API against this site's examples.

Installed with `pip install "asgi-websockets-reference[spec]"`, it runs in
the implementer's own environment, with no clone: the wheel ships the
runner (`doctests`), the reference (`reference_impl`, whose docstrings hold
examples too) and the site's Markdown pages with the example apps they
include (`asgi_ws_spec/docs`, package data extracted from `docs/` when the
wheel is built). It is `python -m doctests --impl MODULE` by another name:
the same tables, the same closing lines, the same `--report`; the coverage
checks, which need the site and a checkout, are left out.

Exit status: 0 when every selected example is the same or equivalent, 1 when
one differs (or needs a name MODULE lacks), 2 when MODULE cannot be used (one
line on stderr says why).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys

PROG = "asgi-ws-spec"
EXTRA = 'pip install "asgi-websockets-reference[spec]"'


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0].partition(": ")[2])
    parser.add_argument("module", metavar="MODULE", help="the implementation: a dotted module name or a .py file")
    parser.add_argument("paths", nargs="*", metavar="PAGE", help="only these pages (docs/tutorial/json.md, ...)")
    parser.add_argument("--exclude-tag", action="append", default=[], metavar="TAG", help="do not count TAG's examples")
    parser.add_argument(
        "--require-tag", action="append", default=[], metavar="TAG", help="count only examples with one of these tags"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per example (default %(default)s)")
    parser.add_argument("--report", metavar="FILE.json", help="write the run and one record per example")
    parser.add_argument("--quiet", "-q", action="store_true", help="no tables: what ran, failures, the closing lines")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when examples differ")
    parser.add_argument("--exact", action="store_true", help="compare output as text only, as doctest does")
    return parser.parse_intermixed_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if importlib.util.find_spec("sybil") is None:
        print(f"{PROG}: the runner needs sybil: {EXTRA}", file=sys.stderr)
        return 2
    from doctests.__main__ import main as run
    from doctests.spec.impl import ImplementationError, load

    try:
        load(args.module)
    except ImplementationError as error:
        print(f"{PROG}: {str(error).removeprefix('--impl ')}", file=sys.stderr)
        return 2
    command = ["--impl", args.module, "--timeout", str(args.timeout), *args.paths]
    command += [f"--exclude-tag={tag}" for tag in args.exclude_tag]
    command += [f"--require-tag={tag}" for tag in args.require_tag]
    command += ["--report", args.report] if args.report else []
    command += [flag for flag in ("--quiet", "--exit-zero", "--exact") if getattr(args, flag[2:].replace("-", "_"))]
    return run(command)
