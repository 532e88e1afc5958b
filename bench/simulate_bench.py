"""Measure simulator throughput against the goals of issue #3, in one run.

Prints player events/s, CDN log lines/s and total lines/s (files written, gzip included, over the
whole run's wall time), the peak RSS of the parent and of the largest worker (getrusage) and the
peak of their sum (sampled from /proc every 0.2 s), and the ratio of each rate to its goal. It also
prints the CPU seconds of all processes and the rates per CPU second, which do not depend on what
else the machine is running (wall-clock rates do: compare runs made back to back).

uv run python bench/simulate_bench.py --viewers 5000 --hours 24 --cdn-sample 1 [--workers N] [--chunk-views N]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

from streamqoe.simulator.config import CHUNK_VIEWS, SimConfig
from streamqoe.simulator.run import simulate

GOAL_PLAYER_EVENTS_PER_S = 150_000
GOAL_CDN_LINES_PER_S = 100_000
RSS_SAMPLE_S = 0.2


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            out += [int(c) for c in task.read_text().split()]
        except OSError:
            continue
    return out + [d for c in out for d in _descendants(c)]


class RssSampler(threading.Thread):
    """Sample the summed RSS of this process and its descendants (Linux /proc)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(RSS_SAMPLE_S):
            total = _rss_kb(me) + sum(_rss_kb(p) for p in _descendants(me))
            self.peak_kb = max(self.peak_kb, total)


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
    args = p.parse_args(argv)
    cfg = SimConfig(
        viewers=args.viewers,
        hours=args.hours,
        seed=args.seed,
        cdn_sample=args.cdn_sample,
        chunk_views=args.chunk_views,
    )
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    sampler = RssSampler()
    sampler.start()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        s = simulate(cfg, args.out or tmp, workers=args.workers)
        dt = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    self_mb, child_mb = me.ru_maxrss / 1024, kids.ru_maxrss / 1024
    cpu_s = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime - cpu_before
    ev_s, cdn_s = s.player_events / dt, s.cdn_lines / dt
    print(
        f"viewers={args.viewers} hours={args.hours} cdn_sample={args.cdn_sample} "
        f"workers={s.extra.get('workers')} cpus={os.cpu_count()} chunk_views={cfg.chunk_views} "
        f"views={s.views} seconds={dt:.1f}"
    )
    print(f"player_events={s.player_events} ({ev_s:,.0f}/s)")
    print(f"cdn_lines={s.cdn_lines} ({cdn_s:,.0f}/s)")
    print(
        f"total_lines_per_s={(s.player_events + s.cdn_lines) / dt:,.0f} "
        f"bytes={s.bytes_written / 1e6:.0f}MB files={s.files} gzip_level={cfg.gzip_level}"
    )
    print(
        f"peak_rss_mb: parent={self_mb:.0f} largest_worker={child_mb:.0f} "
        f"sum_sampled={sampler.peak_kb / 1024:.0f}"
    )
    load = os.getloadavg()[0]
    print(
        f"cpu_seconds={cpu_s:.1f} (all processes) player_events_per_cpu_s={s.player_events / cpu_s:,.0f} "
        f"cdn_lines_per_cpu_s={s.cdn_lines / cpu_s:,.0f} load_avg_1min_after={load:.1f}"
    )
    print(
        f"vs goals: player_events/s {ev_s / GOAL_PLAYER_EVENTS_PER_S:.2f}x of "
        f"{GOAL_PLAYER_EVENTS_PER_S:,}"
        + (
            f", cdn_lines/s {cdn_s / GOAL_CDN_LINES_PER_S:.2f}x of {GOAL_CDN_LINES_PER_S:,}"
            if s.cdn_lines
            else ", cdn_lines/s n/a (--cdn-sample 0)"
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
