"""Query the dbt marts for the report's figures (DuckDB SQL over the `analytics` schema).

Ratios are always sum over sum of the marts' numerators and denominators (docs/metrics.md), never
averages of per-view ratios.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from streamqoe.warehouse.base import Warehouse

MARTS_SCHEMA = "analytics"
TIME_BUCKET_MINUTES = 10


@dataclass(frozen=True)
class Overview:
    """Headline figures over all views."""

    views: int
    video_starts: int
    startup_p50_ms: float | None
    startup_p95_ms: float | None
    rebuffer_ratio: float | None
    video_start_failures: int
    video_playback_failures: int
    exits_before_video_start: int
    avg_bitrate_kbps: float | None


def _rows(warehouse: Warehouse, sql: str) -> list[dict[str, Any]]:
    return warehouse.query(sql.replace("{marts}", MARTS_SCHEMA))


def overview(warehouse: Warehouse) -> Overview:
    """Headline figures from fct_views (latest version of every view)."""
    row = _rows(
        warehouse,
        """
        select
            count(*) as views,
            count(*) filter (where is_video_start) as video_starts,
            quantile_cont(video_startup_time_ms, 0.5) as startup_p50_ms,
            quantile_cont(video_startup_time_ms, 0.95) as startup_p95_ms,
            sum(rebuffer_duration_ms) / nullif(sum(playing_time_ms + rebuffer_duration_ms), 0)
                as rebuffer_ratio,
            count(*) filter (where has_video_start_failure) as video_start_failures,
            count(*) filter (where has_video_playback_failure) as video_playback_failures,
            count(*) filter (where is_exit_before_video_start) as exits_before_video_start,
            sum(avg_bitrate_kbps * playing_time_ms) / nullif(sum(playing_time_ms)
                filter (where avg_bitrate_kbps is not null), 0) as avg_bitrate_kbps
        from {marts}.fct_views
        """,
    )[0]
    return Overview(**row)


def by_pop(warehouse: Warehouse) -> list[dict[str, Any]]:
    """Per edge PoP (from the CDN requests joined to each view): views and QoE, worst first."""
    return _rows(
        warehouse,
        """
        select
            coalesce(a.edge_pop, '(no CDN log)') as pop,
            count(*) as views,
            quantile_cont(v.video_startup_time_ms, 0.5) as startup_p50_ms,
            quantile_cont(v.video_startup_time_ms, 0.95) as startup_p95_ms,
            sum(a.rebuffer_duration_ms)
                / nullif(sum(a.playing_time_ms + a.rebuffer_duration_ms), 0) as rebuffer_ratio,
            avg(case when a.has_rebuffered then 1.0 else 0.0 end) as rebuffered_view_share,
            sum(a.cache_hit_count) / nullif(sum(a.cache_hit_count + a.cache_miss_count), 0)
                as cache_hit_ratio,
            sum(a.total_ttfb_ms) / nullif(sum(a.ttfb_sample_count), 0) as avg_ttfb_ms
        from {marts}.fct_view_rebuffer_attribution as a
        inner join {marts}.fct_views as v using (view_id)
        group by 1
        order by rebuffer_ratio desc nulls last, views desc, pop
        """,
    )


def by_pop_between(warehouse: Warehouse, start: str, end: str) -> list[dict[str, Any]]:
    """Rebuffer ratio per PoP over the minutes in [start, end) (RFC 3339), worst first.

    From fct_qoe_minute (the pipelines' per-minute QoE, latest pane per minute as dbt keeps it);
    its window_start_at is a UTC timestamp, so the bounds are converted to UTC before comparing.
    """
    return _rows(
        warehouse,
        f"""
        select
            dimension_value as pop,
            sum(rebuffer_duration_ms)
                / nullif(sum(playing_time_ms + rebuffer_duration_ms), 0) as rebuffer_ratio,
            sum(rebuffer_count) as rebuffer_count,
            max(concurrent_play_count) as plays
        from {{marts}}.fct_qoe_minute
        where dimension = 'pop'
            and window_start_at >= timezone('UTC', '{start}'::timestamptz)
            and window_start_at < timezone('UTC', '{end}'::timestamptz)
        group by 1
        order by rebuffer_ratio desc nulls last, plays desc, pop
        """,
    )


def rebuffer_ratio_over_time(warehouse: Warehouse) -> list[dict[str, Any]]:
    """Rebuffer ratio per PoP and time bucket, from fct_qoe_minute.

    fct_qoe_minute (one row per minute and breakdown value, the latest pane of the pipelines'
    live-monitoring minutes) places rebuffering in the minute it happened, so a short incident
    shows where and when it hit; per-view marts would smear it over whole views. The ratio is sum
    over sum of the minutes' durations; `plays` is the most views playing at once in the bucket.
    `bucket_at` is the bucket's start as a UTC instant (TIMESTAMPTZ).
    """
    return _rows(
        warehouse,
        f"""
        select
            dimension_value as pop,
            timezone(
                'UTC', time_bucket(interval {TIME_BUCKET_MINUTES} minute, window_start_at)
            ) as bucket_at,
            sum(rebuffer_duration_ms)
                / nullif(sum(playing_time_ms + rebuffer_duration_ms), 0) as rebuffer_ratio,
            max(concurrent_play_count) as plays
        from {{marts}}.fct_qoe_minute
        where dimension = 'pop'
        group by 1, 2
        order by 2, 1
        """,
    )


def worst_pop_windows(
    warehouse: Warehouse, limit: int = 5, min_plays: int = 3
) -> list[dict[str, Any]]:
    """The PoP x time-bucket cells with the highest rebuffer ratio (at least `min_plays` plays).

    A short incident is diluted in a whole day's figures; these cells show where and when
    viewers rebuffered most.
    """
    cells = [
        r
        for r in rebuffer_ratio_over_time(warehouse)
        if r["plays"] >= min_plays and r["rebuffer_ratio"] is not None
    ]
    return sorted(cells, key=lambda r: r["rebuffer_ratio"], reverse=True)[:limit]


def startup_times_ms(warehouse: Warehouse) -> list[float]:
    """Every view's video startup time, ms (views whose video started)."""
    rows = _rows(
        warehouse,
        "select video_startup_time_ms as ms from {marts}.fct_views "
        "where video_startup_time_ms is not null",
    )
    return [float(r["ms"]) for r in rows]


def bitrate_mix(warehouse: Warehouse) -> list[dict[str, Any]]:
    """Playing time per average-bitrate band, from fct_views."""
    return _rows(
        warehouse,
        """
        select
            case
                when avg_bitrate_kbps < 1000 then '< 1 Mbps'
                when avg_bitrate_kbps < 2500 then '1-2.5 Mbps'
                when avg_bitrate_kbps < 5000 then '2.5-5 Mbps'
                else '>= 5 Mbps'
            end as band,
            min(avg_bitrate_kbps) as band_floor_kbps,
            sum(playing_time_ms) as playing_time_ms
        from {marts}.fct_views
        where avg_bitrate_kbps is not null
        group by 1
        order by band_floor_kbps
        """,
    )


def transcode_outcomes(warehouse: Warehouse) -> list[dict[str, Any]]:
    """Jobs per provider and final state, with their median realtime factor."""
    return _rows(
        warehouse,
        """
        select
            provider,
            state,
            count(*) as jobs,
            quantile_cont(realtime_factor, 0.5) as median_realtime_factor
        from {marts}.fct_transcode_jobs
        group by 1, 2
        order by 1, 2
        """,
    )
