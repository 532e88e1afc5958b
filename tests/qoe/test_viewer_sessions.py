"""Tests of the viewer session record of streamqoe.qoe.viewer_sessions (no Beam)."""

from __future__ import annotations

from streamqoe.qoe.viewer_sessions import viewer_session_record
from streamqoe.times import epoch_ms_from_rfc3339, rfc3339_from_float_epoch_ms


def test_viewer_session_counts_each_view_once_at_its_latest_version():
    base = {
        "viewer_id": "v",
        "content_id": "c",
        "started_at": "2025-01-15T10:00:00Z",
        "ended_at": "2025-01-15T10:10:00Z",
        "last_event_at": "2025-01-15T10:10:00Z",
        "first_frame_at": "2025-01-15T10:00:01Z",
        "playing_time_ms": 100,
        "rebuffer_duration_ms": 0,
        "rebuffer_count": 0,
        "video_start_failure": False,
        "video_playback_failure": False,
        "exit_before_video_start": False,
        "updated_at": "2025-01-15T12:00:00Z",
    }
    views = [
        {**base, "view_id": "a", "version": 3},
        {**base, "view_id": "a", "version": 9, "playing_time_ms": 500},
        {**base, "view_id": "b", "version": 5, "video_playback_failure": True},
    ]
    record = viewer_session_record(views, is_final=True, version=7, updated_at="x")
    assert (record["view_count"], record["playing_time_ms"], record["failure_count"]) == (2, 600, 1)
    assert record["viewer_session_id"] == f"v:{epoch_ms_from_rfc3339('2025-01-15T10:00:00Z')}"
    assert (
        rfc3339_from_float_epoch_ms(epoch_ms_from_rfc3339(record["ended_at"]))
        == "2025-01-15T10:10:00.000Z"
    )
