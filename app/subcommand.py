"""Run one `streamqoe` subcommand module on its own (`python -m app.<name>_cli ...`, and the tests
that call a module's `main(argv)` with the flags a user types).

Each subcommand module exposes `add_parser(subparsers)`; app/cli.py registers them all on the one
`streamqoe` parser, and `run_standalone` builds the same parser with only that module's command.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def run_standalone(
    add_parser: Callable[[Any], Any],
    argv: Sequence[str] | None = None,
    *,
    command: str | None = None,
    log_level: int = logging.WARNING,
    log_format: str = LOG_FORMAT,
) -> int:
    """Parse `argv` (default sys.argv[1:]) for one subcommand module and run it; return the exit code.

    Args:
        add_parser: the module's `add_parser(subparsers)`.
        argv: the flags; they start with the command's name unless `command` is given, which is
            then put in front (`python -m app.pipeline_cli batch ...`).
        log_level, log_format: the root logger's configuration for the stand-alone run.
    """
    parser = argparse.ArgumentParser(prog="streamqoe")
    add_parser(parser.add_subparsers(dest="command", required=True))
    words = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args([command, *words] if command else words)
    logging.basicConfig(level=log_level, format=log_format)
    return args.func(args)
