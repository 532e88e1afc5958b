"""Measure simulator throughput against the goals of issue #3, in one run.

Prints player events/s, CDN log lines/s and total lines/s (files written, gzip included, over the
whole run's wall time), the peak RSS of the parent and of the largest worker (getrusage) and the
peak of their sum (sampled from /proc every 0.2 s), and the ratio of each rate to its goal. It also
prints the CPU seconds of all processes and the rates per CPU second, which do not depend on what
else the machine is running (wall-clock rates do: compare runs made back to back).

uv run python -m bench.simulate --viewers 5000 --hours 24 --cdn-sample 1 [--workers N] [--chunk-views N]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from typing import Any

from bench.common import PeakRssSampler, cpu_seconds, peak_rss_mb, workdir
from streamqoe.simulator.config import CHUNK_VIEWS, SimConfig
from streamqoe.simulator.run import simulate

GOAL_PLAYER_EVENTS_PER_S = 150_000
GOAL_CDN_LINES_PER_S = 100_000
RSS_SAMPLE_S = 0.2


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Simulate once; return the figures (rates, seconds, memory, CPU, ratios to the goals)."""
    cfg = SimConfig(
        viewers=args.viewers,
        hours=args.hours,
        seed=args.seed,
        cdn_sample=args.cdn_sample,
        chunk_views=args.chunk_views,
    )
    cpu_before = cpu_seconds()
    sampler = PeakRssSampler(RSS_SAMPLE_S)
    sampler.start()
    with workdir(None, "simulate-bench-") as tmp:
        t0 = time.perf_counter()
        s = simulate(cfg, args.out or tmp, workers=args.workers)
        dt = time.perf_counter() - t0
    peak_sum = sampler.stop()
    cpu_s = cpu_seconds() + cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before
    ev_s, cdn_s = s.player_events / dt, s.cdn_lines / dt
    return {
        "viewers": args.viewers,
        "hours": args.hours,
        "cdn_sample": args.cdn_sample,
        "workers": s.extra.get("workers"),
        "chunk_views": cfg.chunk_views,
        "gzip_level": cfg.gzip_level,
        "views": s.views,
        "seconds": dt,
        "player_events": s.player_events,
        "player_events_per_s": ev_s,
        "cdn_lines": s.cdn_lines,
        "cdn_lines_per_s": cdn_s,
        "total_lines_per_s": (s.player_events + s.cdn_lines) / dt,
        "bytes": s.bytes_written,
        "files": s.files,
        "peak_rss_parent_mb": peak_rss_mb(),
        "peak_rss_largest_worker_mb": peak_rss_mb(resource.RUSAGE_CHILDREN),
        "peak_rss_sum_sampled_mb": peak_sum / 2**20,
        "cpu_seconds": cpu_s,
        "player_events_per_cpu_s": s.player_events / cpu_s,
        "cdn_lines_per_cpu_s": s.cdn_lines / cpu_s,
        "load_avg_1min_after": os.getloadavg()[0],
        "player_events_vs_goal": ev_s / GOAL_PLAYER_EVENTS_PER_S,
        "cdn_lines_vs_goal": cdn_s / GOAL_CDN_LINES_PER_S if s.cdn_lines else None,
    }


def print_report(r: dict[str, Any]) -> None:
    print(
        f"viewers={r['viewers']} hours={r['hours']} cdn_sample={r['cdn_sample']} "
        f"workers={r['workers']} cpus={os.cpu_count()} chunk_views={r['chunk_views']} "
        f"views={r['views']} seconds={r['seconds']:.1f}"
    )
    print(f"player_events={r['player_events']} ({r['player_events_per_s']:,.0f}/s)")
    print(f"cdn_lines={r['cdn_lines']} ({r['cdn_lines_per_s']:,.0f}/s)")
    print(
        f"total_lines_per_s={r['total_lines_per_s']:,.0f} "
        f"bytes={r['bytes'] / 1e6:.0f}MB files={r['files']} gzip_level={r['gzip_level']}"
    )
    print(
        f"peak_rss_mb: parent={r['peak_rss_parent_mb']:.0f} "
        f"largest_worker={r['peak_rss_largest_worker_mb']:.0f} "
        f"sum_sampled={r['peak_rss_sum_sampled_mb']:.0f}"
    )
    print(
        f"cpu_seconds={r['cpu_seconds']:.1f} (all processes) "
        f"player_events_per_cpu_s={r['player_events_per_cpu_s']:,.0f} "
        f"cdn_lines_per_cpu_s={r['cdn_lines_per_cpu_s']:,.0f} "
        f"load_avg_1min_after={r['load_avg_1min_after']:.1f}"
    )
    cdn = (
        f", cdn_lines/s {r['cdn_lines_vs_goal']:.2f}x of {GOAL_CDN_LINES_PER_S:,}"
        if r["cdn_lines"]
        else ", cdn_lines/s n/a (--cdn-sample 0)"
    )
    print(
        f"vs goals: player_events/s {r['player_events_vs_goal']:.2f}x of "
        f"{GOAL_PLAYER_EVENTS_PER_S:,}" + cdn
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--viewers", type=int, default=5000)
    p.add_argument("--hours", type=float, default=24.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cdn-sample", type=float, default=1.0)
    p.add_argument("--workers", type=int, default=None, help="default: os.cpu_count()")
    p.add_argument("--chunk-views", type=int, default=CHUNK_VIEWS)
    p.add_argument("--out", default=None, help="output directory (default: a temporary one)")
    print_report(measure(p.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
