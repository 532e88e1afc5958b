"""Tests of streamqoe.qoe.minute_contributions: hand-made views split over their minutes, the
sums of one minute, and the fast split against the plain per-window definition it equals."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qoe_fixtures import R540, T0, Step, intervals, plain_rfc3339, view, views

from streamqoe.qoe import minute_contributions as contributions_module
from streamqoe.qoe import view_metrics
from streamqoe.qoe.minute_contributions import minute_contributions
from streamqoe.qoe.minutes import (
    MINUTE_SUMS,
    add_minute_delta,
    new_minute_accumulator,
    qoe_minute_record,
)
from streamqoe.qoe.state_machine import build_timeline
from streamqoe.qoe.timeline import INACTIVITY_GAP_MS, State, StateInterval, Timeline
from streamqoe.times import MINUTE_MS

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


def minute_figures(contributions: list[dict[str, Any]]) -> dict[str, Any]:
    """The qoe_minute figures of one minute's contributions, through the pipelines' accumulator
    (a view's startup time counts in the minute where it started, as the pipelines key it)."""
    acc = new_minute_accumulator()
    for row in contributions:
        started = row["video_starts"] and row["video_startup_time_ms"] is not None
        startups = {row["video_startup_time_ms"]: 1} if started else {}
        add_minute_delta(acc, {**row, "startup_times_ms": startups})
    record = qoe_minute_record(
        window_start_ms=T0,
        dimension="all",
        dimension_value="all",
        acc=acc,
        is_final=True,
        version=1,
        updated_at="2026-01-01T00:00:00Z",
    )
    return {k: record[k] for k in (*MINUTE_SUMS, *RATIO_FIGURES)}


RATIO_FIGURES = (
    "startup_time_p50_ms",
    "startup_time_p95_ms",
    "rebuffer_ratio",
    "video_start_failure_rate",
)


def test_minute_figures_from_contributions() -> None:
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
    assert minute_figures(rows) == {
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


def test_minute_figures_of_nothing_have_null_ratios() -> None:
    figures = minute_figures([])
    assert (figures["rebuffer_ratio"], figures["startup_time_p50_ms"]) == (None, None)
    assert figures["video_start_failure_rate"] is None


@settings(max_examples=300)
@given(intervals(), st.sampled_from([State.PLAYING, State.REBUFFERING]), st.integers(0, 4))
def test_minute_overlaps_are_the_per_window_sums(
    spans: list[StateInterval], state: State, extra_minutes: int
) -> None:
    first_minute = (spans[0].start_ms if spans else T0) // MINUTE_MS * MINUTE_MS
    end = spans[-1].end_ms if spans else T0
    minutes = (end - first_minute) // MINUTE_MS + 1 + extra_minutes
    plain = [
        sum(
            max(0, min(i.end_ms, ws + MINUTE_MS) - max(i.start_ms, ws))
            for i in spans
            if i.state is state
        )
        for ws in range(first_minute, first_minute + minutes * MINUTE_MS, MINUTE_MS)
    ]
    assert contributions_module._minute_overlaps(spans, state, first_minute, minutes) == plain


# --------------------------------------------------------------------------------------------------
# Per-minute contributions: the plain per-window definition


def plain_minute_contributions(timeline: Timeline) -> list[dict[str, Any]]:
    """minute_contributions as defined: every window scans every interval and every stall."""
    first_frame = timeline.first_frame_ms
    attempt_ms = (
        timeline.play_request_ms if timeline.play_request_ms is not None else timeline.start_ms
    )
    closed = timeline.close_reason is not None
    start_failed = view_metrics.video_start_failure(timeline)
    playback_failed = view_metrics.video_playback_failure(timeline)
    ebvs = view_metrics.exit_before_video_start(timeline)
    startup = view_metrics.video_startup_time_ms(timeline)

    def overlap(state: State, ws: int, we: int) -> int:
        return sum(
            max(0, min(i.end_ms, we) - max(i.start_ms, ws))
            for i in timeline.intervals
            if i.state is state
        )

    out = []
    first_minute = timeline.start_ms // MINUTE_MS * MINUTE_MS
    for ws in range(first_minute, timeline.end_ms + 1, MINUTE_MS):
        we = ws + MINUTE_MS

        def within(at_ms: int | None, ws: int = ws, we: int = we) -> bool:
            return at_ms is not None and ws <= at_ms < we

        at_close = closed and within(timeline.end_ms)
        concurrent = (
            first_frame is not None
            and first_frame < we
            and (first_frame >= ws or timeline.end_ms > ws)
        )
        out.append(
            {
                "view_id": timeline.view_id,
                "window_start_ms": ws,
                "window_start": plain_rfc3339(ws),
                "window_end": plain_rfc3339(we),
                "concurrent_plays": int(concurrent),
                "play_attempts": int(within(attempt_ms)),
                "video_starts": int(within(first_frame)),
                "video_startup_time_ms": startup if within(first_frame) else None,
                "playing_time_ms": overlap(State.PLAYING, ws, we),
                "rebuffer_duration_ms": overlap(State.REBUFFERING, ws, we),
                "rebuffer_count": sum(1 for t in timeline.rebuffer_starts_ms if within(t)),
                "video_start_failures": int(start_failed and at_close),
                "video_playback_failures": int(playback_failed and at_close),
                "exits_before_video_start": int(ebvs and at_close),
                "is_settled": closed or we <= timeline.end_ms,
            }
        )
    return out


@settings(max_examples=400, deadline=None)
@given(views(), st.booleans(), st.sampled_from([INACTIVITY_GAP_MS, 30_000]))
def test_minute_contributions_are_the_plain_per_window_figures(
    events: list[dict[str, Any]], closed: bool, gap_ms: int
) -> None:
    timeline = build_timeline(events, closed=closed, inactivity_gap_ms=gap_ms)
    fast = minute_contributions(timeline)
    plain = plain_minute_contributions(timeline)
    assert fast == plain
    # same types too (an int 0 is not a False, an int is not a float)
    assert [[type(v) for v in row.values()] for row in fast] == [
        [type(v) for v in row.values()] for row in plain
    ]
