"""`streamqoe lookml`: generate the LookML views from the dbt contracts, and validate the Looker
project (parse, references, tile queries compiled and run on a DuckDB warehouse). All work happens
in app/lookml/; see docs/lookml.md. `main(argv)` runs it stand-alone.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from app.subcommand import run_standalone

logger = logging.getLogger(__name__)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the `lookml` subcommand on an argparse subparsers object."""
    p = subparsers.add_parser(
        "lookml", help="Generate and validate the Looker project (lookml/).", description=__doc__
    )
    sub = p.add_subparsers(dest="lookml_command", required=True)
    gen = sub.add_parser("generate", help="write lookml/views/ from dbt/models/marts/*.yml")
    gen.add_argument("--check", action="store_true", help="only report drift; exit 1 if any")
    gen.set_defaults(func=run_generate)
    val = sub.add_parser(
        "validate",
        help="parse, resolve every reference, compile every tile; run them on a warehouse",
    )
    where = val.add_mutually_exclusive_group()
    where.add_argument("--warehouse", type=Path, help="a DuckDB warehouse file with the marts")
    where.add_argument(
        "--build",
        action="store_true",
        help="build a small warehouse first (simulator, batch pipeline, dbt) in a temporary folder",
    )
    val.add_argument(
        "--now",
        help="UTC ISO-8601 time relative date filters start from (default: now; "
        "with --build, the end of the simulated window)",
    )
    val.add_argument("--show-sql", action="store_true", help="print each tile's BigQuery SQL")
    val.set_defaults(func=run_validate)
    return p


def run_generate(args: argparse.Namespace) -> int:
    from app.lookml import generate

    if args.check:
        problems = generate.check()
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    for path in generate.write():
        print(f"wrote {path.relative_to(generate.ROOT)}")
    return 0


def _now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def run_validate(args: argparse.Namespace) -> int:
    from app.lookml import validate
    from app.lookml.project import load_project
    from app.simulated_warehouse import build_warehouse

    project = load_project()
    now = _now(args.now)
    problems = validate.static_problems(project, now)
    for problem in problems:
        print(f"problem: {problem}")
    if problems:
        return 1
    count = len(validate.tiles(project))
    print(f"lookml: {len(project.views)} views, {len(project.explores)} explores, "
          f"{len(project.dashboards)} dashboards, {count} tiles: all compile")  # fmt: skip
    warehouse = args.warehouse
    with tempfile.TemporaryDirectory(prefix="streamqoe-lookml-") as tmp:
        if args.build:
            built = build_warehouse(Path(tmp))
            warehouse, now = built.path, (_now(args.now) if args.now else built.now)
        if warehouse is None:
            return 0
        empty = 0
        for result in validate.run_tiles_duckdb(warehouse, project, now):
            tile = result.tile
            print(f"{tile.dashboard}: {tile.title}: {len(result.rows)} rows")
            if args.show_sql:
                print(result.sql + "\n")
            empty += not result.rows
    if empty:
        print(f"problem: {empty} tiles returned no row")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m app.lookml_cli lookml ...`."""
    return run_standalone(add_parser, argv)


if __name__ == "__main__":
    sys.exit(main())
