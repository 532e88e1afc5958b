"""`freshness`: publish `--rate` player events per second for `--minutes` and measure how soon
each is visible to an analyst polling the warehouse (see bench.streaming and
bench.streaming.freshness_report)."""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time
from pathlib import Path
from typing import Any

from bench.common import rss_bytes, stop_process, wait_ready, workdir
from bench.streaming.freshness_report import analyse_freshness
from bench.streaming.harness import (
    check_running,
    emulator,
    print_runner_counters,
    runner_counters,
    start_pipeline,
)
from bench.streaming.poller import start_poller
from bench.streaming.profile import StackSampler
from bench.streaming.publisher import start_publisher
from bench.streaming.settings import (
    DRAIN_TIMEOUT_SECONDS,
    FRESHNESS_WARMUP_HOURS,
    PUBLISH_START_DELAY_SECONDS,
    VIEWERS_PER_EVENT_PER_SECOND,
    VIEWS_SETTLE_SECONDS,
)
from bench.streaming.stream import StreamSpec


def freshness_spec(args: argparse.Namespace) -> StreamSpec:
    """The stream: rate x (minutes + 10 s) events after the warm-up, from enough viewers."""
    seconds = args.minutes * 60
    return StreamSpec(
        "freshness",
        args.viewers or int(VIEWERS_PER_EVENT_PER_SECOND * args.rate),
        FRESHNESS_WARMUP_HOURS + 1.5 * (seconds + 10) / 3600 + 0.25,
        args.seed,
        rate=args.rate,
        events=int(args.rate * (seconds + 10)),
        cache=str(args.stream_cache) if args.stream_cache else None,
    )


def follow(
    args: argparse.Namespace, result: Any, keeper: Any, pub: dict, poll: dict, t0: float
) -> list[dict[str, Any]]:
    """Print a progress row every --report-seconds until everything published landed (or the
    drain timeout passed after the publisher finished); return the rows."""
    print(
        f"{'t (s)':>6} {'published':>10} {'landed':>10} {'backlog':>8} "
        f"{'RSS MB':>7} {'held keys':>9} {'held elems':>10}",
        flush=True,
    )
    timeline: list[dict[str, Any]] = []
    deadline = None
    while True:
        time.sleep(args.report_seconds)
        published, landed = pub["events"].value, poll["landed"].value
        held = keeper.latest.total() if keeper and keeper.latest else None
        row = {
            "t": round(time.time() - t0, 1),
            "published": published,
            "landed": landed,
            "backlog": published - landed,
            "rss_mb": round(rss_bytes() / 1e6),
            "held_keys": held.keys if held else None,
            "held_elements": held.elements if held else None,
        }
        timeline.append(row)
        print(
            f"{row['t']:>6.0f} {published:>10,} {landed:>10,} {row['backlog']:>8,} "
            f"{row['rss_mb']:>7,} {row['held_keys'] or 0:>9,} "
            f"{row['held_elements'] or 0:>10,}",
            flush=True,
        )
        check_running(result)
        if pub["done"].is_set():
            if deadline is None:
                deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
            if landed >= published or time.monotonic() > deadline:
                return timeline


def measure(args: argparse.Namespace, spec: StreamSpec, folder: Path) -> dict[str, Any]:
    """Emulator, publisher, pipeline and poller up; publish and follow; everything stopped.
    Returns t0 (publish start), the timeline, the runner's counters and the profile."""
    ctx = mp.get_context("spawn")
    warehouse = folder / "warehouse.duckdb"
    with emulator(folder) as project:
        host = os.environ["PUBSUB_EMULATOR_HOST"]
        publisher, pub = start_publisher(ctx, spec, host, folder)
        try:
            wait_ready(publisher, pub["ready"], "publisher (simulated and prepared the stream)")
            result, keeper = start_pipeline(project, warehouse, args.early_firing_seconds)
            if keeper and args.max_firings:
                keeper.max_firings = args.max_firings
            sampler = StackSampler().start() if args.profile else None
            poller, poll = start_poller(ctx, warehouse, args.poll_seconds, folder, False)
            try:
                t0 = time.time() + PUBLISH_START_DELAY_SECONDS
                pub["go_at"].value = t0
                timeline = follow(args, result, keeper, pub, poll, t0)
                time.sleep(VIEWS_SETTLE_SECONDS if args.views_settle else 0)
            finally:
                poll["stop"].set()
                stop_process(poller)
                counters = runner_counters(keeper)
                result.cancel()
                profile = sampler.report() if sampler else None
                if sampler:
                    sampler.stop()
        finally:
            stop_process(publisher, 120)
    return {"t0": t0, "timeline": timeline, "counters": counters, "profile": profile}


def run_freshness(args: argparse.Namespace) -> dict[str, Any]:
    spec = freshness_spec(args)
    if args.analyse_only:  # re-read a kept work dir
        import numpy as np

        if not args.workdir:
            raise SystemExit("--analyse-only needs --workdir")

        t0 = float(np.load(args.workdir / "published.npz")["t0"])
        return analyse_freshness(args, args.workdir, [], t0, spec)
    with workdir(args.workdir, "streaming-bench-", keep=args.keep, keep_on_error=True) as folder:
        print(
            f"freshness: {args.rate:g} events/s for {args.minutes:g} min; {spec.viewers:,} "
            f"simulated viewers; poll every {args.poll_seconds:g} s; early panes every "
            f"{args.early_firing_seconds:g} s; work dir {folder}",
            flush=True,
        )
        run = measure(args, spec, folder)
        summary = analyse_freshness(args, folder, run["timeline"], run["t0"], spec)
    summary |= run["counters"]
    print_runner_counters(run["counters"])
    summary["profile"] = run["profile"]
    summary["work_dir"] = str(folder)
    return summary
