"""`state`: replay `--hours` of simulated viewing `--compression` times faster than real time
and sample the local runner's held state (see bench.streaming and bench.streaming.state_report).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time
from pathlib import Path
from typing import Any

from bench.common import rss_bytes, stop_process, wait_ready, workdir
from bench.streaming.harness import check_running, emulator, emulator_rss_mb, start_pipeline
from bench.streaming.poller import start_poller
from bench.streaming.publisher import start_publisher
from bench.streaming.settings import (
    ALLOWED_LATENESS_SECONDS,
    DEDUPE_TTL_SECONDS,
    PUBLISH_START_DELAY_SECONDS,
    SIM_START,
    STATE_DRAIN_TIMEOUT_SECONDS,
    VIEW_GAP_SECONDS,
    VIEWER_SESSION_GAP_SECONDS,
)
from bench.streaming.state_report import analyse_state, sim_clock
from bench.streaming.stream import StreamSpec

HEADER = (
    f"{'wall min':>8} {'sim time':>8} {'published':>10} {'landed':>10} "
    f"{'final views':>11} {'held keys':>9} {'windows':>8} {'elements':>9} "
    f"{'values':>8} {'RSS MB':>7} {'emul MB':>7}"
)


def compressed_flags(c: float) -> list[str]:
    """The pipeline's event-time settings divided by the compression. (Early panes are a
    processing-time setting: they stay at --early-firing-seconds.)"""
    return [
        "--view_gap_seconds", f"{VIEW_GAP_SECONDS / c:g}",
        "--allowed_lateness_seconds", f"{ALLOWED_LATENESS_SECONDS / c:g}",
        "--viewer_session_gap_seconds", f"{VIEWER_SESSION_GAP_SECONDS / c:g}",
        "--dedupe_ttl_seconds", f"{DEDUPE_TTL_SECONDS / c:g}",
    ]  # fmt: skip


def take_sample(
    keeper: Any, pub: dict, poll: dict, folder: Path, t0: float, c: float
) -> dict[str, Any]:
    """One sample: published / landed / final views, RSS, and the keeper's latest HeldState
    (beam_local_runner.HeldState: per stateful step keys, windows, elements, values, timers)."""
    held = keeper.latest if keeper else None
    total = held.total() if held else None
    now = time.time()
    return {
        "wall_s": round(now - t0, 1),
        "sim_hours": round((now - t0) * c / 3600, 3),
        "published": pub["events"].value,
        "landed": poll["landed"].value,
        "final_views": poll["final_views"].value,
        "rss_mb": round(rss_bytes() / 1e6),
        "emulator_rss_mb": round(emulator_rss_mb(folder) or 0),
        "held": total.__dict__ if total else None,
        "held_at": held.at if held else None,
        "held_pass_ms": round(held.seconds * 1000, 1) if held else None,
        "steps": {k: v.__dict__ for k, v in held.steps.items()} if held else {},
    }


def print_sample(s: dict[str, Any]) -> None:
    held = s["held"] or {}
    print(
        f"{s['wall_s'] / 60:>8.1f} {sim_clock(s['sim_hours']):>8} "
        f"{s['published']:>10,} {s['landed']:>10,} "
        f"{s['final_views']:>11,} {held.get('keys', 0):>9,} "
        f"{held.get('windows', 0):>8,} {held.get('elements', 0):>9,} "
        f"{held.get('values', 0):>8,} {s['rss_mb']:>7,} "
        f"{s['emulator_rss_mb']:>7,}",
        flush=True,
    )


def follow(
    args: argparse.Namespace, result: Any, keeper: Any, pub: dict, poll: dict, folder: Path,
    t0: float,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:  # fmt: skip
    """Sample every --sample-seconds until --max-minutes, or once the publisher is done and the
    landed count stopped moving (faulty lines dead-letter and duplicates land twice); return the
    samples and the held state per step at the end."""
    print(HEADER, flush=True)
    samples: list[dict[str, Any]] = []
    stop_at = time.monotonic() + args.max_minutes * 60 if args.max_minutes else None
    drain_deadline = None
    while True:
        time.sleep(args.sample_seconds)
        sample = take_sample(keeper, pub, poll, folder, t0, args.compression)
        samples.append(sample)
        print_sample(sample)
        check_running(result)
        if stop_at and time.monotonic() > stop_at:
            print("stopped at --max-minutes", flush=True)
            break
        if pub["done"].is_set():
            drain_deadline = drain_deadline or time.monotonic() + STATE_DRAIN_TIMEOUT_SECONDS
            still = len(samples) > 2 and samples[-3]["landed"] == sample["landed"]
            if still or time.monotonic() > drain_deadline:
                break
    held = keeper.latest if keeper else None
    return samples, ({k: v.__dict__ for k, v in held.steps.items()} if held else {})


def measure(args: argparse.Namespace, spec: StreamSpec, folder: Path) -> dict[str, Any]:
    """Emulator, publisher, pipeline and poller up; replay and sample; everything stopped."""
    ctx = mp.get_context("spawn")
    warehouse = folder / "warehouse.duckdb"
    flags = compressed_flags(args.compression)
    with emulator(folder) as project:
        host = os.environ["PUBSUB_EMULATOR_HOST"]
        publisher, pub = start_publisher(ctx, spec, host, folder)
        try:
            wait_ready(publisher, pub["ready"], "publisher")
            result, keeper = start_pipeline(
                project, warehouse, args.early_firing_seconds, flags, collect_garbage=not args.no_gc
            )
            poller, poll = start_poller(ctx, warehouse, args.poll_seconds, folder, True)
            try:
                t0 = time.time() + PUBLISH_START_DELAY_SECONDS
                pub["go_at"].value = t0
                samples, steps_last = follow(args, result, keeper, pub, poll, folder, t0)
            finally:
                poll["stop"].set()
                stop_process(poller)
                result.cancel()
        finally:
            if publisher.is_alive():
                publisher.terminate()
            stop_process(publisher, 30)
    return {"t0": t0, "samples": samples, "steps_last": steps_last}


def run_state(args: argparse.Namespace) -> dict[str, Any]:
    c = args.compression
    spec = StreamSpec(
        "state", args.viewers, args.hours, args.seed, compression=c, faults=not args.no_faults
    )
    with workdir(args.workdir, "streaming-bench-", keep=args.keep, keep_on_error=True) as folder:
        print(
            f"state: {args.hours:g} h of simulated viewing ({args.viewers:,} viewers, from "
            f"{SIM_START}) replayed {c:g}x faster (~{args.hours * 3600 / c / 60:.0f} min); "
            f"housekeeping {'off (--no-gc)' if args.no_gc else 'on'}; work dir {folder}",
            flush=True,
        )
        run = measure(args, spec, folder)
        summary = analyse_state(args, folder, run["samples"], run["steps_last"], run["t0"])
    summary["work_dir"] = str(folder)
    return summary
