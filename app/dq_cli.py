"""`streamqoe dq`: run the data-quality checkpoints (dataquality/) against a warehouse.

`dq run` prints the summary (suite, rows, expectations, failures, the worst offenders with sample
rows) and writes GX Data Docs; it exits 1 when a critical expectation failed, 2 on bad
configuration (unknown checkpoint or suite, unreadable thresholds, unreachable warehouse or a
missing table). `dq list` names the suites of each checkpoint.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from app.subcommand import run_standalone
from dataquality.checkpoints import checkpoint_suites
from dataquality.reading import DataQualityError
from dataquality.run import run_checkpoint, simulated_as_of
from dataquality.summary import format_summary
from dataquality.thresholds import load_thresholds


def _instant(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an ISO-8601 instant, got {text!r}") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the `dq` subcommand on an argparse subparsers object."""
    p = subparsers.add_parser(
        "dq", help="run the Great Expectations data-quality suites", description=__doc__
    )
    actions = p.add_subparsers(dest="dq_action", required=True)
    run = actions.add_parser("run", help="run a checkpoint (default ci) and write Data Docs")
    run.add_argument("--warehouse", help="warehouse URL (default: the embedded DuckDB file)")
    run.add_argument(
        "--suite", action="append", default=[], metavar="NAME", help="only this suite (repeatable)"
    )
    run.add_argument("--checkpoint", default="ci", help="ci (every suite) or hourly (default ci)")
    when = run.add_mutually_exclusive_group()
    when.add_argument(
        "--as-of", type=_instant, help="judge freshness and complete periods at (default: now)"
    )
    when.add_argument(
        "--simulation",
        type=Path,
        help="judge a simulated run as of its last view's end (its --out directory)",
    )
    run.add_argument("--thresholds", type=Path, help="TOML file with a [thresholds] table")
    run.add_argument(
        "--marts-schema",
        default="analytics",
        help="schema (dataset) of dbt's marts (default analytics)",
    )
    run.add_argument(
        "--out", type=Path, help="GX project and Data Docs directory (default .data/dq)"
    )
    actions.add_parser("list", help="list the suites of each checkpoint")
    p.set_defaults(func=run_command)
    return p


def run_command(args: argparse.Namespace) -> int:
    """Run `dq` with parsed flags; return the exit code."""
    if args.dq_action == "list":
        for checkpoint in ("ci", "hourly"):
            print(f"{checkpoint}: {', '.join(checkpoint_suites(checkpoint))}")
        return 0
    try:
        thresholds = load_thresholds(args.thresholds)
        as_of = simulated_as_of(args.simulation) if args.simulation else args.as_of
        summary = run_checkpoint(
            args.warehouse,
            args.checkpoint,
            args.suite or None,
            as_of=as_of,
            thresholds=thresholds,
            work_dir=args.out,
            marts_schema=args.marts_schema,
        )
    except (ValueError, DataQualityError, OSError) as exc:
        sys.stderr.write(f"dq: {exc}\n")
        return 2
    print(format_summary(summary))
    return 0 if summary.success else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run `streamqoe dq ...` stand-alone (tests call it with the flags a user types)."""
    return run_standalone(add_parser, argv)


if __name__ == "__main__":
    sys.exit(main())
