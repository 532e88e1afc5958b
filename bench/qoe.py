"""Measure the per-view QoE functions of streamqoe.qoe per event, against a bare json.loads floor.

Reads the beacon files of a simulated run (`player/**/*.jsonl.gz`: gzipped JSON lines, each line a
JSON array of player events; malformed lines are skipped), groups the events by view_id as the
pipeline does, and measures in the same run, per player event:

- the floor: `json.loads` of every line holding those events (the least any pipeline pays per event);
- `build_timeline(events, closed=True)` per view;
- `view_record(timeline)` and `minute_contributions(timeline)` per view, from prebuilt timelines;
- `compute_view(events, closed=True)` per view (build_timeline + view_record);
- their sum build_timeline + view_record + minute_contributions (what the pipeline runs per view).

Each figure is the best of `--repeat` runs, in CPU seconds of this process (the machine is shared:
the best run is the least disturbed one). Results are dropped as they are made, and the loaded
events are moved out of the garbage collector's sight (gc.freeze) so that its passes over them do
not count. Views whose events `build_timeline` rejects (contract violations planted by the
simulator) are left out and counted.

Memory layout matters: an event dict is ~2 KB and much of build_timeline's time on a cold cache is
spent reaching into the event dicts. `--layout grouped` (default) hands each view's events over
decoded together, side by side and sharing their key strings, as the batch pipeline's columnar path
builds them (pipelines.transforms.bulk_views.table_events); `--layout lines` keeps them as parsed
line by line, scattered over the heap among other views' events (the slowest case).

The functions: `build_timeline` (streamqoe.qoe.state_machine), `view_record` and `compute_view`
(streamqoe.qoe.views), `minute_contributions` (streamqoe.qoe.minute_contributions).

`--baseline FILE` also measures another version of them from one file defining all four (e.g. the
former single module: `git show REV:streamqoe/qoe/view.py > /tmp/qoe_old.py`), interleaved with
the current one in every repeat, and prints the speedup of each function: before/after figures
measured side by side.

    uv run python -m bench.qoe                          # simulates a small run first
    uv run python -m bench.qoe --data /tmp/bench1m      # reuse a simulated run
    uv run python -m bench.qoe --data /tmp/bench1m --baseline /tmp/qoe_old.py
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from bench.common import beacon_files, load_module_file, simulate_run, workdir
from streamqoe.qoe import minute_contributions as qoe_minutes
from streamqoe.qoe import state_machine as qoe_timeline
from streamqoe.qoe import views as qoe_views

DEFAULT_VIEWERS = 300
DEFAULT_HOURS = 4
FUNCTIONS = ("build_timeline", "view_record", "minute_contributions", "compute_view")
PIPELINE_TRIO = "bt+vr+mc"
"""build_timeline + view_record + minute_contributions: the per-view work of the pipeline."""


def simulate(out: Path) -> None:
    """Write a small simulated run into `out`."""
    simulate_run(out, DEFAULT_VIEWERS, DEFAULT_HOURS)


def load_lines(data: Path) -> list[str]:
    """Every line of the run's beacon files that parses as a JSON array (the rest is skipped)."""
    lines = []
    for path in beacon_files(data):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                try:
                    doc = json.loads(line)
                except ValueError:
                    continue
                if isinstance(doc, list):
                    lines.append(line)
    return lines


def group_views(lines: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The events of the lines grouped by view_id, in file order (as a GroupByKey would give)."""
    views: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        for event in json.loads(line):
            if isinstance(event, dict):
                views.setdefault(str(event.get("view_id")), []).append(event)
    return views


def _view_id(line: str) -> str | None:
    """The view_id of a beacon line's first event (None when it has no event object)."""
    doc = json.loads(line)
    return str(doc[0].get("view_id")) if doc and isinstance(doc[0], dict) else None


def current() -> SimpleNamespace:
    """The project's four measured functions (streamqoe.qoe: state_machine.build_timeline,
    views.view_record and compute_view, minute_contributions.minute_contributions)."""
    return SimpleNamespace(
        build_timeline=qoe_timeline.build_timeline,
        view_record=qoe_views.view_record,
        minute_contributions=qoe_minutes.minute_contributions,
        compute_view=qoe_views.compute_view,
    )


def load_module(path: Path) -> ModuleType:
    """Import another version of the four functions from one file, under its own name."""
    return load_module_file(path, "qoe_baseline")


def seconds_of(run: Callable[[], object]) -> float:
    """CPU time of this process for one call of `run` (less disturbed than wall time by other
    processes on a shared machine; the work is single-threaded)."""
    started = time.process_time()
    run()
    return time.process_time() - started


def measure(module: Any, views: list[list[dict[str, Any]]]) -> dict[str, Callable[[], object]]:
    """One zero-argument callable per measured function of `module`, over all `views`."""
    timelines = [module.build_timeline(events, closed=True) for events in views]
    build_timeline, view_record = module.build_timeline, module.view_record
    minute_contributions, compute_view = module.minute_contributions, module.compute_view

    def run_build_timeline() -> None:
        for events in views:
            build_timeline(events, closed=True)

    def run_view_record() -> None:
        for timeline in timelines:
            view_record(timeline)

    def run_minute_contributions() -> None:
        for timeline in timelines:
            minute_contributions(timeline)

    def run_compute_view() -> None:
        for events in views:
            compute_view(events, closed=True)

    return {
        "build_timeline": run_build_timeline,
        "view_record": run_view_record,
        "minute_contributions": run_minute_contributions,
        "compute_view": run_compute_view,
    }


def usable_views(
    views: dict[str, list[dict[str, Any]]],
) -> tuple[list[list[dict[str, Any]]], int]:
    """The views build_timeline accepts, and how many it rejects (invalid planted events)."""
    kept, rejected = [], 0
    for events in views.values():
        try:
            qoe_timeline.build_timeline(events, closed=True)
        except (ValueError, KeyError, TypeError, AttributeError):
            rejected += 1
            continue
        kept.append(events)
    return kept, rejected


def report(label: str, seconds: dict[str, float], events: int, floor_us: float) -> dict[str, float]:
    """Print one implementation's figures; return its µs per event by function."""
    per_event = {name: seconds[name] / events * 1e6 for name in seconds}
    per_event[PIPELINE_TRIO] = sum(
        per_event[name] for name in ("build_timeline", "view_record", "minute_contributions")
    )
    print(f"\n{label}")
    print(f"  {'function':<22}{'µs/event':>10}{'events/s':>14}{'x json.loads':>14}")
    for name, us in per_event.items():
        print(f"  {name:<22}{us:>10.3f}{1e6 / us:>14,.0f}{us / floor_us:>14.2f}")
    return per_event


def run(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """Measure and print; return µs per event by function, per implementation (label)."""

    with workdir(None, "qoe-bench-") as tmp:
        data = args.data
        if data is None:
            data = tmp / "run"
            simulate(data)
        lines = load_lines(data)
    grouped = group_views(lines)
    views, rejected = usable_views(grouped)
    if args.layout == "grouped":  # each view's events decoded together, as the pipeline does
        views = [json.loads(json.dumps(events)) for events in views]
    kept_ids = {str(events[0].get("view_id")) for events in views}
    floor_lines = [line for line in lines if _view_id(line) in kept_ids]
    events = sum(len(v) for v in views)
    print(
        f"{len(views)} views, {events:,} events, {len(floor_lines):,} lines "
        f"({rejected} views with invalid events left out); layout {args.layout}; "
        f"best of {args.repeat} runs"
    )

    modules: dict[str, Any] = {"current streamqoe.qoe": current()}
    if args.baseline is not None:
        modules = {f"baseline {args.baseline}": load_module(args.baseline), **modules}
    runs = {label: measure(module, views) for label, module in modules.items()}
    gc.collect()
    gc.freeze()  # the loaded events and prebuilt timelines are not garbage: leave them out of GC

    def run_floor() -> None:
        for line in floor_lines:
            json.loads(line)

    floor = float("inf")
    seconds = {label: dict.fromkeys(FUNCTIONS, float("inf")) for label in modules}
    for _ in range(args.repeat):  # interleaved, so every implementation sees the same machine
        floor = min(floor, seconds_of(run_floor))
        for label, calls in runs.items():
            for name in FUNCTIONS:
                seconds[label][name] = min(seconds[label][name], seconds_of(calls[name]))

    floor_us = floor / events * 1e6
    print(f"\nfloor json.loads: {floor_us:.3f} µs/event, {1e6 / floor_us:,.0f} events/s")
    figures = {label: report(label, seconds[label], events, floor_us) for label in modules}
    if args.baseline is not None:
        before, after = figures.values()
        print("\nspeedup (baseline / current)")
        for name in after:
            print(f"  {name:<22}{before[name] / after[name]:>10.2f}x")
    sys.stdout.flush()
    return figures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="a simulated run (default: simulate one)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (best)")
    parser.add_argument(
        "--baseline", type=Path, help="a file with another version of the four functions"
    )
    parser.add_argument(
        "--layout",
        choices=("grouped", "lines"),
        default="grouped",
        help="each view's events decoded together (default) or as parsed line by line",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    run(parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
