"""The embedded warehouse: tables from the contracts, typed rows, URL selection."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streamqoe import samples
from streamqoe.contracts.bigquery import landed_contracts, table_schema
from streamqoe.warehouse import open_warehouse
from streamqoe.warehouse.bigquery_warehouse import BigQueryWarehouse
from streamqoe.warehouse.duckdb_warehouse import DuckDBWarehouse

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_tables_have_the_contract_columns_in_order(warehouse) -> None:
    for c in landed_contracts():
        columns = warehouse.query(
            "select column_name, is_nullable from information_schema.columns "
            f"where table_name = '{c.table_name}' order by ordinal_position"
        )
        fields = table_schema(c)
        assert [r["column_name"] for r in columns] == [f["name"] for f in fields]
        assert [r["is_nullable"] == "NO" for r in columns] == [
            f["mode"] == "REQUIRED" for f in fields
        ]


def test_ensure_tables_is_idempotent_and_keeps_rows(warehouse) -> None:
    warehouse.land("player_event", [(samples.player_events()[0], "m")], ingested_at=NOW)
    warehouse.ensure_tables()
    assert warehouse.count("player_events") == 1


def test_rows_keep_types_and_nesting(warehouse) -> None:
    warehouse.land("player_event", [(e, None) for e in samples.player_events()], ingested_at=NOW)
    warehouse.land(
        "transcode_event", [(e, None) for e in samples.transcode_events()], ingested_at=NOW
    )
    warehouse.land("cdn_request", [(r, None) for r in samples.cdn_requests()], ingested_at=NOW)
    first = warehouse.query(
        "select event_at, rendition.height as h from player_events where event_type = 'playing'"
    )[0]
    assert first["event_at"] == datetime(2026, 11, 24, 20, 0, 1, 180000, tzinfo=UTC)
    assert first["h"] == 540
    ladder = warehouse.query(
        "select list_transform(outputs, lambda o: o.height) as heights from transcode_events "
        "where state = 'complete'"
    )[0]["heights"]
    assert ladder == [540, 720, 1080]
    aborted = warehouse.query("select status, cmcd.sid as sid from cdn_requests where status = 0")
    assert aborted == [{"status": 0, "sid": samples.VIEW_ID}]


def test_open_warehouse_urls(tmp_path) -> None:
    with open_warehouse(f"duckdb:{tmp_path / 'w.duckdb'}") as wh:
        assert isinstance(wh, DuckDBWarehouse)
    with pytest.raises(ValueError, match=r"PROJECT\.DATASET"):
        open_warehouse("bigquery:justaproject")
    with pytest.raises(ValueError, match="unknown warehouse"):
        open_warehouse("postgres://x")


def test_bigquery_url_is_parsed_without_contacting_a_server(monkeypatch) -> None:
    seen = {}

    def fake_init(self, project, dataset, *, endpoint=None, location=None):
        seen.update(project=project, dataset=dataset, endpoint=endpoint, location=location)

    monkeypatch.setattr(BigQueryWarehouse, "__init__", fake_init)
    open_warehouse("bigquery:my-proj.qoe?endpoint=http://127.0.0.1:9050&location=EU")
    assert seen == {
        "project": "my-proj",
        "dataset": "qoe",
        "endpoint": "http://127.0.0.1:9050",
        "location": "EU",
    }
