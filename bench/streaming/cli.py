"""Flags and entry point of the streaming bench (`python -m bench.streaming`)."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import bench.streaming
from bench.common import print_json_summary
from bench.streaming.settings import EARLY_FIRING_SECONDS, VIEWS_SETTLE_SECONDS


def freshness_flags(f: argparse.ArgumentParser) -> None:
    f.add_argument("--rate", type=float, default=1000.0, help="player events per second")
    f.add_argument("--minutes", type=float, default=3.0)
    f.add_argument("--viewers", type=int, help="simulated viewers (default: from the rate)")
    f.add_argument("--poll-seconds", type=float, default=1.0)
    f.add_argument("--early-firing-seconds", type=float, default=EARLY_FIRING_SECONDS)
    f.add_argument("--report-seconds", type=float, default=10.0)
    f.add_argument("--analyse-only", action="store_true", help=argparse.SUPPRESS)
    f.add_argument(
        "--stream-cache",
        type=Path,
        help="keep the prepared stream here and reuse it (the simulation takes minutes)",
    )
    f.add_argument(
        "--profile",
        action="store_true",
        help="sample the runner thread's stacks (sys._current_frames; bench.streaming.profile)",
    )
    f.add_argument(
        "--max-firings", type=int, help="timers fired at a time (LocalStateKeeper.max_firings)"
    )
    f.add_argument(
        "--no-views-settle",
        dest="views_settle",
        action="store_false",
        help=f"do not wait {VIEWS_SETTLE_SECONDS:g} s for the last early panes",
    )


def state_flags(s: argparse.ArgumentParser) -> None:
    s.add_argument("--hours", type=float, default=24.0, help="simulated hours (from 12:00 UTC)")
    s.add_argument("--viewers", type=int, default=2500)
    s.add_argument("--compression", type=float, default=16.0, help="replay speed = event time x")
    s.add_argument("--sample-seconds", type=float, default=60.0)
    s.add_argument("--poll-seconds", type=float, default=10.0)
    s.add_argument("--max-minutes", type=float, default=0.0, help="stop early (0: whole run)")
    s.add_argument("--no-gc", action="store_true", help="no LocalStateKeeper housekeeping")
    s.add_argument("--early-firing-seconds", type=float, default=EARLY_FIRING_SECONDS)
    s.add_argument("--no-faults", action="store_true", help="no injected faults")


def parser() -> argparse.ArgumentParser:
    doc = bench.streaming.__doc__ or ""
    p = argparse.ArgumentParser(prog="python -m bench.streaming", description=doc.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--seed", type=int, default=7)
    common.add_argument("--workdir", type=Path, help="keep everything here (default: a temp dir)")
    common.add_argument("--keep", action="store_true", help="keep the temporary work dir")
    common.add_argument("--json", type=Path, help="also write the JSON summary here")
    freshness_flags(
        sub.add_parser("freshness", parents=[common], help="latency at a sustained event rate")
    )
    state_flags(
        sub.add_parser("state", parents=[common], help="held state over a long accelerated run")
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.monotonic()
    if args.command == "freshness":
        from bench.streaming.freshness import run_freshness

        summary = run_freshness(args)
    else:
        from bench.streaming.state import run_state

        summary = run_state(args)
    summary["bench_seconds"] = round(time.monotonic() - started, 1)
    summary["command"] = "uv run python -m bench.streaming " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    print_json_summary(summary, args.json)
    if summary["mode"] == "freshness":
        return 0 if summary["goal_met"] else 1
    return 0 if summary["verdict"]["bounded"] else 1
