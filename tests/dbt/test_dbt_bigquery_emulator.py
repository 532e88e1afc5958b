"""`dbt build` with dbt-bigquery against the local BigQuery emulator (bqemulator).

The same hand-made dataset as the DuckDB test lands through streamqoe.warehouse's BigQuery backend
(streaming inserts to the emulator); dbt runs in-process with the `bigquery_emulator` target (method
oauth-secrets with a static fake token, `api_endpoint` pointed at the emulator), then again after a
second landing to exercise the incremental `merge` path; the marts are read back with the
google-cloud-bigquery client.

What differs from production BigQuery, and why, is in docs/dbt.md ("The BigQuery emulator"):
staging and intermediate models are tables and mart contracts are not enforced on this target.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from dbt_dataset import LANDED_AT, VIEW_A, land_dataset, view_b
from google.cloud import bigquery

from app.dbt_runner import dbt_env, run_dbt
from app.platform import bigquery_emulator as bqe
from streamqoe.contracts import validate
from streamqoe.warehouse.bigquery_warehouse import BigQueryWarehouse

pytestmark = pytest.mark.integration

PROJECT = "streamqoe-local"
LANDING = "streamqoe"
ANALYTICS = "analytics"
# Resolved at import, before the autouse fixture points STREAMQOE_DATA_DIR at a per-test folder:
# every emulator of the test suite shares one install.
VENV_DIR = bqe.default_venv_dir()
RETRY = bigquery.DEFAULT_RETRY.with_deadline(30)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bqe.BigQueryEmulator]:
    state = tmp_path_factory.mktemp("bq-dbt")
    emu = bqe.BigQueryEmulator(state_dir=state, storage_dir=state / "warehouse", venv_dir=VENV_DIR)
    bqe.ensure_installed(VENV_DIR)
    emu.start(project=PROJECT, ephemeral=True)
    try:
        yield emu
    finally:
        emu.stop()


def _build(emulator: bqe.BigQueryEmulator, tmp_path: Path) -> None:
    with dbt_env(
        STREAMQOE_BIGQUERY_ENDPOINT=emulator.endpoint,
        STREAMQOE_PROJECT=PROJECT,
        STREAMQOE_DBT_SCHEMA=ANALYTICS,
        STREAMQOE_LANDING_SCHEMA=LANDING,
    ):
        result = run_dbt(["build"], target="bigquery_emulator", work_dir=tmp_path)
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    assert result.success, failures or result.exception
    assert not failures


@pytest.fixture(scope="module")
def built(
    emulator: bqe.BigQueryEmulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[bigquery.Client, Path]]:
    tmp = tmp_path_factory.mktemp("dbt_bq")
    wh = BigQueryWarehouse(PROJECT, LANDING, endpoint=emulator.endpoint)
    try:
        land_dataset(wh)
    finally:
        wh.close()
    _build(emulator, tmp)
    client = emulator.client()
    yield client, tmp
    client.close()


def _rows(client: bigquery.Client, sql: str) -> list[dict[str, Any]]:
    sql = sql.replace("{a}", f"`{PROJECT}.{ANALYTICS}")
    return [dict(r.items()) for r in client.query(sql, retry=RETRY).result()]


def _one(client: bigquery.Client, sql: str) -> dict[str, Any]:
    rows = _rows(client, sql)
    assert len(rows) == 1, rows
    return rows[0]


def test_marts_match_the_duckdb_figures(built) -> None:
    client, _ = built
    assert _one(client, "select count(*) as n from {a}.fct_views`")["n"] == 5
    fra = _one(
        client,
        "select * from {a}.fct_qoe_daily` where view_date = '2026-11-24' and pop = 'FRA56-P1'",
    )
    assert (fra["view_count"], fra["playing_time_ms"], fra["rebuffer_duration_ms"]) == (
        2,
        90170,
        1650,
    )
    assert fra["rebuffer_ratio"] == pytest.approx(1650 / 91820)
    a = _one(
        client, f"select * from {{a}}.fct_view_rebuffer_attribution` where view_id = '{VIEW_A}'"
    )
    assert (a["edge_pop"], a["request_count"], a["cache_hit_count"]) == ("FRA56-P1", 4, 2)
    assert a["cache_hit_ratio"] == pytest.approx(2 / 3)
    content = _one(client, "select * from {a}.dim_content` where content_id = 'vod-0042'")
    assert content["ladder"] == "540p:1600, 720p:3200, 1080p:6000"
    job = _one(client, "select * from {a}.fct_transcode_jobs` where provider = 'mediaconvert'")
    assert (job["realtime_factor"], job["turnaround_time_ms"]) == (5.0, 380_000)
    minutes = _rows(
        client,
        "select dimension_value, qoe_minute_version, rebuffer_ratio from {a}.fct_qoe_minute` "
        "where dimension = 'pop' order by 1",
    )
    assert [tuple(r.values()) for r in minutes] == [
        ("FRA56-P1", 1, 1650 / 50_000),
        ("LHR50-C1", 1, None),
    ]
    hourly = _rows(client, "select pop, request_count from {a}.fct_cdn_pop_hourly` order by 1, 2")
    assert [(r["pop"], r["request_count"]) for r in hourly] == [
        ("FRA56-P1", 1),
        ("FRA56-P1", 5),
        ("LHR50-C1", 3),
    ]


def test_incremental_merge_on_the_emulator(built, emulator: bqe.BigQueryEmulator) -> None:
    client, tmp = built
    moved = view_b(pop="LHR61-C2", version=2)
    wh = BigQueryWarehouse(PROJECT, LANDING, endpoint=emulator.endpoint)
    try:
        wh.land(
            "view", [(validate("view", moved), "inc")], ingested_at=LANDED_AT + timedelta(days=1)
        )
    finally:
        wh.close()
    _build(emulator, tmp)
    old = _one(client, "select * from {a}.fct_qoe_daily` where pop = 'LHR50-C1'")
    new = _one(client, "select * from {a}.fct_qoe_daily` where pop = 'LHR61-C2'")
    assert (old["view_count"], new["view_count"]) == (0, 1)
    assert _one(client, "select sum(view_count) as n from {a}.fct_qoe_daily`")["n"] == 5
