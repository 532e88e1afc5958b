"""`streamqoe deploy templates|streaming|batch`: flags for the flex-template deploys; the
commands come from app/deploy.py (pure functions). `--dry-run` prints them, one per line, ready to
paste into a shell; otherwise they run in order and the first failure stops the deploy.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from collections.abc import Sequence

from app import deploy
from app.subcommand import run_standalone
from streamqoe.pubsub.declaration import load_declaration


def _rename(text: str) -> tuple[str, str]:
    old, sep, new = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected OLD=NEW, got {text!r}")
    return old, new


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the `deploy` subcommand on an argparse subparsers object."""
    p = subparsers.add_parser(
        "deploy", help="build, register, launch or update the Dataflow flex templates"
    )
    p.set_defaults(func=run)
    actions = p.add_subparsers(dest="action", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", required=True, help="GCP project id, e.g. streamqoe-prod")
    common.add_argument("--region", required=True, help="Dataflow region, e.g. europe-west1")
    common.add_argument("--environment", default="prod", help="dev or prod (default prod)")
    common.add_argument(
        "--tag", default="latest", help="image tag, the git commit (default latest)"
    )
    common.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")

    t = actions.add_parser(
        "templates", parents=[common], help="build and push images, register templates"
    )
    t.add_argument(
        "--pipeline", choices=deploy.PIPELINES, action="append", help="only this one (repeatable)"
    )
    s = actions.add_parser(
        "streaming", parents=[common], help="update the running streaming job in place"
    )
    s.add_argument("--launch", action="store_true", help="start the job (none is running yet)")
    s.add_argument(
        "--rename",
        type=_rename,
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="a step label that changed, e.g. ParseUnits=ParseRecords (repeatable)",
    )
    b = actions.add_parser("batch", parents=[common], help="launch one batch job")
    b.add_argument(
        "--input", required=True, help="the pipeline's --input, e.g. cloudfront=gs://B/cf/*.gz"
    )
    return p


def commands(args: argparse.Namespace) -> list[list[str]]:
    """The argv lists the parsed flags ask for."""
    target = deploy.Target(args.project, args.region, args.environment, args.tag)
    if args.action == "templates":
        return deploy.template_commands(target, tuple(args.pipeline or deploy.PIPELINES))
    if args.action == "streaming":
        declaration = load_declaration()
        subscriptions = tuple(s.name for s in declaration.subscriptions if s.max_delivery_attempts)
        return deploy.streaming_commands(
            target, subscriptions=subscriptions, update=not args.launch, renames=dict(args.rename)
        )
    return deploy.batch_commands(target, input_spec=args.input)


def run(args: argparse.Namespace) -> int:
    try:
        planned = commands(args)
    except ValueError as error:
        print(f"deploy: {error}", file=sys.stderr)
        return 2
    for argv in planned:
        print(shlex.join(argv), flush=True)
        if not args.dry_run:
            result = subprocess.run(argv, check=False)
            if result.returncode != 0:
                print(f"deploy: failed ({result.returncode}): {argv[0]} {argv[1]}", file=sys.stderr)
                return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run `deploy ...` stand-alone (tests call it with the flags a user types)."""
    return run_standalone(add_parser, argv)


if __name__ == "__main__":
    sys.exit(main())
