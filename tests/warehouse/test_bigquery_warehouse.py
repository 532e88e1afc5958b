"""The same warehouse code against BigQuery's API: tables from the contracts, rows, queries.

Runs against the local BigQuery emulator; in production only the URL changes
(bigquery:PROJECT.DATASET without an endpoint).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from streamqoe import samples
from streamqoe.contracts.bigquery import landed_contracts
from streamqoe.landing import decode_json_records, land_outcomes
from streamqoe.warehouse import open_warehouse

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def bq_warehouse(bigquery_emulator, request):
    dataset = f"qoe_{request.node.name.replace('test_', '')[:20]}"
    url = f"bigquery:{bigquery_emulator.project}.{dataset}?endpoint={bigquery_emulator.endpoint}"
    with open_warehouse(url) as wh:
        wh.ensure_tables()
        yield wh


def test_tables_are_created_from_the_contracts(bq_warehouse) -> None:
    tables = {t.table_id: t for t in bq_warehouse.client.list_tables(bq_warehouse.dataset)}
    assert set(tables) == {c.table_name for c in landed_contracts()}
    table = bq_warehouse.client.get_table(f"{bq_warehouse.project}.{bq_warehouse.dataset}.views")
    assert table.time_partitioning.field == "started_at"
    assert table.clustering_fields == ["content_id", "cdn", "view_id"]
    bq_warehouse.ensure_tables()  # idempotent


def test_records_and_dead_letters_land_and_read_back(bq_warehouse) -> None:
    payloads = [json.dumps(samples.player_events()).encode(), b"{broken"]
    outcomes = [
        o
        for i, p in enumerate(payloads)
        for o in decode_json_records(
            p, "player_event", source="test", received_at=NOW, message_id=f"m{i}"
        )
    ]
    counts = land_outcomes(bq_warehouse, outcomes, ingested_at=NOW)
    assert counts.landed == {"player_events": len(samples.player_events())}
    assert counts.dead_letters == {"decode": 1}
    ref = bq_warehouse.table_ref("player_events")
    rows = bq_warehouse.query(
        f"select event_type, rendition.height as height from {ref} where event_type = 'playing'"
    )
    assert rows == [{"event_type": "playing", "height": 540}]
    dead = bq_warehouse.query(
        f"select raw_payload, stage from {bq_warehouse.table_ref('dead_letters')}"
    )
    assert dead == [{"raw_payload": b"{broken", "stage": "decode"}]


def test_nested_and_repeated_columns(bq_warehouse) -> None:
    bq_warehouse.land(
        "transcode_event", [(e, None) for e in samples.transcode_events()], ingested_at=NOW
    )
    bq_warehouse.land("cdn_request", [(r, None) for r in samples.cdn_requests()], ingested_at=NOW)
    ladder = bq_warehouse.query(
        "select o.height from "
        f"{bq_warehouse.table_ref('transcode_events')}, unnest(outputs) as o order by o.height"
    )
    assert [r["height"] for r in ladder] == [540, 720, 1080]
    sids = bq_warehouse.query(
        f"select distinct cmcd.sid as sid from {bq_warehouse.table_ref('cdn_requests')}"
    )
    assert sids == [{"sid": samples.VIEW_ID}]
