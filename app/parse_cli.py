"""The `streamqoe parse` subcommand: parse ingest files and print one JSON object per outcome.

Records print as {"kind": "record", "contract": "<name>.v1", "record": {...}}, dead letters as
{"kind": "dead_letter", ...the dead_letter.v1 fields...}; a summary (counts per contract and per
dead-letter reason) goes to stderr. Exit 0 when every input was read (dead letters included), 2 on a
usage error or an unreadable file. The logic lives in streamqoe.ingest.read and .formats.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime

from app.subcommand import run_standalone
from streamqoe.ingest.formats import format_names
from streamqoe.ingest.outcome import Tally, outcome_line
from streamqoe.ingest.read import UnreadableInput, parse_file, resolve_format

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_USAGE = 2


def _timestamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 timestamp") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Declare the `parse` flags on `parser`."""
    parser.add_argument(
        "--format",
        required=True,
        choices=["auto", *format_names()],
        help="input format, or auto to recognize each file from its first bytes",
    )
    parser.add_argument(
        "--received-at",
        type=_timestamp,
        default=None,
        help="received_at for every unit, e.g. 2024-05-01T12:00:00Z (default: now)",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="input files; - for stdin")
    parser.set_defaults(func=run)
    return parser


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `parse` on the main CLI's subparsers."""
    parser = subparsers.add_parser(
        "parse",
        help="parse ingest files (CMCD, beacons, CDN logs, transcoder events) into records",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return configure(parser)


def run(args: argparse.Namespace) -> int:
    """Parse every file and print outcomes; return the exit code."""
    received_at = args.received_at or datetime.now(UTC)
    tally = Tally()
    out = sys.stdout
    status = EXIT_OK
    for path in args.files:
        try:
            name = resolve_format(path, args.format)
            for outcome in parse_file(path, name, received_at=received_at):
                tally.add(outcome)
                out.write(outcome_line(outcome) + "\n")
        except (UnreadableInput, ValueError, KeyError) as exc:
            sys.stderr.write(f"streamqoe parse: {exc}\n")
            status = EXIT_USAGE
    out.flush()
    sys.stderr.write(json.dumps({"summary": tally.to_json()}) + "\n")
    return status


def main(argv: list[str] | None = None) -> int:
    """Run `parse` as a stand-alone command (streamqoe parse ...)."""
    return run_standalone(add_parser, argv)


if __name__ == "__main__":
    sys.exit(main())
