"""The DuckDB sink and the row builder the sinks share."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import apache_beam as beam
import duckdb
import pyarrow as pa
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from beam_fixtures import T0_MS, cdn_request, player_event, simple_view

from pipelines.transforms.sinks import (
    RowBuilder,
    WriteToDuckDBFn,
    WriteToWarehouse,
    parse_bigquery_url,
    transient_duckdb_error,
)
from streamqoe.contracts.bigquery import table_schema
from streamqoe.contracts.columnar import arrow_schema
from streamqoe.contracts.registry import contract
from streamqoe.contracts.rows import to_row
from streamqoe.qoe.state_machine import build_timeline
from streamqoe.qoe.views import view_record

NOW = datetime(2025, 1, 15, 12, tzinfo=UTC)


def test_row_builder_equals_to_row():
    timeline = build_timeline(simple_view("v1", T0_MS), closed=True)
    view = view_record(timeline, source="beacon")
    view.update(pop="FRA56", is_final=True, version=3, updated_at="2025-01-15T12:00:00.000Z")
    records = {
        "player_event": player_event(
            "v1", 0, "playing", T0_MS, rendition={"width": 1280, "height": 720, "fps": 25.0}
        ),
        "cdn_request": cdn_request("r1", T0_MS, "FRA56", "v1"),
        "view": view,
        "dead_letter": {
            "schema_version": "1.0",
            "source": "test",
            "stage": "decode",
            "error_class": "JSONDecodeError",
            "error_message": "x",
            "raw_payload": "eyJ4",
            "attributes": {"a": "b"},
            "received_at": "2025-01-15T10:00:00Z",
        },
    }
    for name, record in records.items():
        assert RowBuilder(name)(record, NOW) == to_row(contract(name), record, ingested_at=NOW)
        # The DuckDB sink's columnar build equals Arrow's conversion of the rows.
        schema = arrow_schema(table_schema(contract(name)))
        expected = pa.Table.from_pylist(
            [to_row(contract(name), r, ingested_at=NOW) for r in (record, record)], schema=schema
        )
        assert RowBuilder(name).arrow_table([record, record], NOW, schema).equals(expected)


def test_write_to_duckdb_appends_and_releases_the_file(tmp_path):
    path = tmp_path / "wh.duckdb"
    events = [player_event("v1", i, "heartbeat", T0_MS + i * 10_000) for i in range(3)]
    for _ in range(2):  # two runs append; the file is not held between them
        with TestPipeline(runner="FnApiRunner") as p:
            _ = p | beam.Create(events) | WriteToWarehouse(f"duckdb:{path}", "player_event")
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select sequence_number, event_at from player_events order by 1, 2"
        ).fetchall()
    assert [r[0] for r in rows] == [0, 0, 1, 1, 2, 2]
    assert rows[0][1] == datetime.fromtimestamp(T0_MS / 1000, UTC)


def test_parse_bigquery_url():
    assert parse_bigquery_url("bigquery:p.d?endpoint=http://127.0.0.1:9050") == (
        "p",
        "d",
        "http://127.0.0.1:9050",
    )
    assert parse_bigquery_url("bigquery:p.d") == ("p", "d", None)


def test_write_to_duckdb_waits_for_another_process_lock(tmp_path):
    import subprocess
    import sys
    import time

    path = tmp_path / "locked.duckdb"
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True);"
         " time.sleep(1.5); c.close()", str(path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        event = player_event("v1", 0, "play_request", T0_MS)
        with TestPipeline(runner="FnApiRunner") as p:
            _ = p | beam.Create([event]) | WriteToWarehouse(f"duckdb:{path}", "player_event")
        assert time.monotonic() - started >= 0.5  # it had to wait for the other process
    finally:
        holder.wait(timeout=30)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select count(*) from player_events").fetchone()[0] == 1


def test_transient_duckdb_errors(tmp_path: Path):
    path = str(tmp_path / "w.duckdb")
    duckdb.connect(path).close()
    with duckdb.connect(path, read_only=True), pytest.raises(duckdb.Error) as other_config:
        duckdb.connect(path)
    assert transient_duckdb_error(other_config.value)
    assert transient_duckdb_error(
        duckdb.CatalogException("Table Function with name python_arrow_scan does not exist!")
    )
    assert transient_duckdb_error(duckdb.IOException('Could not set lock on file "x"'))
    assert not transient_duckdb_error(duckdb.CatalogException("Table with name x does not exist"))
    assert not transient_duckdb_error(duckdb.ConstraintException("NOT NULL constraint failed"))


def test_sink_waits_for_a_reader_in_the_same_process(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    fn = WriteToDuckDBFn(str(path), "player_event")
    fn.setup()
    fn.start_bundle()
    fn.process(player_event("v1", 0, "play_request", T0_MS))
    fn.flush()  # creates the table
    reader = duckdb.connect(str(path), read_only=True)  # another configuration, same process
    threading.Timer(0.3, reader.close).start()
    fn.process(player_event("v1", 1, "playing", T0_MS + 1000))
    fn.finish_bundle()  # retried until the reader closed
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select count(*) from player_events").fetchone()[0] == 2
