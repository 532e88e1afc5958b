"""`streamqoe pipeline batch|streaming`: run the Beam pipelines from the command line.

`add_parser(subparsers)` registers the subcommand (the lead wires it into app/cli.py);
`run(args)` turns the parsed flags into the pipeline's own argv and calls its `run(argv)`;
`main(argv)` runs it stand-alone. No logic lives here: flags map one to one onto
pipelines.options.BatchOptions / StreamingOptions, and extra Beam flags pass through after `--`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from app.subcommand import run_standalone
from pipelines.options import BATCH_RUNNER, DEFAULT_SUBSCRIPTIONS, STREAMING_RUNNER

logger = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the `pipeline` subcommand (with `batch` and `streaming`) to `subparsers`."""
    parser = subparsers.add_parser("pipeline", help="run the Beam pipelines (batch or streaming)")
    modes = parser.add_subparsers(dest="mode", required=True)

    batch = modes.add_parser("batch", help="files -> warehouse, on the FnApiRunner by default")
    batch.add_argument(
        "--input",
        action="append",
        required=True,
        metavar="[FORMAT=]PATH_OR_GLOB",
        help="input file or glob, repeatable; the format is detected unless named",
    )
    batch.add_argument("--warehouse", required=True, help="duckdb:FILE or bigquery:PROJECT.DATASET")
    batch.add_argument(
        "--runner", default=BATCH_RUNNER, help=f"Beam runner (default {BATCH_RUNNER})"
    )

    streaming = modes.add_parser("streaming", help="Pub/Sub -> warehouse, runs until stopped")
    streaming.add_argument(
        "--warehouse", required=True, help="duckdb:FILE or bigquery:PROJECT.DATASET"
    )
    streaming.add_argument(
        "--pubsub_project",
        default=None,
        help="project of the subscriptions (default: $STREAMQOE_PROJECT / the configured project)",
    )
    streaming.add_argument(
        "--subscriptions", default=DEFAULT_SUBSCRIPTIONS, help="comma-separated subscriptions"
    )
    streaming.add_argument(
        "--max_run_seconds", type=float, default=0.0, help="stop after this long (0: never)"
    )
    streaming.add_argument(
        "--runner", default=STREAMING_RUNNER, help=f"Beam runner (default {STREAMING_RUNNER})"
    )
    for sub in (batch, streaming):
        sub.add_argument(
            "beam_args", nargs=argparse.REMAINDER, help="further pipeline flags after --"
        )
    parser.set_defaults(func=run)
    return parser


def pipeline_argv(args: argparse.Namespace) -> list[str]:
    """Translate parsed CLI flags into the pipeline's argv."""
    argv = ["--warehouse", args.warehouse, "--runner", args.runner]
    if args.mode == "batch":
        for spec in args.input:
            argv += ["--input", spec]
    else:
        from streamqoe.config import project_id

        argv += [
            "--pubsub_project",
            args.pubsub_project or project_id(),
            "--subscriptions",
            args.subscriptions,
            "--max_run_seconds",
            str(args.max_run_seconds),
        ]
    extra = list(args.beam_args or [])
    return argv + (extra[1:] if extra[:1] == ["--"] else extra)


def run(args: argparse.Namespace) -> int:
    """Run the chosen pipeline; return 0 when it finished (or was stopped as asked), else 1."""
    from apache_beam.runners.runner import PipelineState

    if args.mode == "batch":
        from pipelines import batch as entry
    else:
        from pipelines import streaming as entry
    print(f"running the {args.mode} pipeline on {args.runner}", file=sys.stderr)
    result = entry.run(pipeline_argv(args))
    state = result.state
    print(f"pipeline {state}", file=sys.stderr)
    return 0 if state in (PipelineState.DONE, PipelineState.CANCELLED) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry: `python -m app.pipeline_cli batch|streaming ...`."""
    return run_standalone(add_parser, argv, command="pipeline", log_format=logging.BASIC_FORMAT)


if __name__ == "__main__":
    sys.exit(main())
