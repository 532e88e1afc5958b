"""QoE figures of hand-made views: every metric with its exact expected value.

Each scenario is a list of (offset ms, event_type, extra fields) from T0; `view()` turns it into
contract-valid player events numbered in list order. Expected values are worked out by hand in the
comments, so a changed definition shows up as a failing row.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamqoe.contracts.registry import contract, violations
from streamqoe.qoe import view as qoe
from streamqoe.qoe.view import (
    INACTIVITY_GAP_MS,
    PIPELINE_OWNED_FIELDS,
    State,
    aggregate_minute_contributions,
    build_timeline,
    compute_view,
    minute_contributions,
    order_events,
    percentile,
    view_close,
)

ROOT = Path(__file__).resolve().parents[2]
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
    return qoe.rfc3339_from_epoch_ms(T0 + offset_ms)


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


@pytest.mark.parametrize(
    ("steps", "closed", "expected"),
    [pytest.param(s, c, e, id=name) for name, s, c, e in SCENARIOS],
)
def test_scenario_figures(steps: list[Step], closed: bool, expected: dict[str, Any]) -> None:
    record = compute_view(view(steps), closed=closed)
    assert {name: record[name] for name in expected} == expected


@pytest.mark.parametrize(
    ("steps", "closed"), [pytest.param(s, c, id=name) for name, s, c, _ in SCENARIOS]
)
def test_duplicates_and_shuffled_input_give_the_same_record(steps, closed) -> None:
    events = view(steps)
    noisy = events + [dict(e) for e in events[::2]]
    random.Random(7).shuffle(noisy)
    assert compute_view(noisy, closed=closed) == compute_view(events, closed=closed)


@pytest.mark.parametrize(
    ("steps", "closed"), [pytest.param(s, c, id=name) for name, s, c, _ in SCENARIOS]
)
def test_scenario_records_satisfy_the_view_contract(steps, closed) -> None:
    record = compute_view(view(steps), closed=closed)
    assert violations("view", full_record(record)) == []


def test_record_has_every_view_field_but_the_pipeline_owned_ones() -> None:
    record = compute_view(view(SCENARIOS[0][1]), closed=True)
    expected = set(contract("view").schema["properties"]) - set(PIPELINE_OWNED_FIELDS)
    assert set(record) == expected


def test_dimensions_are_the_first_non_null_values() -> None:
    steps: list[Step] = [
        (0, "play_request", {"cdn": None, "player_name": "hls.js"}),
        (1000, "playing", {**R540, "cdn": "cloudfront", "country": "DE"}),
        (2000, "exit", {"cdn": "akamai", "country": "FR", "asn": 3320, "isp": "DTAG"}),
    ]
    record = compute_view(view(steps, content_title="Northern Lights"), closed=True)
    assert {k: record[k] for k in ("cdn", "country", "asn", "isp", "player_name")} == {
        "cdn": "cloudfront",
        "country": "DE",
        "asn": 3320,
        "isp": "DTAG",
        "player_name": "hls.js",
    }
    assert (record["viewer_id"], record["session_id"], record["content_title"]) == (
        "viewer-1",
        "session-1",
        "Northern Lights",
    )
    assert record["started_at"] == "2026-11-24T20:00:00.000Z"


def test_order_events_keeps_the_first_duplicate_and_sorts_by_time_then_number() -> None:
    a = {"sequence_number": 2, "client_ts_ms": 10, "tag": "first"}
    b = {"sequence_number": 1, "client_ts_ms": 10}
    c = {"sequence_number": 0, "client_ts_ms": 20}
    dup = {"sequence_number": 2, "client_ts_ms": 5, "tag": "second"}
    assert order_events([a, c, dup, b]) == [b, a, c]


def test_timeline_intervals_tile_the_view() -> None:
    steps = next(s for name, s, _, _ in SCENARIOS if name.startswith("pause during a rebuffer"))
    timeline = build_timeline(view(steps), closed=True)
    assert [(i.state, i.start_ms - T0, i.end_ms - T0) for i in timeline.intervals] == [
        (State.STARTING, 0, 1000),
        (State.PLAYING, 1000, 5000),
        (State.REBUFFERING, 5000, 6000),
        (State.PAUSED, 6000, 9000),
        (State.REBUFFERING, 9000, 10000),
        (State.PLAYING, 10000, 12000),
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"closed": False, "close_reason": "exit"}, "needs closed=True"),
        ({"closed": True, "close_reason": "bored"}, "needs closed=True and one of"),
    ],
)
def test_bad_close_reason_is_refused(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        compute_view(view(SCENARIOS[0][1]), **kwargs)


def test_close_reason_override_is_used() -> None:
    steps: list[Step] = [(0, "play_request", {}), (3000, "heartbeat", {})]
    record = compute_view(view(steps), closed=True, close_reason="exit")
    assert (record["close_reason"], record["exit_before_video_start"]) == ("exit", True)


def test_no_events_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one event"):
        compute_view([], closed=False)


def test_unknown_source_is_an_error() -> None:
    with pytest.raises(ValueError, match="source must be"):
        compute_view(view(SCENARIOS[0][1]), closed=True, source="carrier pigeon")


def test_top_bitrate_sets_the_quality_scale() -> None:
    steps = SCENARIOS[0][1]  # 1600 kbps throughout
    assert compute_view(view(steps), closed=True, top_bitrate_kbps=6400)["quality_score"] == 25.0


@pytest.mark.parametrize(
    ("steps", "watermark_offset", "expected"),
    [
        # a closing event closes the view whatever the watermark
        ([(0, "play_request", {}), (5000, "exit", {})], None, ("exit", 5000)),
        # no closing event: open until the watermark is more than the gap past the last event
        ([(0, "play_request", {}), (5000, "heartbeat", {})], 5000 + INACTIVITY_GAP_MS, None),
        (
            [(0, "play_request", {}), (5000, "heartbeat", {})],
            5001 + INACTIVITY_GAP_MS,
            ("inactivity", 5000),
        ),
        ([(0, "play_request", {}), (5000, "heartbeat", {})], None, None),
    ],
)
def test_view_close(steps, watermark_offset, expected) -> None:
    timeline = build_timeline(view(steps))
    watermark = None if watermark_offset is None else T0 + watermark_offset
    found = view_close(timeline, watermark_ms=watermark)
    assert found == (None if expected is None else (expected[0], T0 + expected[1]))


# --------------------------------------------------------------------------------------------------
# Minute contributions and percentiles


def test_minute_contributions_split_a_view_across_minutes() -> None:
    steps: list[Step] = [
        (50_000, "play_request", {}),
        (55_000, "playing", R540),
        (100_000, "rebuffer_start", {}),
        (110_000, "rebuffer_end", {}),
        (110_000, "playing", R540),
        (130_000, "exit", {}),
    ]
    rows = minute_contributions(build_timeline(view(steps), closed=True))
    shape = [
        {k: v for k, v in row.items() if k not in ("view_id", "window_start", "window_end")}
        for row in rows
    ]
    zero = {"video_start_failures": 0, "video_playback_failures": 0, "exits_before_video_start": 0}
    assert shape == [
        {
            "window_start_ms": T0,
            "concurrent_plays": 1,
            "play_attempts": 1,
            "video_starts": 1,
            "video_startup_time_ms": 5000,
            "playing_time_ms": 5000,
            "rebuffer_duration_ms": 0,
            "rebuffer_count": 0,
            **zero,
            "is_settled": True,
        },
        {
            "window_start_ms": T0 + 60_000,
            "concurrent_plays": 1,
            "play_attempts": 0,
            "video_starts": 0,
            "video_startup_time_ms": None,
            "playing_time_ms": 40_000 + 10_000,
            "rebuffer_duration_ms": 10_000,
            "rebuffer_count": 1,
            **zero,
            "is_settled": True,
        },
        {
            "window_start_ms": T0 + 120_000,
            "concurrent_plays": 1,
            "play_attempts": 0,
            "video_starts": 0,
            "video_startup_time_ms": None,
            "playing_time_ms": 10_000,
            "rebuffer_duration_ms": 0,
            "rebuffer_count": 0,
            **zero,
            "is_settled": True,
        },
    ]
    assert rows[1]["window_start"] == "2026-11-24T20:01:00.000Z"
    assert rows[1]["window_end"] == "2026-11-24T20:02:00.000Z"


@pytest.mark.parametrize(
    ("steps", "closed", "field", "minute"),
    [
        ([(10_000, "play_request", {}), (70_000, "exit", {})], True, "exits_before_video_start", 1),
        (
            [(10_000, "play_request", {}), (61_000, "error", {"error_fatal": True})],
            True,
            "video_start_failures",
            1,
        ),
        (
            [
                (0, "play_request", {}),
                (1_000, "playing", R540),
                (130_000, "error", {"error_fatal": True}),
            ],
            True,
            "video_playback_failures",
            2,
        ),
    ],
)
def test_outcomes_count_in_the_minute_of_the_close(steps, closed, field, minute) -> None:
    rows = minute_contributions(build_timeline(view(steps), closed=closed))
    assert [row[field] for row in rows] == [int(i == minute) for i in range(len(rows))]


def test_open_view_minutes_are_settled_only_once_passed_and_paused_views_are_concurrent() -> None:
    steps: list[Step] = [
        (0, "play_request", {}),
        (1_000, "playing", R540),
        (30_000, "pause", {}),
        (70_000, "heartbeat", {}),
    ]
    rows = minute_contributions(build_timeline(view(steps)))
    assert [(r["concurrent_plays"], r["playing_time_ms"], r["is_settled"]) for r in rows] == [
        (1, 29_000, True),
        (1, 0, False),
    ]


def test_a_view_closing_on_a_minute_boundary_is_not_concurrent_in_the_next_minute() -> None:
    steps: list[Step] = [(0, "play_request", {}), (1_000, "playing", R540), (60_000, "exit", {})]
    rows = minute_contributions(build_timeline(view(steps), closed=True))
    assert [r["concurrent_plays"] for r in rows] == [1, 0]


def test_aggregate_minute_contributions() -> None:
    fast = [(0, "play_request", {}), (1_000, "playing", R540), (20_000, "exit", {})]
    slow = [(0, "play_request", {}), (3_000, "playing", R540), (20_000, "exit", {})]
    failed = [(0, "play_request", {}), (5_000, "error", {"error_fatal": True})]
    stalled = [
        (0, "play_request", {}),
        (2_000, "playing", R540),
        (10_000, "rebuffer_start", {}),
        (14_000, "rebuffer_end", {}),
        (14_000, "playing", R540),
        (20_000, "exit", {}),
    ]
    rows = [
        minute_contributions(build_timeline(view(s, view_id=f"v{i}"), closed=True))[0]
        for i, s in enumerate((fast, slow, failed, stalled))
    ]
    figures = aggregate_minute_contributions(rows)
    assert figures == {
        "concurrent_plays": 3,
        "play_attempts": 4,
        "video_starts": 3,
        "playing_time_ms": 19_000 + 17_000 + 14_000,
        "rebuffer_duration_ms": 4_000,
        "rebuffer_count": 1,
        "video_start_failures": 1,
        "video_playback_failures": 0,
        "exits_before_video_start": 0,
        # startups 1000, 2000, 3000: median 2000, p95 at rank 1.9 -> 2000 + 0.9 * 1000
        "startup_time_p50_ms": 2000.0,
        "startup_time_p95_ms": 2900.0,
        "rebuffer_ratio": 4_000 / 54_000,
        "video_start_failure_rate": 0.25,
    }


def test_aggregate_of_nothing_has_null_ratios() -> None:
    figures = aggregate_minute_contributions([])
    assert (figures["rebuffer_ratio"], figures["startup_time_p50_ms"]) == (None, None)
    assert figures["video_start_failure_rate"] is None


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4], 50, 2.5),
        ([4, 1, 3, 2], 95, 3.85),
        ([1, 2, 3, 4], 0, 1.0),
        ([1, 2, 3, 4], 100, 4.0),
        ([7], 95, 7.0),
        ([], 50, None),
        ([10, 20], 25, 12.5),
    ],
)
def test_percentile_interpolates_linearly(values, q, expected) -> None:
    result = percentile(values, q)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


@pytest.mark.parametrize("q", [-1, 100.5])
def test_percentile_refuses_q_outside_0_100(q) -> None:
    with pytest.raises(ValueError, match="within"):
        percentile([1, 2], q)


# --------------------------------------------------------------------------------------------------
# Properties over random event sequences

EVENT_TYPES = contract("player_event").schema["properties"]["event_type"]["enum"]
BITRATES = [None, 400, 800, 1600, 3200, 6000]


@st.composite
def random_views(draw: st.DrawFn) -> tuple[list[dict[str, Any]], bool]:
    """A random but contract-valid event sequence of one view, with duplicates and any order."""
    count = draw(st.integers(min_value=1, max_value=25))
    offset = 0
    events = []
    for number in range(count):
        offset += draw(st.integers(min_value=0, max_value=150_000))
        kind = draw(st.sampled_from(EVENT_TYPES))
        bitrate = draw(st.sampled_from(BITRATES))
        event = {
            **BASE,
            "event_type": kind,
            "client_ts_ms": T0 + offset,
            "sequence_number": number,
            "bitrate_kbps": bitrate,
        }
        if bitrate is not None and draw(st.booleans()):
            event["rendition"] = {"height": bitrate // 5}
        if kind == "error":
            event["error_fatal"] = draw(st.sampled_from([True, False, None]))
            event["error_code"] = "E1"
        if draw(st.booleans()):
            decoded = draw(st.integers(min_value=0, max_value=10_000))
            event["decoded_frames"] = decoded
            event["dropped_frames"] = draw(st.integers(min_value=0, max_value=decoded + 5))
        events.append(event)
    noisy = events + draw(st.lists(st.sampled_from(events), max_size=5))
    noisy = draw(st.permutations(noisy))
    return noisy, draw(st.booleans())


@settings(max_examples=300, deadline=None)
@given(random_views())
def test_random_views_keep_the_invariants(drawn: tuple[list[dict[str, Any]], bool]) -> None:
    events, closed = drawn
    for event in events:
        assert violations("player_event", event) == []
    timeline = build_timeline(events, closed=closed)
    record = qoe.view_record(timeline)
    assert violations("view", full_record(record)) == []
    wall_ms = timeline.end_ms - timeline.start_ms
    assert sum(i.duration_ms for i in timeline.intervals) == wall_ms
    assert 0 <= record["playing_time_ms"] <= wall_ms
    ratio = record["rebuffer_ratio"]
    assert ratio is None or 0 <= ratio <= 1
    outcomes = [
        record["exit_before_video_start"],
        record["video_start_failure"],
        record["video_playback_failure"],
    ]
    assert sum(outcomes) <= 1
    assert (
        sum(r["playing_time_ms"] for r in record["time_per_rendition"]) <= record["playing_time_ms"]
    )
    rows = minute_contributions(timeline)
    assert sum(r["playing_time_ms"] for r in rows) == record["playing_time_ms"]
    assert sum(r["rebuffer_duration_ms"] for r in rows) == record["rebuffer_duration_ms"]
    assert sum(r["rebuffer_count"] for r in rows) == record["rebuffer_count"]
    assert sum(r["play_attempts"] for r in rows) == 1
    assert sum(r["video_starts"] for r in rows) == int(record["first_frame_at"] is not None)
    # input order and duplicates never matter
    reordered = sorted(events, key=lambda e: json.dumps(e, sort_keys=True))
    assert qoe.view_record(build_timeline(reordered, closed=closed)) == record


# --------------------------------------------------------------------------------------------------
# Documentation: one heading per metric, and every anchor the contracts link to exists

METRIC_FUNCTIONS = [
    "video_startup_time_ms",
    "playing_time_ms",
    "rebuffer_count",
    "rebuffer_duration_ms",
    "rebuffer_ratio",
    "seek_count",
    "seek_buffering_duration_ms",
    "avg_bitrate_kbps",
    "bitrate_switch_count",
    "bitrate_switch_up_count",
    "bitrate_switch_down_count",
    "time_per_rendition",
    "dropped_frame_ratio",
    "exit_before_video_start",
    "video_start_failure",
    "video_playback_failure",
]


def _github_anchor(heading: str) -> str:
    return re.sub(r"[^a-z0-9_ -]", "", heading.strip().lower()).replace(" ", "-")


def test_metrics_doc_has_every_metric_and_every_linked_anchor() -> None:
    text = (ROOT / "docs" / "metrics.md").read_text()
    anchors = {_github_anchor(h) for h in re.findall(r"^## (.+)$", text, flags=re.M)}
    linked = {
        anchor
        for path in (ROOT / "schemas").glob("*.json")
        for anchor in re.findall(r"metrics\.md#([a-z0-9_-]+)", path.read_text())
    }
    assert linked, "the contracts link to docs/metrics.md"
    assert linked - anchors == set()
    metrics = {*METRIC_FUNCTIONS, "startup_score", "smoothness_score", "quality_score"}
    assert metrics - anchors == set()
    assert all(callable(getattr(qoe, name)) for name in METRIC_FUNCTIONS)
    view_fields = set(contract("view").schema["properties"])
    assert metrics <= view_fields
