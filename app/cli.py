"""The `streamqoe` command: one entry point, one subcommand per job.

Each subcommand parses its flags, calls one library function and prints what happened; no logic
lives here. `main(argv)` returns the exit code (0 ok, 1 failure, 2 usage).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from app import (
    collector_cli,
    demo,
    deploy_cli,
    dq_cli,
    lookml_cli,
    parse_cli,
    pipeline_cli,
    roundtrip,
    simulate_cli,
)
from app.platform import local
from streamqoe.contracts import generated
from streamqoe.warehouse import open_warehouse


def _platform(args: argparse.Namespace) -> int:
    if args.action == "up":
        endpoints = local.up(bigquery=args.bigquery)
        print(f"local platform running; project {endpoints.project}")
        for key, value in endpoints.environment().items():
            print(f"export {key}={value}")
    elif args.action == "smoke":
        with local.running() as endpoints, open_warehouse(args.warehouse) as warehouse:
            ok = roundtrip.smoke(endpoints.project, warehouse, sys.stdout)
        return 0 if ok else 1
    elif args.action == "down":
        stopped = local.down()
        print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    else:
        for name, state in local.status().items():
            print(f"{name}: {state}")
    return 0


def _contracts(args: argparse.Namespace) -> int:
    if args.action == "generate":
        for path in generated.generate():
            print(f"wrote {path}")
        return 0
    problems = generated.drift()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("run `streamqoe contracts generate` and commit the result", file=sys.stderr)
        return 1
    print("derived files match the contracts")
    return 0


def _utc_minute(text: str) -> datetime:
    """Parse a UTC time such as 2026-12-01T20:00Z for --end."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r}: give a UTC time, e.g. 2026-12-01T20:00Z")
    return value.astimezone(UTC)


def _demo(args: argparse.Namespace) -> int:
    return demo.run(warehouse_url=args.warehouse, end=args.end)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="streamqoe", description="Video streaming QoE analytics: the StreamQoE command line."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("platform", help="start, stop or inspect the local emulators")
    p.add_argument(
        "action",
        choices=["up", "down", "status", "smoke"],
        help="smoke: bring the platform up, round-trip sample events into the warehouse, stop",
    )
    p.add_argument(
        "--bigquery",
        action="store_true",
        help="with `up`: also start the BigQuery emulator and its OAuth token stub",
    )
    p.add_argument("--warehouse", default=None, help="with `smoke`: warehouse URL (default DuckDB)")
    p.set_defaults(func=_platform)

    p = sub.add_parser("contracts", help="generate or check the tables derived from schemas/")
    p.add_argument("action", choices=["generate", "check"])
    p.set_defaults(func=_contracts)

    p = sub.add_parser("demo", help="run the main job end to end on the embedded defaults")
    p.add_argument(
        "--warehouse",
        default=None,
        help="warehouse URL (default duckdb:<data dir>/warehouse.duckdb)",
    )
    p.add_argument(
        "--end",
        type=_utc_minute,
        default=None,
        metavar="YYYY-MM-DDTHH:MMZ",
        help="end of the simulated day (default now): the same --end gives the same summary",
    )
    p.set_defaults(func=_demo)

    parse_cli.add_parser(sub)
    simulate_cli.add_parser(sub)
    pipeline_cli.add_parser(sub)
    collector_cli.add_parser(sub)
    lookml_cli.add_parser(sub)
    dq_cli.add_parser(sub)
    deploy_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
