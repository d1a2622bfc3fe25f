"""Generate the figures of the Performance page from the benchmark results.

`render()` reads `builddata.BENCH`, written by `python -m doctests.measure.bench`
(`make bench`; `--quick` in every build), and
returns Markdown: where and with what the run was measured, the per-message
table (ns per round trip, ratios to Starlette 0.29 and to today's Starlette),
the uvicorn echo figures and the wall-clock figures, each against its target.
Every number comes from the file; only headings and targets are typed here.
"""

from __future__ import annotations

from typing import Any

from doctests.builddata import BENCH, describe

# The targets of the benchmark issue. A ratio counts as met up to NOISE: the
# batches of one run differ by more than that on a shared machine.
NOISE = 1.05
WALL_TARGETS = {"spec_check": ("The whole spec check", 5.0), "docs_build": ("A strict docs build", 10.0)}
ENVIRONMENTS = {
    "starlette_029": "Starlette {version} (the code this site describes)",
    "starlette_today": "Starlette {version} (today's)",
}
EXCHANGES = {"text": "`send_text` + `receive_text`", "json": "`send_json` + `receive_json`"}


def load() -> dict[str, Any]:
    """The figures, with the stamp under "environment"; `MissingInput` names the make target."""
    document = BENCH.read_document()
    return {**document["data"], "environment": document["environment"]}


def verdict(ratio: float) -> str:
    return "met" if ratio <= NOISE else "**not met**"


def heading(data: dict[str, Any]) -> list[str]:
    return [f"{describe(data['environment'])} Command: `{data['command']}`."]


def message_table(data: dict[str, Any]) -> list[str]:
    lines = [
        "| Round trip | Compared with | Raw floor (ns) | `reference_impl` (ns) | Starlette (ns) "
        "| Ratio, total | Ratio, overhead above the floor | Target: ratio ≤ 1.00 |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for kind, exchange in EXCHANGES.items():
        for env, label in ENVIRONMENTS.items():
            run = data["per_message"].get(env)
            if run is None:
                lines.append(f"| {exchange} | {env} | not measured (no `.venv-oracle`) | | | | | |")
                continue
            ns = run["ns"][kind]
            ratio = run["ratios"][kind]["min"]
            lines.append(
                f"| {exchange} | {label.format(version=run['starlette'])} | {ns['raw']['min']:,.0f} "
                f"| {ns['reference']['min']:,.0f} | {ns['starlette']['min']:,.0f} | {ratio['total']:.2f} "
                f"| {ratio['overhead']:.2f} | {verdict(ratio['total'])} |"
            )
    some = next(iter(data["per_message"].values()))
    lines += [
        "",
        f"Each figure is the fastest of {some['repeats']} batches of {some['batch']:,} round trips; the "
        "implementations take turns batch by batch. The ratios compare figures from one process. "
        f"A target counts as met up to {NOISE:.2f}, the noise between batches on a shared machine.",
    ]
    return lines


def profile_table(data: dict[str, Any]) -> list[str]:
    found = data.get("profile")
    if not found:
        return ["Not profiled in this run."]
    lines = [
        f"`reference_impl`, one `{found['round_trip']}` round trip, under {found['tool']}: the functions with the "
        "most time of their own. The profiler's cost per call inflates small functions, so read the shares as "
        "where the calls are.",
        "",
        "| Function | Calls per round trip | Own time | Including callees |",
        "| --- | ---: | ---: | ---: |",
    ]
    for row in found["top"]:
        lines.append(
            f"| `{row['function']}` | {row['calls_per_round_trip']:g} | {row['own_share']:.0%} "
            f"| {row['cumulative_share']:.0%} |"
        )
    return lines


def echo_table(data: dict[str, Any]) -> list[str]:
    echo = data.get("echo")
    if not echo:
        return ["Not measured in this run (`--skip-echo`)."]
    rates = echo["per_second"]
    best, median = (rates["reference"][stat] / rates["starlette"][stat] for stat in ("best", "median"))
    return [
        "| Implementation | Round trips per second (best) | Median |",
        "| --- | ---: | ---: |",
        f"| `reference_impl` | {rates['reference']['best']:,.0f} | {rates['reference']['median']:,.0f} |",
        f"| Starlette {echo['versions']['starlette']} | {rates['starlette']['best']:,.0f} "
        f"| {rates['starlette']['median']:,.0f} |",
        "",
        f"Ratio `reference_impl` / Starlette, higher is better: {best:.2f} (best runs), {median:.2f} (medians). "
        f"Each run is {echo['count']:,} sequential "
        f"round trips on one connection, {echo['repeats']} runs each, taking turns; uvicorn "
        f"{echo['versions']['uvicorn']} with the `{echo['backend']}` backend, websockets "
        f"{echo['versions']['websockets']} as the client, all on loopback on the same machine.",
    ]


def wall_table(data: dict[str, Any]) -> list[str]:
    figures = data.get("wall_clock")
    if not figures:
        return ["Not measured in this run: the quick run leaves the whole spec check and a site build to `make bench`."]
    lines = ["| What | Command | Seconds | Target | Result |", "| --- | --- | ---: | ---: | --- |"]
    for key, (label, target) in WALL_TARGETS.items():
        figure = figures[key]
        command = figure["command"]
        if figure["status"]:
            result = f"**failed** (exit {figure['status']}), so the time is not a valid figure"
        else:
            result = "met" if figure["seconds"] < target else "**not met**"
        lines.append(f"| {label} | `{command}` | {figure['seconds']:.2f} | < {target:g} | {result} |")
    return lines


def chat_table(data: dict[str, Any]) -> list[str]:
    """Deliveries per second and delivery delays of `docs/examples/chat.py` and of the naive broadcast loop."""
    chat = data.get("chat")
    if not chat:
        return ["Not measured in this run (`--skip-chat`)."]
    lines = [
        "| App | Deliveries | Per second | Worst delay (ms) | Median delay (ms) | Members dropped | Problems |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    labels = {"chat": "`chat.py` (a queue and a sender task per member)", "naive": "the naive loop"}
    for name, label in labels.items():
        run = chat[name]
        problems = "; ".join(run["problems"]) or "none"
        lines.append(
            f"| {label} | {run['deliveries']:,} of {run['expected']:,} | {run['deliveries_per_second']:,.0f} "
            f"| {run['worst_delay_ms']:,.0f} | {run['median_delay_ms']:,.0f} | {run['dropped']} | {problems} |"
        )
    lines += [
        "",
        f"{chat['members']} members each send {chat['messages']} messages at once while every member reads "
        f"as fast as it can, under uvicorn's `{chat['backend']}` backend; clients and server share one process, "
        "so the delays mostly measure CPU queueing on this machine.",
    ]
    return lines


def browser_table(data: dict[str, Any]) -> list[str]:
    """Cold start, warm runs and bytes fetched of the Run buttons, measured on the timed build."""
    run = data.get("run_in_browser")
    if not run:
        return ["Not measured in this run: `make bench` measures it in headless Chromium on the build it times."]
    return [
        "| Figure | Measured | Goal |",
        "| --- | ---: | --- |",
        f"| Cold start: first click to first output | {run['cold_s']:.2f} s | under 4 s on 2 cores |",
        f"| Warm run: one block, Python already running (median) | {run['warm_median_s']:.3f} s | under 0.1 s |",
        f"| Warm run, slowest block | {run['warm_max_s']:.3f} s | |",
        f"| Fetched by the first click | {run['cold_bytes']:,} bytes in {run['cold_requests']} requests | |",
        f"| Blocks run on {run['pages']} pages, one interpreter | {run['passed']} of {run['blocks']} printed "
        "the page's output | all |",
    ]


def render() -> str:
    data = load()
    parts = [
        *heading(data),
        "",
        "### Per message, in memory",
        "",
        *message_table(data),
        "",
        "### Where the time goes",
        "",
        *profile_table(data),
        "",
        "### Echo over uvicorn",
        "",
        *echo_table(data),
        "",
        "### Broadcast: the chat example against the naive loop",
        "",
        *chat_table(data),
        "",
        "### Spec check and docs build",
        "",
        *wall_table(data),
        "",
        "### Run buttons: Python in the page",
        "",
        *browser_table(data),
    ]
    return "\n".join(parts) + "\n"
