"""`streamqoe simulate`: flags for the traffic simulator (streamqoe.simulator); all work happens
in streamqoe/simulator/run.py and publish.py. `main(argv)` runs it stand-alone (tests and benches
simulate through it, with the same flags a user types).
"""

from __future__ import annotations

import argparse
import logging
import sys

from app.subcommand import run_standalone
from streamqoe.simulator.config import CHUNK_VIEWS, DEFAULT_START, GZIP_LEVEL, FaultRates, SimConfig

logger = logging.getLogger(__name__)


def _fault(text: str) -> tuple[str, float]:
    name, _, value = text.partition("=")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=RATE, got {text!r}") from None


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the `simulate` subcommand on an argparse subparsers object."""
    p = subparsers.add_parser(
        "simulate", help="Generate realistic QoE traffic with ground truth.", description=__doc__
    )
    p.add_argument(
        "--out", required=True, help="output directory (raw files, truth/, manifest.json)"
    )
    p.add_argument("--viewers", type=int, default=1000, help="distinct viewers (default 1000)")
    p.add_argument(
        "--hours", type=float, default=24.0, help="simulated window in hours (default 24)"
    )
    p.add_argument(
        "--seed", type=int, default=1, help="random seed; same seed, same bytes (default 1)"
    )
    p.add_argument(
        "--start",
        default=DEFAULT_START,
        help=f"window start, UTC ISO-8601 (default {DEFAULT_START})",
    )
    p.add_argument(
        "--cmcd-share", type=float, default=0.2, help="share of views reporting CMCD v2 (0..1)"
    )
    p.add_argument(
        "--cdn-sample", type=float, default=1.0, help="share of views with CDN logs (0..1)"
    )
    p.add_argument("--no-faults", action="store_true", help="inject no fault at all")
    p.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="NAME=RATE",
        help="override one fault rate, e.g. --fault duplicate=0.01 (repeatable)",
    )
    p.add_argument(
        "--chunk-views", type=int, default=CHUNK_VIEWS, help="views per chunk (memory bound)"
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes simulating and writing chunks (default: CPU count; output is the same)",
    )
    p.add_argument(
        "--gzip-level", type=int, default=GZIP_LEVEL, help=f"gzip level (default {GZIP_LEVEL})"
    )
    p.add_argument(
        "--publish",
        action="store_true",
        help="also stream the same run to Pub/Sub while writing it (PUBSUB_EMULATOR_HOST honoured)",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=0.0,
        help="with --publish: simulated seconds per wall second; 0 = as fast as possible",
    )
    p.add_argument(
        "--create-topics", action="store_true", help="with --publish: create missing topics"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)
    return p


def config_from_args(args: argparse.Namespace) -> SimConfig:
    """Build the SimConfig described by parsed flags."""
    faults = FaultRates.none() if args.no_faults else FaultRates()
    faults = faults.with_overrides(dict(args.fault))
    return SimConfig(
        viewers=args.viewers,
        hours=args.hours,
        seed=args.seed,
        start=args.start,
        cmcd_share=args.cmcd_share,
        cdn_sample=args.cdn_sample,
        faults=faults,
        chunk_views=args.chunk_views,
        gzip_level=args.gzip_level,
    )


def _progress(done: int, total: int, stats: dict[str, int]) -> None:
    sys.stderr.write(
        f"\rsimulate: {done}/{total} views, {stats.get('player_events', 0)} player events, "
        f"{stats.get('cdn_lines', 0)} CDN lines"
    )
    sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    """Run `simulate` with parsed flags; return the exit code."""
    from streamqoe.simulator.publish import simulate_and_publish
    from streamqoe.simulator.run import simulate

    try:
        cfg = config_from_args(args)
    except ValueError as exc:
        sys.stderr.write(f"simulate: {exc}\n")
        return 2
    progress = None if args.quiet else _progress
    counts = None
    if args.publish:
        summary, counts = simulate_and_publish(
            cfg,
            args.out,
            speed=args.speed,
            create_topics=args.create_topics,
            progress=progress,
            workers=args.workers,
        )
    else:
        summary = simulate(cfg, args.out, progress=progress, workers=args.workers)
    if not args.quiet:
        sys.stderr.write(
            f"\nsimulate: wrote {summary.files} files ({summary.bytes_written / 1e6:.1f} MB) "
            f"to {args.out} in {summary.seconds:.1f} s with {summary.extra['workers']} workers\n"
        )
        if counts is not None:
            sys.stderr.write(f"simulate: published {counts}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m app.simulate_cli simulate ...`."""
    return run_standalone(add_parser, argv)


if __name__ == "__main__":
    raise SystemExit(main())
