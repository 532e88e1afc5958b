"""`streamqoe collector serve`: run the collector (collector/) against the local platform.

Without PUBSUB_EMULATOR_HOST it finds the emulator `streamqoe platform up` recorded and points the
collector at it; with the variable set (or on Cloud Run, where neither is) it uses that. All work
happens in collector/server.py.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from app.subcommand import run_standalone

logger = logging.getLogger(__name__)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the `collector` subcommand (with `serve`) on an argparse subparsers object."""
    from collector.server import DEFAULT_HOST, DEFAULT_PORT

    p = subparsers.add_parser(
        "collector", help="The HTTP collector for players and integrations.", description=__doc__
    )
    sub = p.add_subparsers(dest="collector_command", required=True)
    serve = sub.add_parser("serve", help="Serve the collector (docs/collector.md).")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address (default {DEFAULT_HOST})")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    serve.add_argument(
        "--no-platform",
        action="store_true",
        help="do not look for the local emulator (use Pub/Sub as the environment says)",
    )
    p.set_defaults(func=run)
    return p


def find_local_emulator() -> str | None:
    """Return host:port of the emulator `streamqoe platform up` started, or None."""
    from app.platform.pubsub_emulator import PubSubEmulator

    record = PubSubEmulator().record()
    return record.endpoint if record else None


def run(args: argparse.Namespace) -> int:
    from collector.server import serve
    from collector.settings import Settings, SettingsError

    if not args.no_platform and not os.environ.get("PUBSUB_EMULATOR_HOST"):
        host = find_local_emulator()
        if host is None:
            print(
                "no PUBSUB_EMULATOR_HOST and no local emulator: run `streamqoe platform up` "
                "(or pass --no-platform to publish to Google Cloud)",
                file=sys.stderr,
            )
            return 2
        os.environ["PUBSUB_EMULATOR_HOST"] = host
        logger.info("using the local Pub/Sub emulator at %s", host)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"configuration: {exc}", file=sys.stderr)
        return 2
    serve(args.host, args.port, settings)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run `collector ...` stand-alone (python -m app.collector_cli serve)."""
    return run_standalone(
        add_parser,
        argv,
        command="collector",
        log_level=logging.INFO,
        log_format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


if __name__ == "__main__":
    sys.exit(main())
