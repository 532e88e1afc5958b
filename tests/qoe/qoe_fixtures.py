"""Shared inputs of the tests/qoe tests: hand-made views with their expected figures, and the
random views, intervals and plain reference definitions the fast-path tests compare against.

Each scenario is a list of (offset ms from T0, event_type, extra fields); `view()` turns it into
contract-valid player events numbered in list order. Expected values are worked out by hand in the
comments, so a changed definition shows up as a failing row.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st
from reference import EPOCH, YEAR_10000_MS, outcome, plain_rfc3339  # noqa: F401 (re-exported to the tests)

from streamqoe.qoe.timeline import INACTIVITY_GAP_MS, State, StateInterval
from streamqoe.times import MINUTE_MS, rfc3339_from_epoch_ms

T0 = 1_795_550_400_000  # 2026-11-24T20:00:00Z, on a minute boundary
VIEW_ID = "view-1"
BASE = {
    "schema_version": "1.0",
    "view_id": VIEW_ID,
    "viewer_id": "viewer-1",
    "session_id": "session-1",
    "content_id": "content-1",
    "stream_type": "vod",
}
R540 = {"bitrate_kbps": 1600, "rendition": {"width": 960, "height": 540}}
R720 = {"bitrate_kbps": 3200, "rendition": {"width": 1280, "height": 720}}
R360 = {"bitrate_kbps": 800, "rendition": {"width": 640, "height": 360}}
PIPELINE_FIELDS = {
    "is_final": True,
    "version": 3,
    "updated_at": "2026-11-24T21:00:00Z",
    "pop": None,
}

Step = tuple[int, str, dict[str, Any]]


def view(steps: list[Step], **base: Any) -> list[dict[str, Any]]:
    """Player events of one view: (offset ms from T0, event_type, extra fields), numbered in order."""
    return [
        {
            **BASE,
            **base,
            "event_type": kind,
            "client_ts_ms": T0 + offset,
            "sequence_number": i,
            **extra,
        }
        for i, (offset, kind, extra) in enumerate(steps)
    ]


def at(offset_ms: int) -> str:
    return rfc3339_from_epoch_ms(T0 + offset_ms)


def full_record(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, **PIPELINE_FIELDS}


# --------------------------------------------------------------------------------------------------
# Scenarios: (name, steps, closed, expected subset of the record)

SCENARIOS: list[tuple[str, list[Step], bool, dict[str, Any]]] = [
    (
        "clean vod to the end",
        [
            (0, "play_request", {}),
            (1000, "playing", {**R540, "startup_ms": 950}),
            (11000, "heartbeat", R540),
            (31000, "ended", {}),
        ],
        True,
        # startup 1000 (timestamps win over the player's 950); playing 1000 -> 31000.
        {
            "video_startup_time_ms": 1000,
            "first_frame_at": at(1000),
            "playing_time_ms": 30000,
            "rebuffer_count": 0,
            "rebuffer_duration_ms": 0,
            "rebuffer_ratio": 0.0,
            "avg_bitrate_kbps": 1600.0,
            "bitrate_switch_count": 0,
            "time_per_rendition": [{"bitrate_kbps": 1600, "height": 540, "playing_time_ms": 30000}],
            "close_reason": "ended",
            "ended_at": at(31000),
            "exit_before_video_start": False,
            "video_start_failure": False,
            "video_playback_failure": False,
            "startup_score": pytest.approx(100 * 8 / 9),
            "smoothness_score": 100.0,
            "quality_score": 100.0,
        },
    ),
    (
        "one rebuffer",
        [
            (0, "play_request", {}),
            (2000, "playing", R720),
            (12000, "rebuffer_start", {}),
            (15000, "rebuffer_end", {}),
            (15000, "playing", R720),
            (25000, "exit", {}),
        ],
        True,
        # playing 2000-12000 and 15000-25000 = 20000; rebuffering 12000-15000 = 3000.
        {
            "video_startup_time_ms": 2000,
            "playing_time_ms": 20000,
            "rebuffer_count": 1,
            "rebuffer_duration_ms": 3000,
            "rebuffer_ratio": pytest.approx(3000 / 23000),
            "seek_count": 0,
            "seek_buffering_duration_ms": 0,
            "close_reason": "exit",
        },
    ),
    (
        "buffering after a seek is seek buffering",
        [
            (0, "play_request", {}),
            (1000, "playing", R540),
            (11000, "seek_start", {"playhead_ms": 10000}),
            (11000, "seek_end", {"playhead_ms": 600000}),
            (11200, "rebuffer_start", {}),
            (13000, "rebuffer_end", {}),
            (13000, "playing", R540),
            (21000, "exit", {}),
        ],
        True,
        # seek 11000 -> recovery 13000 = 2000 (the stall after seek_end is the seek's);
        # playing 1000-11000 and 13000-21000 = 18000.
        {
            "seek_count": 1,
            "seek_buffering_duration_ms": 2000,
            "rebuffer_count": 0,
            "rebuffer_duration_ms": 0,
            "rebuffer_ratio": 0.0,
            "playing_time_ms": 18000,
        },
    ),
    (
        "a real rebuffer after the seek recovered",
        [
            (0, "play_request", {}),
            (1000, "playing", R540),
            (11000, "seek_start", {}),
            (13000, "seek_end", {}),
            (13000, "playing", R540),
            (18000, "rebuffer_start", {}),
            (19000, "rebuffer_end", {}),
            (19000, "playing", R540),
            (21000, "exit", {}),
        ],
        True,
        # playing 10000 + 5000 + 2000 = 17000; seek 2000; rebuffer 18000-19000 = 1000.
        {
            "seek_count": 1,
            "seek_buffering_duration_ms": 2000,
            "rebuffer_count": 1,
            "rebuffer_duration_ms": 1000,
            "playing_time_ms": 17000,
            "rebuffer_ratio": pytest.approx(1000 / 18000),
        },
    ),
    (
        "seek_end without further buffering ends the seek at seek_end",
        [
            (0, "play_request", {}),
            (1000, "playing", R540),
            (11000, "seek_start", {}),
            (11500, "seek_end", {}),
            (16000, "heartbeat", R540),
            (21000, "exit", {}),
        ],
        True,
        {"seek_buffering_duration_ms": 500, "playing_time_ms": 19500, "rebuffer_count": 0},
    ),
    (
        "seek_end then playing later: the seek lasts until playing",
        [
            (0, "play_request", {}),
            (1000, "playing", R540),
            (11000, "seek_start", {}),
            (11500, "seek_end", {}),
            (12500, "playing", R540),
            (21000, "exit", {}),
        ],
        True,
        {"seek_buffering_duration_ms": 1500, "playing_time_ms": 18500},
    ),
    (
        "seek while paused stays paused after seek_end",
        [
            (0, "play_request", {}),
            (1000, "playing", R540),
            (5000, "pause", {}),
            (7000, "seek_start", {}),
            (7400, "seek_end", {}),
            (9000, "heartbeat", {}),
            (12000, "resume", {}),
            (15000, "exit", {}),
        ],
        True,
        # playing 1000-5000 and 12000-15000; seek 7000-7400; paused the rest.
        {"seek_count": 1, "seek_buffering_duration_ms": 400, "playing_time_ms": 7000},
    ),
    (
        "pause is not playing time",
        [
            (0, "play_request", {}),
            (1000, "playing", R540),
            (5000, "pause", {}),
            (15000, "heartbeat", R540),
            (65000, "heartbeat", R540),
            (65000, "resume", {}),
            (70000, "exit", {}),
        ],
        True,
        # playing 1000-5000 and 65000-70000 = 9000; paused 60000 counts nowhere.
        {"playing_time_ms": 9000, "rebuffer_duration_ms": 0, "rebuffer_ratio": 0.0},
    ),
    (
        "pause during a rebuffer stops the rebuffer clock, resume restarts it",
        [
            (0, "play_request", {}),
            (1000, "playing", R540),
            (5000, "rebuffer_start", {}),
            (6000, "pause", {}),
            (9000, "resume", {}),
            (10000, "rebuffer_end", {}),
            (10000, "playing", R540),
            (12000, "exit", {}),
        ],
        True,
        # one stall: 5000-6000 + 9000-10000 = 2000; playing 4000 + 2000 = 6000.
        {
            "rebuffer_count": 1,
            "rebuffer_duration_ms": 2000,
            "playing_time_ms": 6000,
            "rebuffer_ratio": 0.25,
        },
    ),
    (
        "seek during a rebuffer ends the rebuffer",
        [
            (0, "play_request", {}),
            (1000, "playing", R540),
            (5000, "rebuffer_start", {}),
            (7000, "seek_start", {}),
            (9000, "playing", R540),
            (10000, "exit", {}),
        ],
        True,
        # rebuffer 5000-7000; seek buffering 7000-9000; playing 4000 + 1000.
        {
            "rebuffer_count": 1,
            "rebuffer_duration_ms": 2000,
            "seek_count": 1,
            "seek_buffering_duration_ms": 2000,
            "playing_time_ms": 5000,
        },
    ),
    (
        "switches up and down, time per rendition",
        [
            (0, "play_request", {}),
            (1000, "playing", R540),
            (11000, "bitrate_change", R720),
            (21000, "bitrate_change", R360),
            (26000, "heartbeat", R360),
            (31000, "bitrate_change", R720),
            (41000, "exit", {}),
        ],
        True,
        # 540p 10 s, 720p 10 + 10 s, 360p 10 s; avg (1600 + 3200 * 2 + 800) / 4 = 2200.
        {
            "bitrate_switch_count": 3,
            "bitrate_switch_up_count": 2,
            "bitrate_switch_down_count": 1,
            "time_per_rendition": [
                {"bitrate_kbps": 800, "height": 360, "playing_time_ms": 10000},
                {"bitrate_kbps": 1600, "height": 540, "playing_time_ms": 10000},
                {"bitrate_kbps": 3200, "height": 720, "playing_time_ms": 20000},
            ],
            "avg_bitrate_kbps": 2200.0,
            "playing_time_ms": 40000,
            "quality_score": pytest.approx(100 * 2200 / 3200),
        },
    ),
    (
        "exit before video start",
        [(0, "play_request", {}), (10000, "heartbeat", {}), (12000, "exit", {})],
        True,
        {
            "exit_before_video_start": True,
            "video_start_failure": False,
            "video_playback_failure": False,
            "video_startup_time_ms": None,
            "first_frame_at": None,
            "playing_time_ms": 0,
            "rebuffer_ratio": None,
            "avg_bitrate_kbps": None,
            "startup_score": None,
            "smoothness_score": None,
            "quality_score": None,
            "close_reason": "exit",
            "ended_at": at(12000),
        },
    ),
    (
        "video start failure",
        [
            (0, "play_request", {}),
            (4000, "error", {"error_fatal": True, "error_code": "E_MANIFEST"}),
            (4500, "exit", {}),
        ],
        True,
        {
            "exit_before_video_start": False,
            "video_start_failure": True,
            "video_playback_failure": False,
            "error_code": "E_MANIFEST",
            "close_reason": "fatal_error",
            "ended_at": at(4000),
            "startup_score": 0.0,
            "event_count": 3,
            "last_event_at": at(4500),
        },
    ),
    (
        "video playback failure",
        [
            (0, "play_request", {}),
            (1000, "playing", R540),
            (9000, "error", {"error_fatal": True, "error_code": "E_SEGMENT_504"}),
        ],
        True,
        {
            "exit_before_video_start": False,
            "video_start_failure": False,
            "video_playback_failure": True,
            "error_code": "E_SEGMENT_504",
            "playing_time_ms": 8000,
            "close_reason": "fatal_error",
        },
    ),
    (
        "a non-fatal error changes nothing",
        [
            (0, "play_request", {}),
            (1000, "playing", R540),
            (5000, "error", {"error_fatal": False, "error_code": "W_DRM_RETRY"}),
            (9000, "exit", {}),
        ],
        True,
        {
            "video_playback_failure": False,
            "error_code": None,
            "playing_time_ms": 8000,
            "close_reason": "exit",
        },
    ),
    (
        "open view: figures up to the last event, no close",
        [(0, "play_request", {}), (1000, "playing", R540), (11000, "heartbeat", R540)],
        False,
        {
            "playing_time_ms": 10000,
            "ended_at": None,
            "close_reason": None,
            "exit_before_video_start": False,
            "last_event_at": at(11000),
        },
    ),
    (
        "open view without first frame is not yet an EBVS",
        [(0, "play_request", {}), (10000, "heartbeat", {})],
        False,
        {"exit_before_video_start": False, "close_reason": None, "video_startup_time_ms": None},
    ),
    (
        "closed by the pipeline without a closing event: inactivity at the last event",
        [(0, "play_request", {}), (10000, "heartbeat", {})],
        True,
        {"exit_before_video_start": True, "close_reason": "inactivity", "ended_at": at(10000)},
    ),
    (
        "an inactivity gap closes the view at the event before it",
        [
            (0, "play_request", {}),
            (1000, "playing", R540),
            (11000, "heartbeat", R540),
            (11000 + INACTIVITY_GAP_MS + 1, "heartbeat", R540),
        ],
        False,
        # the gap closes the view even while the pipeline still has it open
        {
            "playing_time_ms": 10000,
            "close_reason": "inactivity",
            "ended_at": at(11000),
            "event_count": 4,
            "last_event_at": at(11000 + INACTIVITY_GAP_MS + 1),
        },
    ),
    (
        "a gap of exactly the limit keeps the view open",
        [
            (0, "play_request", {}),
            (1000, "playing", R540),
            (1000 + INACTIVITY_GAP_MS, "heartbeat", R540),
        ],
        False,
        {"playing_time_ms": INACTIVITY_GAP_MS, "close_reason": None},
    ),
    (
        "events after the exit count as events, not as figures",
        [
            (0, "play_request", {}),
            (1000, "playing", R540),
            (5000, "exit", {}),
            (6000, "heartbeat", R720),
        ],
        True,
        {
            "playing_time_ms": 4000,
            "bitrate_switch_count": 0,
            "event_count": 4,
            "ended_at": at(5000),
            "last_event_at": at(6000),
        },
    ),
    (
        "dropped frame ratio from the highest cumulative counters",
        [
            (0, "play_request", {}),
            (1000, "playing", R540),
            (11000, "heartbeat", {**R540, "dropped_frames": 3, "decoded_frames": 300}),
            (21000, "heartbeat", {**R540, "dropped_frames": 5, "decoded_frames": 1000}),
            (22000, "exit", {}),
        ],
        True,
        {"dropped_frame_ratio": 0.005},
    ),
    (
        "no play_request: startup falls back to the player's startup_ms",
        [(0, "playing", {**R540, "startup_ms": 900}), (10000, "exit", {})],
        True,
        {"video_startup_time_ms": 900, "first_frame_at": at(0), "playing_time_ms": 10000},
    ),
    (
        "buffering before the first frame is startup, not rebuffering",
        [
            (0, "play_request", {}),
            (500, "rebuffer_start", {}),
            (3000, "rebuffer_end", {}),
            (3000, "playing", R540),
            (8000, "exit", {}),
        ],
        True,
        {"video_startup_time_ms": 3000, "rebuffer_count": 0, "rebuffer_duration_ms": 0},
    ),
]


# --------------------------------------------------------------------------------------------------
# Plain reference definitions and random inputs for the fast-path tests


@st.composite
def intervals(draw: st.DrawFn) -> list[StateInterval]:
    """Tiling intervals as the builder makes them, from a random start, some empty-length."""
    at = draw(st.integers(min_value=T0 - 5 * MINUTE_MS, max_value=T0 + 5 * MINUTE_MS))
    out = []
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        length = draw(
            st.one_of(
                st.integers(min_value=0, max_value=2 * MINUTE_MS),
                st.sampled_from([MINUTE_MS, 1, 10 * MINUTE_MS]),
            )
        )
        state = draw(st.sampled_from(list(State)))
        bitrate = draw(st.sampled_from([None, 800, 1600]))
        out.append(StateInterval(state, at, at + length, bitrate, None))
        at += length
    return out


KINDS = [
    "play_request",
    "playing",
    "pause",
    "resume",
    "seek_start",
    "seek_end",
    "rebuffer_start",
    "rebuffer_end",
    "bitrate_change",
    "heartbeat",
    "heartbeat",
    "heartbeat",
    "error",
    "ended",
    "exit",
]


@st.composite
def views(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A random view: long heartbeat runs at one rendition, stalls and seeks, gaps, frames."""
    at = draw(st.integers(min_value=T0 - MINUTE_MS, max_value=T0 + MINUTE_MS))
    bitrate, height = draw(st.sampled_from([(None, None), (800, 360), (1600, 540)]))
    events = []
    for number in range(draw(st.integers(min_value=1, max_value=60))):
        at += draw(st.sampled_from([0, 1, 10_000, 10_000, 10_000, 45_000, 130_000]))
        kind = draw(st.sampled_from(KINDS))
        if draw(st.integers(0, 9)) == 0:
            bitrate, height = draw(
                st.sampled_from([(None, None), (800, 360), (1600, 540), (1600, 720), (3200, None)])
            )
        event: dict[str, Any] = {
            "view_id": "v",
            "event_type": kind,
            "client_ts_ms": at,
            "sequence_number": number,
            "bitrate_kbps": bitrate,
        }
        if height is not None or draw(st.booleans()):
            event["rendition"] = {"height": height} if height is not None else None
        if kind == "error":
            event["error_fatal"] = draw(st.booleans())
        if draw(st.integers(0, 3)) == 0:
            event["dropped_frames"] = draw(st.integers(0, 50))
            event["decoded_frames"] = draw(st.integers(0, 5000))
        events.append(event)
    return events
