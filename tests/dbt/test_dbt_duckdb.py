"""`dbt build` on the embedded DuckDB warehouse: every model, test and unit test, then exact figures.

The warehouse is filled through streamqoe.warehouse with the hand-made dataset of conftest.py, dbt
runs in-process (dbtRunner) against a temporary file, and the marts are read back with DuckDB.
A second landing then exercises the incremental path (merge) and the zeroed breakdowns.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt_dataset import D1, LANDED_AT, VIEW_A, land_dataset, qoe_minute, request, view, view_b

from app.dbt_runner import dbt_env, run_dbt
from streamqoe.contracts import validate
from streamqoe.warehouse.duckdb_warehouse import DuckDBWarehouse

pytestmark = pytest.mark.integration

SAMPLE_BYTES = 812_345


def _rows(path: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _one(path: Path, sql: str) -> dict[str, Any]:
    rows = _rows(path, sql)
    assert len(rows) == 1, rows
    return rows[0]


def _build(path: Path, tmp_path: Path) -> None:
    with dbt_env(STREAMQOE_DUCKDB_PATH=str(path), STREAMQOE_DBT_SCHEMA="analytics"):
        result = run_dbt(["build"], target="duckdb", work_dir=tmp_path)
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    assert result.success, failures or result.exception
    assert not failures


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A warehouse with the dataset landed and `dbt build` run once: (warehouse path, tmp dir)."""
    tmp = tmp_path_factory.mktemp("dbt_duckdb")
    path = tmp / "warehouse.duckdb"
    with DuckDBWarehouse(path) as wh:
        land_dataset(wh)
    _build(path, tmp)
    return path, tmp


def test_views_keep_the_latest_version_once(built) -> None:
    path, _ = built
    assert _one(path, "select count(*) as n from analytics.fct_views")["n"] == 5
    a = _one(path, f"select * from analytics.fct_views where view_id = '{VIEW_A}'")
    assert a["view_version"] == 2
    assert a["pop"] == "FRA56-P1"
    assert a["rebuffer_duration_ms"] == 1650
    assert a["playing_time_ms"] == 30170
    assert a["rendition_count"] == 2
    assert a["hd_playing_time_ms"] == 17350
    assert a["hd_playing_time_ratio"] == pytest.approx(17350 / 30170)
    assert a["started_at"] == datetime(2026, 11, 24, 20, 0)  # UTC wall clock
    assert a["view_date"] == date(2026, 11, 24)


def test_qoe_daily_carries_numerators_and_denominators(built) -> None:
    path, _ = built
    fra = _one(
        path,
        "select * from analytics.fct_qoe_daily where view_date = '2026-11-24' and pop = 'FRA56-P1'",
    )
    assert (fra["cdn"], fra["country"], fra["device_type"], fra["content_id"]) == (
        "cloudfront",
        "DE",
        "desktop",
        "vod-0042",
    )
    assert fra["view_count"] == 2
    assert fra["video_start_count"] == 2
    assert fra["total_video_startup_time_ms"] == 1180 + 800
    assert fra["playing_time_ms"] == 30170 + 60000
    assert fra["rebuffer_duration_ms"] == 1650
    assert fra["rebuffer_ratio"] == pytest.approx(1650 / (90170 + 1650))
    assert fra["avg_video_startup_time_ms"] == 990.0
    assert fra["avg_bitrate_kbps"] == pytest.approx((76_032_000 + 5066.666666 * 60000) / 90170)

    lhr = _one(path, "select * from analytics.fct_qoe_daily where pop = 'LHR50-C1'")
    assert (lhr["view_count"], lhr["rebuffer_count"], lhr["rebuffer_ratio"]) == (1, 2, 0.1)
    akamai = _one(path, "select * from analytics.fct_qoe_daily where cdn = 'akamai'")
    assert akamai["pop"] == "(unknown)"
    assert akamai["exit_before_video_start_count"] == 1
    assert akamai["rebuffer_ratio"] is None
    d2 = _one(path, "select * from analytics.fct_qoe_daily where view_date = '2026-11-25'")
    assert (d2["video_start_failure_count"], d2["video_start_failure_rate"]) == (1, 1.0)
    assert _one(path, "select sum(view_count) as n from analytics.fct_qoe_daily")["n"] == 5


def test_qoe_minute_keeps_the_latest_pane_with_its_sums(built) -> None:
    path, _ = built
    rows = _rows(
        path,
        "select * from analytics.fct_qoe_minute order by window_start_at, dimension",
    )
    assert [(r["dimension"], r["dimension_value"], r["qoe_minute_version"]) for r in rows] == [
        ("all", "all", 1),
        ("pop", "FRA56-P1", 1),
        ("pop", "LHR50-C1", 1),
    ]
    fra = rows[1]
    assert (fra["playing_time_ms"], fra["rebuffer_duration_ms"], fra["rebuffer_count"]) == (
        48_350,
        1_650,
        1,
    )
    assert fra["rebuffer_ratio"] == 1650 / 50_000
    assert (fra["window_start_at"], fra["window_date"]) == (
        datetime(2026, 11, 24, 20, 1),
        date(2026, 11, 24),
    )
    assert rows[2]["rebuffer_ratio"] is None


def test_rebuffer_attribution_joins_requests_through_cmcd_sid(built) -> None:
    path, _ = built
    a = _one(
        path, f"select * from analytics.fct_view_rebuffer_attribution where view_id = '{VIEW_A}'"
    )
    # 4 sample requests (one delivered twice counts once); the one 2 h after the view is left out.
    assert a["edge_pop"] == "FRA56-P1"
    assert a["request_count"] == 4
    assert (a["cache_hit_count"], a["cache_miss_count"], a["error_count"]) == (2, 1, 1)
    assert a["cache_hit_ratio"] == pytest.approx(2 / 3)
    assert a["avg_ttfb_ms"] == 12.0
    assert a["delivery_throughput_kbps"] == pytest.approx(3 * SAMPLE_BYTES * 8 / (4 * 84.0))
    b = _one(path, "select * from analytics.fct_view_rebuffer_attribution where view_id = 'view-b'")
    assert (b["edge_pop"], b["isp"], b["rebuffer_ratio"]) == ("LHR50-C1", "BT", 0.1)
    assert (b["cache_hit_ratio"], b["avg_ttfb_ms"], b["delivery_throughput_kbps"]) == (
        0.0,
        90.0,
        20000.0,
    )
    assert b["buffer_starvation_request_count"] == 1
    e = _one(path, "select * from analytics.fct_view_rebuffer_attribution where view_id = 'view-e'")
    assert (e["has_cdn_requests"], e["request_count"], e["cache_hit_ratio"]) == (False, 0, None)


def test_cdn_pop_hourly_from_the_logs(built) -> None:
    path, _ = built
    rows = _rows(
        path,
        "select * from analytics.fct_cdn_pop_hourly order by request_hour_at, pop",
    )
    assert [(r["request_hour_at"].hour, r["pop"], r["request_count"]) for r in rows] == [
        (20, "FRA56-P1", 5),
        (20, "LHR50-C1", 3),
        (22, "FRA56-P1", 1),
    ]
    fra = rows[0]
    assert (fra["cache_hit_count"], fra["cache_miss_count"], fra["error_count"]) == (3, 1, 1)
    assert (fra["cache_hit_ratio"], fra["error_rate"]) == (0.75, 0.2)
    assert fra["view_count"] == 1


def test_transcode_jobs_and_content_ladder(built) -> None:
    path, _ = built
    job = _one(path, "select * from analytics.fct_transcode_jobs where provider = 'mediaconvert'")
    assert (job["state"], job["job_version"], job["output_count"]) == ("complete", 1, 3)
    assert (job["realtime_factor"], job["turnaround_time_ms"]) == (5.0, 380_000)
    assert job["max_output_bitrate_kbps"] == 6000
    failed = _one(path, "select * from analytics.fct_transcode_jobs where is_failed")
    assert failed["error_code"] == "INVALID_INPUT"

    content = {r["content_id"]: r for r in _rows(path, "select * from analytics.dim_content")}
    assert set(content) == {"vod-0042", "live-7", "vod-0099"}
    vod = content["vod-0042"]
    assert vod["ladder"] == "540p:1600, 720p:3200, 1080p:6000"
    assert (vod["ladder_rung_count"], vod["ladder_max_height_px"]) == (3, 1080)
    assert vod["content_title"] == "Northern Lights"
    assert (content["live-7"]["has_ladder"], content["vod-0099"]["transcode_job_count"]) == (
        False,
        1,
    )


def test_sessions_and_devices(built) -> None:
    path, _ = built
    s = _one(
        path,
        "select * from analytics.fct_viewer_sessions "
        "where viewer_id = 'vw_3f9a0c' and viewer_session_date = '2026-11-24'",
    )
    assert (s["viewer_session_version"], s["view_count"], s["matched_view_count"]) == (1, 2, 2)
    assert s["rebuffer_ratio"] == pytest.approx(1650 / 91820)
    assert s["session_duration_ms"] == 181_000
    devices = _rows(path, "select * from analytics.dim_device order by device_type")
    assert [d["device_type"] for d in devices] == ["desktop", "mobile", "tv"]
    assert _one(path, "select count(*) as n from analytics.dim_device where is_mobile")["n"] == 1


def test_incremental_run_merges_new_versions_and_zeroes_emptied_breakdowns(built) -> None:
    path, tmp = built
    later = LANDED_AT + timedelta(days=1)
    b_moved = view_b(pop="LHR61-C2", version=2)
    f = view("view-f", D1 + timedelta(minutes=40), rebuffer_count=0)
    new_request = request("f-1", D1 + timedelta(minutes=40, seconds=2), "FRA56-P1", "view-f")
    with DuckDBWarehouse(path) as wh:
        wh.ensure_tables()
        wh.land("view", [(validate("view", v), "inc") for v in (b_moved, f)], ingested_at=later)
        wh.land("cdn_request", [(validate("cdn_request", new_request), "inc")], ingested_at=later)
        late_pane = qoe_minute(1, "pop", "FRA56-P1", 50_000, 2_000, version=2)
        wh.land("qoe_minute", [(validate("qoe_minute", late_pane), "inc")], ingested_at=later)
    _build(path, tmp)

    assert _one(path, "select count(*) as n from analytics.fct_views")["n"] == 6
    assert (
        _one(path, "select pop from analytics.fct_views where view_id = 'view-b'")["pop"]
        == "LHR61-C2"
    )
    old = _one(path, "select * from analytics.fct_qoe_daily where pop = 'LHR50-C1'")
    assert (old["view_count"], old["playing_time_ms"], old["rebuffer_ratio"]) == (0, 0, None)
    new = _one(path, "select * from analytics.fct_qoe_daily where pop = 'LHR61-C2'")
    assert (new["view_count"], new["rebuffer_ratio"]) == (1, 0.1)
    fra = _one(
        path,
        "select * from analytics.fct_qoe_daily where view_date = '2026-11-24' and pop = 'FRA56-P1'",
    )
    assert fra["view_count"] == 3
    assert fra["last_ingested_at"] == later.replace(tzinfo=None)
    hour = _one(
        path,
        "select * from analytics.fct_cdn_pop_hourly "
        "where pop = 'FRA56-P1' and hour(request_hour_at) = 20",
    )
    assert hour["request_count"] == 6
    minute = _one(path, "select * from analytics.fct_qoe_minute where dimension_value = 'FRA56-P1'")
    assert (minute["qoe_minute_version"], minute["rebuffer_ratio"]) == (2, 2_000 / 52_000)
    assert _one(path, "select count(*) as n from analytics.fct_qoe_minute")["n"] == 3
