"""Every dashboard tile compiled to BigQuery SQL, translated with sqlglot and run on a DuckDB
warehouse built from simulated data (simulator, batch pipeline, dbt); the LookML measures against
the marts' own figures on the same data and against the simulator's ground truth.

Tolerances: against the marts, counts and sums are exact and ratios and percentiles equal to
1e-9 (the same rows and the same arithmetic, quantile_cont = percentile_cont); against the
truth, counts are exact and the rebuffer ratio within 2 % (each of its sums is within 1 % of the
truth's, docs/dbt.md "Marts against the simulator's ground truth").
"""

from __future__ import annotations

import duckdb
import pytest

pytest.importorskip("lkml", reason="lkml is not installed (docs/lookml.md, Dependencies)")

from app.lookml import validate
from app.lookml.compiler import FanOutError, Query

pytestmark = pytest.mark.integration

REBUFFER_RATIO_TRUTH_TOLERANCE = 0.02


@pytest.fixture(scope="module")
def con(built, project) -> duckdb.DuckDBPyConnection:
    c = validate.duckdb_connection(built.path, project)
    c.execute(
        f"create view truth as select * from read_parquet('{built.sim_dir}/truth/views.parquet')"
    )
    c.execute(
        f"create view truth_jobs as select * from read_parquet('{built.sim_dir}/truth/jobs.parquet')"
    )
    c.execute('use "streamqoe-local".analytics')
    yield c
    c.close()


def look(con, project, built, explore, fields, filters=None, sorts=None) -> list[dict]:
    return validate.run_duckdb(
        con, project, Query(explore, fields, filters or {}, sorts or []), built.now
    ).rows


def test_every_tile_runs_and_returns_rows(built, project) -> None:
    results = validate.run_tiles_duckdb(built.path, project, built.now)
    assert len(results) == len(validate.tiles(project)) >= 20
    empty = [f"{r.tile.dashboard}: {r.tile.title}" for r in results if not r.rows]
    assert empty == []
    for r in results:
        assert set(r.rows[0]) == {f.replace(".", "_") for f in r.tile.query.fields}


def test_view_counts_match_the_marts_and_the_truth(con, project, built) -> None:
    (row,) = look(con, project, built, "fct_views", [
        "fct_views.view_count", "fct_views.video_start_count", "fct_views.video_start_failure_count",
        "fct_views.video_playback_failure_count", "fct_views.exit_before_video_start_count"])  # fmt: skip
    daily = con.execute(
        "select sum(view_count), sum(video_start_count), sum(video_start_failure_count), "
        "sum(video_playback_failure_count), sum(exit_before_video_start_count) from fct_qoe_daily"
    ).fetchone()
    truth = con.execute(
        "select count(*), count(first_frame_at), count(*) filter (where is_start_failure), "
        "count(*) filter (where is_playback_failure), count(*) filter (where is_exit_before_video_start) "
        "from memory.truth"
    ).fetchone()
    assert tuple(row.values()) == daily == truth
    assert truth[0] > 50 and truth[2] + truth[3] + truth[4] > 0


def test_overall_rebuffer_ratio_matches_the_daily_mart_and_the_truth(con, project, built) -> None:
    (views,) = look(con, project, built, "fct_views", ["fct_views.overall_rebuffer_ratio"])
    (daily,) = look(con, project, built, "fct_qoe_daily", ["fct_qoe_daily.overall_rebuffer_ratio"])
    mart = con.execute(
        "select sum(rebuffer_duration_ms) / nullif(sum(playing_time_ms + rebuffer_duration_ms), 0) "
        "from fct_qoe_daily"
    ).fetchone()[0]
    truth = con.execute(
        "select sum(rebuffer_duration_ms) / sum(playing_time_ms + rebuffer_duration_ms) from memory.truth"
    ).fetchone()[0]
    ratio = views["fct_views_overall_rebuffer_ratio"]
    assert 0 < ratio < 1
    assert ratio == pytest.approx(mart, rel=1e-9)
    assert daily["fct_qoe_daily_overall_rebuffer_ratio"] == pytest.approx(mart, rel=1e-9)
    assert ratio == pytest.approx(truth, rel=REBUFFER_RATIO_TRUTH_TOLERANCE)


def test_startup_p95_by_pop_matches_percentile_cont_over_the_mart(con, project, built) -> None:
    rows = look(con, project, built, "fct_views", ["fct_views.pop", "fct_views.p95_video_startup_time_ms",
                "fct_views.p50_video_startup_time_ms"], sorts=["fct_views.pop asc"])  # fmt: skip
    mart = con.execute(
        "select pop, percentile_cont(0.95) within group (order by video_startup_time_ms), "
        "percentile_cont(0.5) within group (order by video_startup_time_ms) "
        "from fct_views group by pop order by pop nulls last"
    ).fetchall()
    assert len(rows) == len(mart) > 3
    for row, (pop, p95, p50) in zip(rows, mart, strict=True):
        assert row["fct_views_pop"] == pop
        assert row["fct_views_p95_video_startup_time_ms"] == pytest.approx(p95, rel=1e-9)
        assert row["fct_views_p50_video_startup_time_ms"] == pytest.approx(p50, rel=1e-9)


def test_rebuffer_attribution_by_edge_pop_matches_the_mart(con, project, built) -> None:
    a = "fct_view_rebuffer_attribution"
    rows = look(con, project, built, "fct_views", [f"{a}.edge_pop", f"{a}.overall_rebuffer_ratio",
                f"{a}.overall_cache_hit_ratio", f"{a}.total_request_count"],
                {f"{a}.has_cdn_requests": "yes"}, [f"{a}.edge_pop asc"])  # fmt: skip
    mart = con.execute(
        "select edge_pop, sum(rebuffer_duration_ms) / nullif(sum(playing_time_ms + rebuffer_duration_ms), 0), "
        "sum(cache_hit_count) / nullif(sum(cache_hit_count + cache_miss_count), 0), sum(request_count) "
        "from fct_view_rebuffer_attribution where has_cdn_requests group by 1 order by 1 nulls last"
    ).fetchall()
    assert len(rows) == len(mart) > 1
    for row, (pop, rebuffer, hit, requests) in zip(rows, mart, strict=True):
        assert row[f"{a}_edge_pop"] == pop
        assert row[f"{a}_overall_rebuffer_ratio"] == pytest.approx(rebuffer, rel=1e-9)
        assert row[f"{a}_overall_cache_hit_ratio"] == pytest.approx(hit, rel=1e-9)
        assert row[f"{a}_total_request_count"] == requests


def test_cdn_requests_and_transcode_jobs_match_the_truth(con, project, built) -> None:
    (cdn,) = look(
        con, project, built, "fct_cdn_pop_hourly", ["fct_cdn_pop_hourly.total_request_count"]
    )
    logged = con.execute('select count(*) from "streamqoe-local".main.cdn_requests').fetchone()[0]
    assert cdn["fct_cdn_pop_hourly_total_request_count"] == logged > 0
    (jobs,) = look(con, project, built, "fct_transcode_jobs",
                   ["fct_transcode_jobs.job_count", "fct_transcode_jobs.failed_job_count"])  # fmt: skip
    truth = con.execute(
        "select count(*), count(*) filter (where state = 'error') from memory.truth_jobs"
    ).fetchone()
    assert tuple(jobs.values()) == truth


def test_joined_session_count_is_not_fanned_out(con, project, built) -> None:
    (row,) = look(con, project, built, "fct_views",
                  ["fct_viewer_sessions.viewer_session_count", "fct_views.viewer_count"])  # fmt: skip
    sessions, viewers = con.execute(
        "select count(*), count(distinct viewer_id) from fct_viewer_sessions"
    ).fetchone()
    views = con.execute("select count(*) from fct_views where viewer_id is not null").fetchone()[0]
    assert row["fct_viewer_sessions_viewer_session_count"] == sessions < views
    assert row["fct_views_viewer_count"] == viewers


def test_per_minute_sums_match_the_views(con, project, built) -> None:
    (row,) = look(con, project, built, "fct_qoe_minute", [
        "fct_qoe_minute.total_play_attempt_count", "fct_qoe_minute.total_video_start_count"])  # fmt: skip
    views = con.execute(
        "select count(*), count(*) filter (where is_video_start) from fct_views"
    ).fetchone()
    assert tuple(row.values()) == views


def test_every_field_of_every_explore_runs(con, project, built) -> None:
    ran, refused = 0, []
    for query in validate.field_queries(project):
        try:
            validate.run_duckdb(con, project, query, built.now)
            ran += 1
        except FanOutError:
            refused.append(query.fields[0])
    assert ran > 500
    # Only sums, averages and percentiles of a view joined many_to_one are refused.
    for ref in refused:
        f = project.field(ref)
        assert f.type in ("sum", "average", "percentile", "number"), ref
        assert f.view in ("dim_content", "dim_device", "fct_viewer_sessions"), ref
    assert "fct_viewer_sessions.total_playing_time_ms" in refused
