"""`streamqoe pipeline batch|streaming`: flags map onto the pipelines' own options."""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import pytest
from beam_fixtures import T0_MS, beacon_line, simple_view

from app import pipeline_cli as cli
from pipelines.options import BATCH_RUNNER, STREAMING_RUNNER


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="streamqoe")
    cli.add_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_batch_flags_become_pipeline_argv():
    args = parse(["pipeline", "batch", "--input", "a/*.gz", "--input", "cmcd=b.txt",
                  "--warehouse", "duckdb:w.duckdb", "--", "--direct_num_workers", "1"])  # fmt: skip
    assert cli.pipeline_argv(args) == [
        "--warehouse", "duckdb:w.duckdb", "--runner", BATCH_RUNNER,
        "--input", "a/*.gz", "--input", "cmcd=b.txt", "--direct_num_workers", "1",
    ]  # fmt: skip


def test_streaming_defaults_to_the_configured_project(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("STREAMQOE_PROJECT", "my-project")
    args = parse(["pipeline", "streaming", "--warehouse", "duckdb:w.duckdb"])
    argv = cli.pipeline_argv(args)
    assert argv[:4] == ["--warehouse", "duckdb:w.duckdb", "--runner", STREAMING_RUNNER]
    assert argv[argv.index("--pubsub_project") + 1] == "my-project"
    assert "player-events-pipeline" in argv[argv.index("--subscriptions") + 1]


def test_main_runs_batch_to_the_warehouse(tmp_path: Path):
    beacons = tmp_path / "beacons.jsonl"
    beacons.write_bytes(beacon_line(simple_view("cli-v", T0_MS)) + b"\n" + b"[oops\n")
    warehouse = tmp_path / "w.duckdb"
    code = cli.main(["batch", "--input", str(beacons), "--warehouse", f"duckdb:{warehouse}"])
    assert code == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select view_id, is_final from views").fetchall() == [("cli-v", True)]
        assert con.execute("select stage from dead_letters").fetchall() == [("decode",)]


def test_missing_input_fails_before_touching_the_warehouse(tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    with pytest.raises(FileNotFoundError):
        cli.main(
            ["batch", "--input", str(tmp_path / "none*"), "--warehouse", f"duckdb:{warehouse}"]
        )
    assert not warehouse.exists()


def test_entry_modules_check_flags_without_defaults():
    from pipelines import batch, streaming
    from pipelines.options import MissingOption

    with pytest.raises(MissingOption, match="--warehouse"):
        batch.run(["--input", "x"])
    with pytest.raises(MissingOption, match="--pubsub_project"):
        streaming.run(["--warehouse", "duckdb:never-created.duckdb"])
