"""The view.v1 record of one view: its metrics, scores and dimensions, from events or a timeline.

    view_record(timeline, ...)      the view.v1 record minus the pipeline-owned fields
    compute_view(events, ...)       build_timeline then view_record
    VIEW_SCHEMA_VERSION, PIPELINE_OWNED_FIELDS, ERROR_CODE_MAX_CHARS: what the record fills and how

The fields follow schemas/view.v1.json in order; every figure comes from streamqoe.qoe.view_metrics
and streamqoe.qoe.scores, timestamps from streamqoe.times.rfc3339_from_epoch_ms. CMCD views:
streamqoe.qoe.cmcd.compute_view_from_cmcd.

Left out: the pipeline-owned fields (`is_final`, `version`, `updated_at`, `pop`: the Beam layer adds
them), the per-minute contributions (streamqoe.qoe.minute_contributions), ads, and any I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from streamqoe.qoe import scores
from streamqoe.qoe.state_machine import build_timeline
from streamqoe.qoe.timeline import INACTIVITY_GAP_MS, Timeline
from streamqoe.qoe.view_metrics import (
    avg_bitrate_kbps,
    bitrate_switch_count,
    bitrate_switch_down_count,
    bitrate_switch_up_count,
    dropped_frame_ratio,
    exit_before_video_start,
    playing_time_ms,
    rebuffer_count,
    rebuffer_duration_ms,
    rebuffer_ratio,
    seek_buffering_duration_ms,
    seek_count,
    time_per_rendition,
    video_playback_failure,
    video_start_failure,
    video_startup_time_ms,
)
from streamqoe.times import rfc3339_from_epoch_ms

VIEW_SCHEMA_VERSION = "1.0"
"""schema_version written on view records (schemas/view.v1.json)."""
PIPELINE_OWNED_FIELDS = ("is_final", "version", "updated_at", "pop")
"""view.v1 fields this module does not fill: the pipeline adds them."""
ERROR_CODE_MAX_CHARS = 128
"""view.v1 error_code maxLength; a longer code (a CMCD ec list) is cut."""


def view_record(
    timeline: Timeline, *, source: str = "beacon", top_bitrate_kbps: int | None = None
) -> dict[str, Any]:
    """Return the view.v1 record of a timeline, without the pipeline-owned fields.

    Args:
        timeline: from build_timeline (or qoe_cmcd.build_timeline_from_cmcd).
        source: "beacon" or "cmcd".
        top_bitrate_kbps: top of the content's bitrate ladder, for quality_score; when None, the
            CMCD `tb` the view reported, else the highest bitrate the view played.

    Returns:
        Every view.v1 property except PIPELINE_OWNED_FIELDS. ended_at and close_reason are set once
        the view is closed (by a closing event, an inactivity gap, or `closed=True`).
    """
    if source not in ("beacon", "cmcd"):
        raise ValueError(f"source must be 'beacon' or 'cmcd', not {source!r}")
    startup = video_startup_time_ms(timeline)
    ratio = rebuffer_ratio(timeline)
    playing = playing_time_ms(timeline)
    rebuffers = rebuffer_count(timeline)
    average = avg_bitrate_kbps(timeline)
    renditions = time_per_rendition(timeline)
    start_failed = video_start_failure(timeline)
    ebvs = exit_before_video_start(timeline)
    top = top_bitrate_kbps or timeline.top_bitrate_kbps
    if top is None and renditions:
        top = max(r["bitrate_kbps"] for r in renditions)
    closed = timeline.close_reason is not None
    dims = timeline.dimensions
    return {
        "schema_version": VIEW_SCHEMA_VERSION,
        "view_id": timeline.view_id,
        "source": source,
        "session_id": dims.get("session_id"),
        "viewer_id": dims.get("viewer_id"),
        "content_id": dims.get("content_id"),
        "content_title": dims.get("content_title"),
        "stream_type": dims.get("stream_type"),
        "started_at": rfc3339_from_epoch_ms(timeline.start_ms),
        "first_frame_at": (
            rfc3339_from_epoch_ms(timeline.first_frame_ms)
            if timeline.first_frame_ms is not None
            else None
        ),
        "ended_at": rfc3339_from_epoch_ms(timeline.end_ms) if closed else None,
        "last_event_at": rfc3339_from_epoch_ms(timeline.last_event_ms),
        "close_reason": timeline.close_reason,
        "event_count": timeline.event_count,
        "video_startup_time_ms": startup,
        "rebuffer_count": rebuffers,
        "rebuffer_duration_ms": rebuffer_duration_ms(timeline),
        "seek_count": seek_count(timeline),
        "seek_buffering_duration_ms": seek_buffering_duration_ms(timeline),
        "rebuffer_ratio": ratio,
        "playing_time_ms": playing,
        "avg_bitrate_kbps": average,
        "bitrate_switch_count": bitrate_switch_count(timeline),
        "bitrate_switch_up_count": bitrate_switch_up_count(timeline),
        "bitrate_switch_down_count": bitrate_switch_down_count(timeline),
        "time_per_rendition": renditions,
        "dropped_frame_ratio": dropped_frame_ratio(timeline),
        "exit_before_video_start": ebvs,
        "video_start_failure": start_failed,
        "video_playback_failure": video_playback_failure(timeline),
        "error_code": timeline.error_code[:ERROR_CODE_MAX_CHARS] if timeline.error_code else None,
        "startup_score": scores.startup_score(
            startup, video_start_failure=start_failed, exit_before_video_start=ebvs
        ),
        "smoothness_score": scores.smoothness_score(ratio, rebuffers),
        "quality_score": scores.quality_score(average, top),
        "cdn": dims.get("cdn"),
        "country": dims.get("country"),
        "asn": dims.get("asn"),
        "isp": dims.get("isp"),
        "device_type": dims.get("device_type"),
        "os_name": dims.get("os_name"),
        "browser_name": dims.get("browser_name"),
        "player_name": dims.get("player_name"),
        "player_version": dims.get("player_version"),
        "app_name": dims.get("app_name"),
    }


def compute_view(
    events: Iterable[Mapping[str, Any]],
    *,
    source: str = "beacon",
    closed: bool,
    close_reason: str | None = None,
    inactivity_gap_ms: int = INACTIVITY_GAP_MS,
    top_bitrate_kbps: int | None = None,
) -> dict[str, Any]:
    """Compute the view.v1 record (minus pipeline-owned fields) of one view's player events.

    Args:
        events: player_event dicts of one view, any order, duplicates allowed.
        source: "beacon" or "cmcd".
        closed: the pipeline considers the view closed (final version). An open view gets figures
            up to its last event; a closing event in the events closes it either way.
        close_reason: override of the derived reason (normally None: derived from the events).
        inactivity_gap_ms: see build_timeline.
        top_bitrate_kbps: see view_record.

    Returns:
        The record; add is_final, version, updated_at and pop to get a valid view.v1.
    """
    timeline = build_timeline(
        events, closed=closed, close_reason=close_reason, inactivity_gap_ms=inactivity_gap_ms
    )
    return view_record(timeline, source=source, top_bitrate_kbps=top_bitrate_kbps)


__all__ = [
    "ERROR_CODE_MAX_CHARS",
    "PIPELINE_OWNED_FIELDS",
    "VIEW_SCHEMA_VERSION",
    "compute_view",
    "view_record",
]
