"""viewer_session: one viewer's run of views, from the latest version of each view row.

    latest_versions(views)              the highest version of each view_id, ordered by start
    viewer_session_record(views, ...)   one viewer_session.v1 record: counts and sums over its views

Left out: which views form a session (session windows over view intervals, in
pipelines/transforms/viewers.py and bulk_viewers.py), the per-view figures (streamqoe.qoe.views)
and any I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from streamqoe.times import epoch_ms_from_rfc3339, rfc3339_from_float_epoch_ms

VIEWER_SESSION_SCHEMA_VERSION = "1.0"
"""schema_version written on viewer_session records (schemas/viewer_session.v1.json)."""


def latest_versions(views: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Keep the highest version of each view_id (ties: the later updated_at), ordered by start."""
    best: dict[str, Mapping[str, Any]] = {}
    for view in views:
        held = best.get(view["view_id"])
        if held is None or (view["version"], view["updated_at"]) > (
            held["version"],
            held["updated_at"],
        ):
            best[view["view_id"]] = view
    return sorted(
        best.values(), key=lambda v: (epoch_ms_from_rfc3339(v["started_at"]), v["view_id"])
    )


def viewer_session_record(
    views: Iterable[Mapping[str, Any]], *, is_final: bool, version: int, updated_at: str
) -> dict[str, Any]:
    """Build the viewer_session.v1 record of one viewer's session from its views' rows.

    Several versions of a view may be given; the latest of each counts once.

    Raises:
        ValueError: no views, or views of different viewers.
    """
    rows = latest_versions(views)
    if not rows:
        raise ValueError("a viewer session needs at least one view")
    viewers = {r["viewer_id"] for r in rows}
    if len(viewers) != 1:
        raise ValueError(f"views of several viewers: {sorted(map(str, viewers))}")
    start_ms = epoch_ms_from_rfc3339(rows[0]["started_at"])
    end_ms = max(epoch_ms_from_rfc3339(r.get("ended_at") or r["last_event_at"]) for r in rows)
    viewer_id = rows[0]["viewer_id"]
    return {
        "schema_version": VIEWER_SESSION_SCHEMA_VERSION,
        "viewer_session_id": f"{viewer_id}:{start_ms}",
        "viewer_id": viewer_id,
        "started_at": rfc3339_from_float_epoch_ms(start_ms),
        "ended_at": rfc3339_from_float_epoch_ms(end_ms),
        "view_count": len(rows),
        "video_start_count": sum(r.get("first_frame_at") is not None for r in rows),
        "playing_time_ms": sum(r["playing_time_ms"] for r in rows),
        "rebuffer_duration_ms": sum(r["rebuffer_duration_ms"] for r in rows),
        "rebuffer_count": sum(r["rebuffer_count"] for r in rows),
        "failure_count": sum(
            bool(r["video_start_failure"] or r["video_playback_failure"]) for r in rows
        ),
        "exit_before_video_start_count": sum(bool(r["exit_before_video_start"]) for r in rows),
        "content_count": len({r.get("content_id") for r in rows if r.get("content_id")}),
        "is_final": is_final,
        "version": version,
        "updated_at": updated_at,
    }


__all__ = ["VIEWER_SESSION_SCHEMA_VERSION", "latest_versions", "viewer_session_record"]
