"""The demo's report: summary text, worst windows from fct_qoe_minute, accounting against the truth."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.dbt_runner import dbt_env, run_dbt
from app.demo import accounting
from app.report import figures
from app.report.render import summary_text
from streamqoe.warehouse.duckdb_warehouse import DuckDBWarehouse

T0 = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)


def minute_row(minute: int, pop: str, playing: int, rebuffer: int, version: int, plays: int = 4):
    start = T0.replace(minute=minute)
    return {
        "schema_version": "1.0",
        "window_start": start.isoformat(),
        "window_end": start.replace(minute=minute + 1).isoformat(),
        "dimension": "pop",
        "dimension_value": pop,
        "concurrent_plays": plays,
        "play_attempts": 0,
        "video_starts": 0,
        "playing_time_ms": playing,
        "rebuffer_duration_ms": rebuffer,
        "rebuffer_count": 1 if rebuffer else 0,
        "video_start_failures": 0,
        "video_playback_failures": 0,
        "exits_before_video_start": 0,
        "is_final": True,
        "version": version,
        "updated_at": T0.isoformat(),
    }


@pytest.mark.integration
def test_worst_windows_use_the_latest_pane_and_rank_by_ratio(tmp_path) -> None:
    """The report reads fct_qoe_minute (dbt keeps the latest pane), never the landed table."""
    rows = [
        minute_row(1, "IAD89-C1", 60_000, 60_000, version=0),  # superseded early pane
        minute_row(1, "IAD89-C1", 200_000, 50_000, version=1),
        minute_row(2, "FRA56-P1", 240_000, 2_400, version=0),
        minute_row(3, "SFO53-P2", 10_000, 10_000, version=0, plays=1),  # too few plays
    ]
    path = tmp_path / "warehouse.duckdb"
    with DuckDBWarehouse(path) as wh:
        wh.ensure_tables()
        wh.land("qoe_minute", [(r, None) for r in rows], ingested_at=T0)
    with dbt_env(STREAMQOE_DUCKDB_PATH=str(path), STREAMQOE_DBT_SCHEMA=figures.MARTS_SCHEMA):
        outcome = run_dbt(["run", "--select", "+fct_qoe_minute", "--quiet"], "duckdb", tmp_path)
    assert outcome.success, outcome.exception
    with DuckDBWarehouse(path) as wh:
        worst = figures.worst_pop_windows(wh)
        during = figures.by_pop_between(wh, "2026-11-24T19:01:00Z", "2026-11-24T19:02:00Z")
    assert [(r["pop"], r["rebuffer_ratio"], r["plays"]) for r in during] == [("IAD89-C1", 0.2, 4)]
    assert [(r["pop"], round(r["rebuffer_ratio"], 4)) for r in worst] == [
        ("IAD89-C1", 0.2),
        ("FRA56-P1", 0.0099),
    ]
    text = summary_text(
        figures.Overview(10, 9, 800.0, 2100.0, 0.01, 1, 0, 0, 3000.0),
        [
            {
                "pop": "IAD89-C1",
                "views": 4,
                "startup_p50_ms": 900.0,
                "startup_p95_ms": 2500.0,
                "rebuffer_ratio": 0.2,
                "rebuffered_view_share": 0.5,
                "cache_hit_ratio": 0.8,
            }
        ],
        worst,
    )
    assert "startup p50 800 ms / p95 2,100 ms" in text
    assert "IAD89-C1               4       900 ms  2,500 ms    20.00%" in text
    assert "IAD89-C1        2026-11-24 19:00 UTC  rebuffer ratio 20.00%" in text


@pytest.mark.parametrize("landed_player_events", [100, 99])
def test_accounting_compares_landed_rows_with_the_fault_manifest(tmp_path, landed_player_events):
    (tmp_path / "truth").mkdir()
    totals = {
        "beacon": {"expected_landed": 100, "expected_dead_letter": 3},
        "cmcd": {"expected_landed": 20, "expected_dead_letter": 1},
        "cloudfront": {"expected_landed": 50, "expected_dead_letter": 2},
    }
    (tmp_path / "truth" / "faults.json").write_text(json.dumps({"totals": totals}))
    (tmp_path / "manifest.json").write_text(json.dumps({"transcode_events": 7}))
    counts = {
        "player_events": landed_player_events,
        "cmcd_reports": 20,
        "cdn_requests": 50,
        "transcode_events": 7,
        "dead_letters": 6,
    }
    books = accounting(tmp_path, counts)
    assert books[0] == ("player_events", 100, landed_player_events)
    assert ("dead_letters", 6, 6) in books
    assert all(e == n for _, e, n in books) is (landed_player_events == 100)
