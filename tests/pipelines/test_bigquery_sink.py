"""WriteToWarehouse into BigQuery through Beam's WriteToBigQuery, against the local emulator.

Streaming inserts (insertAll) are what the emulator serves; the Storage Write API method needs
Beam's Java expansion service and cannot run offline (docs/pipelines.md#sinks).
"""

from __future__ import annotations

from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from beam_fixtures import T0_MS, fixed_clock, simple_view

from app.platform import bigquery_emulator as bqe
from pipelines.transforms.sinks import WriteToWarehouse
from streamqoe.qoe.state_machine import build_timeline
from streamqoe.qoe.views import view_record
from streamqoe.warehouse import open_warehouse

PROJECT = "streamqoe-local"
DATASET = "pipeline_sink"


def view_rows() -> list[dict]:
    rows = []
    for i in range(3):
        timeline = build_timeline(simple_view(f"v{i}", T0_MS + i * 60_000), closed=True)
        row = view_record(timeline, source="beacon")
        row.update(pop="FRA56", is_final=True, version=11, updated_at=fixed_clock())
        rows.append(row)
    return rows


@pytest.mark.integration
def test_write_to_bigquery_streaming_inserts_into_the_emulator(
    bigquery_emulator: bqe.BigQueryEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    stub = bqe.OAuthTokenStub(state_dir=tmp_path)
    stub.start()
    try:
        for name, value in bqe.emulator_env(
            bigquery_emulator.endpoint, stub.credentials_path, PROJECT
        ).items():
            monkeypatch.setenv(name, value)
        url = f"bigquery:{PROJECT}.{DATASET}?endpoint={bigquery_emulator.endpoint}"
        with open_warehouse(url) as warehouse:
            warehouse.ensure_tables()
        rows = view_rows()
        with TestPipeline(runner="FnApiRunner") as p:
            refused = p | beam.Create(rows) | WriteToWarehouse(url, "view")
            refused_count = refused | beam.combiners.Count.Globally()
            assert_that(refused_count, equal_to([0]))
        with open_warehouse(url) as warehouse:
            landed = warehouse.query(
                f"select view_id, playing_time_ms, pop, is_final, version "
                f"from {warehouse.table_ref('views')} order by view_id"
            )
    finally:
        stub.stop()
    assert [tuple(r.values()) for r in landed] == [
        (f"v{i}", 29_000, "FRA56", True, 11) for i in range(3)
    ]
