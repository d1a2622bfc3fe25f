"""The one owner of every generated data file under `build/`: path, schema, producer, read and write.

Programs that measure something (`doctests.measure.*`, the spec check's
`--report`) write through `Output.write`; the site generators
(`doctests.sitegen.pages.*`) read through `Output.read`. Nothing else names a
`build/` path, so a file's path, its schema and the command that makes it
are stated once, here, and the Makefile rule that makes it.

Two caches under `build/` are folders, not data files, and have one owner
each too: `build/pyodide/` (the pinned in-browser runtime,
`doctests.sitegen.pyodide`) and the Starlette release downloads of the
release history, if present (`doctests.measure.history`).

Every file carries one environment stamp (`Environment`): when it was
measured, the machine, and the versions of the packages involved, read from
installed metadata.

A missing file is a `MissingInput` error that names the `make` target that
makes it.

Example:
    >>> SERVERS.target
    'build/servers.json'
    >>> SERVERS.command
    'python -m doctests.measure.probe'
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypedDict, TypeVar, cast

from doctests import ROOT

BUILD = ROOT / "build"

# The packages whose versions every stamp records, when they are installed.
STAMPED = (
    "asgi-websockets-reference",
    "starlette",
    "fastapi",
    "uvicorn",
    "websockets",
    "wsproto",
    "hypercorn",
    "daphne",
    "granian",
    "mkdocs",
    "mkdocs-material",
)


class MissingInput(FileNotFoundError):
    """A generated input does not exist yet; the message says which `make` target makes it."""


class Machine(TypedDict):
    """Where the figures were measured."""

    nproc: int
    cpu: str
    platform: str
    python: str
    load_average: list[float]


class Environment(TypedDict):
    """The one stamp every generated file carries."""

    measured: str
    machine: Machine
    versions: dict[str, str]


class Document(TypedDict):
    """What every file under `build/` holds at its top level; the rest is the producer's own data."""

    environment: Environment
    data: dict[str, Any]


def cpu_model() -> str:
    """The CPU model from `/proc/cpuinfo`, or "unknown"."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return "unknown"


def installed_versions(names: tuple[str, ...] = STAMPED) -> dict[str, str]:
    """`{distribution: version}` for each of `names` that is installed, read from its metadata."""
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def stamp() -> Environment:
    """The environment stamp for a file written now."""
    return {
        "measured": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "nproc": len(os.sched_getaffinity(0)),
            "cpu": cpu_model(),
            "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
            "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "versions": installed_versions(),
    }


def write_document(path: Path, data: dict[str, Any]) -> None:
    """Write `data` under a fresh environment stamp, whole: a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document: Document = {"environment": stamp(), "data": data}
    temporary = path.with_name(path.name + ".part")
    temporary.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(path)


def describe(environment: Environment) -> str:
    """The stamp as one sentence for a page: when, on what machine, with which versions."""
    machine = environment["machine"]
    versions = ", ".join(f"{name} {version}" for name, version in environment["versions"].items())
    load = " / ".join(str(x) for x in machine["load_average"])
    return (
        f"Measured on {environment['measured']} on {machine['nproc']} CPUs ({machine['cpu']}; {machine['platform']}; "
        f"load average {load} when the file was written), with {versions}."
    )


def read_data(path: Path) -> dict[str, Any]:
    """The data part of any file `write_document` wrote."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or set(document) != {"environment", "data"}:
        raise ValueError(f"{path} is not in doctests.builddata's format")
    return cast(dict[str, Any], document["data"])


T = TypeVar("T")


@dataclass(frozen=True)
class Output(Generic[T]):
    """One generated file: where it lives, what makes it, and its schema `T` (the `data` part).

    Attributes:
        name: The file name under `build/`.
        command: The command that makes it (run from the repository root, in `.venv`).
        about: What it holds, in a few words (shown in errors).
        folder: Where it lives: `build/`, or a test's own folder (`dataclasses.replace(output, folder=...)`).
    """

    name: str
    command: str
    about: str
    folder: Path = BUILD

    @property
    def path(self) -> Path:
        return self.folder / self.name

    @property
    def target(self) -> str:
        """The `make` target that makes this file."""
        return f"build/{self.name}"

    def exists(self) -> bool:
        return self.path.exists()

    def write(self, data: T, path: Path | None = None) -> Path:
        """Write `data` with a fresh environment stamp; return the path written."""
        out = path or self.path
        write_document(out, cast(dict[str, Any], data))
        return out

    def read_document(self, path: Path | None = None) -> Document:
        """The stamp and the data; `MissingInput` if the file does not exist."""
        source = path or self.path
        if not source.exists():
            raise MissingInput(
                f"{source} is missing ({self.about}): make it with `make {self.target}` (runs `{self.command}`)"
            )
        document = json.loads(source.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or set(document) != {"environment", "data"}:
            raise ValueError(f"{source} is not in doctests.builddata's format: remake it with `make {self.target}`")
        return cast(Document, document)

    def read(self, path: Path | None = None) -> T:
        """The data part; `MissingInput` if the file does not exist."""
        return cast(T, self.read_document(path)["data"])


# The schemas stay open (`dict[str, Any]`) below their top level: each
# producer documents its own fields, and its page generator is the one reader.
SERVERS: Output[dict[str, Any]] = Output(
    "servers.json", "python -m doctests.measure.probe", "what five ASGI servers do, case by case"
)
"""`build/servers.json`, written by `doctests.measure.probe`, read by `doctests.sitegen.pages.servers`.

Its `data`:

* `config`: `window_seconds` (how long the client waits for what may not come),
  `app_wait_seconds` (the app's bound on each `receive()`), `shutdown_runs`
  (runs per signal of the shutdown case);
* `cases`: `[{id, title, does}]`, the probe's cases in order, `shutdown` last;
* `servers`: one entry per server configuration, in column order:
  `id`, `name`, `package`, `version` (installed metadata, None if missing),
  `backend_version` (uvicorn's protocol library), and then either `skipped`
  (why it was not measured: one line) or
  * `defaults`: `ping_interval`, `ping_timeout`, `max_message` (`max_frame`)
    as configured by default (None: no such option), and `source`, where
    they were read;
  * `cases`: `{case id: {app, app_finished, client, seconds}}`. `app` is the
    app's notes in order, each `{"op": "receive" | "send" | "scope" | "wait" |
    "done", ...}` with the `message` as JSON (bytes as `{"bytes": hex}` or
    `{"bytes_len": n}`), `code_type` when a code is not a plain `int`, and
    `error`, `text`, `oserror` when a call raised, or `timeout`. `client` is
    what the raw client saw: `handshake` (`status`, `status_line`, `headers`,
    `header_values`, `body`, or `end` when no response came) and `after`
    (`frames`, `close` with `code`, `reason`, `reason_bytes`,
    `payload_bytes`, and `end`: "close frame", "TCP closed", "TCP reset" or
    "nothing within N s");
  * `shutdown`: `{"SIGINT" | "SIGTERM": [{app, client}, ...]}`, one per run;
  * `processes`: every server process started: `role`, `pid`, `children`,
    `signal`, `exit_code`, `exit_seconds`, `killed`, `left_over`,
    `startup_seconds`;
  * `command` (the server's command line) and `seconds`;
* `seconds`: the whole probe, wall clock.
"""
BENCH: Output[dict[str, Any]] = Output("bench.json", "python -m doctests.measure.bench --quick", "benchmark figures")
RELIABILITY: Output[dict[str, Any]] = Output(
    "reliability.json", "python -m doctests.measure.reliability --quick", "load and fault figures"
)
RELIABILITY_STRESS: Output[dict[str, Any]] = Output(
    "reliability-stress.json", "python -m doctests.measure.reliability", "load and fault figures at full scale"
)
COMPAT_STARLETTE: Output[dict[str, Any]] = Output(
    "compat-starlette.json",
    "python -m doctests --impl starlette.websockets --quiet --exit-zero --report build/compat-starlette.json",
    "today's Starlette through the docs examples",
)
COMPAT_FASTAPI: Output[dict[str, Any]] = Output(
    "compat-fastapi.json",
    "python -m doctests --impl fastapi.websockets --quiet --exit-zero --report build/compat-fastapi.json",
    "today's FastAPI through the docs examples",
)
COMPAT_STARLETTE_029: Output[dict[str, Any]] = Output(
    "compat-starlette-0.29.json",
    ".venv-oracle/bin/python -m doctests --impl starlette.websockets --require-tag starlette-0.29 --quiet "
    "--report build/compat-starlette-0.29.json",
    "Starlette 0.29.0 through the examples it must pass",
)
STARLETTE_HISTORY: Output[dict[str, Any]] = Output(
    "starlette-history.json",
    "python -m doctests.measure.history --subset",
    "the spec check against the last patch of each Starlette minor release (`make history` runs them all)",
)
# The history's caches, kept between runs: one `pip install --target` folder per
# Starlette release (`<version>/`), each release's spec-check report and log
# (`reports/`), the PyPI version lists and FastAPI's metadata (`pypi/`). Only
# `doctests.measure.history` reads or writes them.
STARLETTE_HISTORY_CACHE = BUILD / "starlette-history"

KEEPALIVE: Output[dict[str, Any]] = Output(
    "keepalive.json", "python -m doctests.measure.keepalive", "how long uvicorn takes to notice a vanished client"
)
SHUTDOWN: Output[dict[str, Any]] = Output(
    "shutdown.json", "python -m doctests.measure.shutdown", "what client and app see when uvicorn shuts down"
)
SERVER_MESSAGES: Output[dict[str, Any]] = Output(
    "server-messages.json", "python -m doctests.measure.server_messages", "uvicorn's own messages, captured"
)

RUN_IN_BROWSER: Output[dict[str, Any]] = Output(
    "run-in-browser.json", "python -m doctests.measure.run_in_browser", "the Run buttons' start-up and run times"
)

OUTPUTS = (
    RUN_IN_BROWSER,
    SERVERS,
    BENCH,
    RELIABILITY,
    RELIABILITY_STRESS,
    COMPAT_STARLETTE,
    COMPAT_FASTAPI,
    COMPAT_STARLETTE_029,
    STARLETTE_HISTORY,
    KEEPALIVE,
    SHUTDOWN,
    SERVER_MESSAGES,
)
