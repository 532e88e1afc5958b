"""One view's share of every one-minute event-time window it spans, for qoe_minute.

    minute_contributions(timeline)    one dict per minute from the view's first event to its end

The qoe_minute figures of a (minute, breakdown) are these dicts summed by the accumulators of
streamqoe.qoe.minutes (the one definition of that rollup, used by both pipelines).

Speed: runs once per view in the batch pipeline, so each interval is split into minutes once (not
every minute times every interval) and minute labels come from cached dates
(streamqoe.times.rfc3339_minute_labels); the docstrings give the plain form each equals.

Left out: the streaming and batch accumulators and the qoe_minute.v1 record (streamqoe.qoe.minutes),
windowing and triggering (pipelines/transforms/), the per-view figures (streamqoe.qoe.view_metrics).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from streamqoe.qoe.timeline import State, StateInterval, Timeline
from streamqoe.qoe.view_metrics import (
    exit_before_video_start,
    video_playback_failure,
    video_start_failure,
    video_startup_time_ms,
)
from streamqoe.times import MINUTE_MS, rfc3339_minute_labels


def _minute_overlaps(
    intervals: Iterable[StateInterval], state: State, first_minute: int, minutes: int
) -> list[int]:
    """Time in `state` inside each of `minutes` one-minute windows from `first_minute`, ms.

    Entry k is `sum(max(0, min(i.end_ms, we) - max(i.start_ms, ws)) for i in intervals if i.state
    is state)` for the window [ws, we) = [first_minute + k * MINUTE_MS, ws + MINUTE_MS); each
    interval is visited once and split over the windows it touches (the others get 0 from it), in
    interval order, so the sums are the same to the last bit.
    """
    totals = [0] * minutes
    for interval in intervals:
        if interval.state is not state:
            continue
        start, end = interval.start_ms, interval.end_ms
        index = max(0, int((start - first_minute) // MINUTE_MS))  # the window holding the start
        window_start = first_minute + index * MINUTE_MS
        while index < minutes and window_start < end:
            window_end = window_start + MINUTE_MS
            # min(end, window_end) - max(start, window_start), without the two calls
            overlap = (window_end if window_end < end else end) - (
                window_start if window_start > start else start
            )
            if overlap > 0:
                totals[index] += overlap
            index += 1
            window_start = window_end
    return totals


def _minute_index(at_ms: int | None, first_minute: int, minutes: int) -> int | None:
    """Index of the window [ws, ws + MINUTE_MS) holding `at_ms` among `minutes` windows, or None."""
    if at_ms is None:
        return None
    index = int((at_ms - first_minute) // MINUTE_MS)  # int: times may be floats (1.0 is an integer)
    return index if 0 <= index < minutes else None


def minute_contributions(timeline: Timeline) -> list[dict[str, Any]]:
    """Split one view across the one-minute event-time windows it spans, for qoe_minute.

    Every minute from the one holding the view's first event to the one holding its end gets one
    contribution, so summing contributions per (minute, dimension value) gives the qoe_minute sums.

    Returns:
        One dict per minute, in time order: view_id, window_start_ms, window_start, window_end
        (RFC 3339), concurrent_plays (0/1: first frame seen and not closed at some time in the
        minute, paused included), play_attempts (0/1: the play request, or the first event without
        one), video_starts (0/1: the first frame), video_startup_time_ms (startup of that start, or
        None), playing_time_ms and rebuffer_duration_ms (the part inside the minute),
        rebuffer_count (stalls that began in the minute), video_start_failures,
        video_playback_failures, exits_before_video_start (0/1, in the minute of the close), and
        is_settled (the view's timeline has passed the minute's end or is closed: later events of an
        in-order view no longer change this contribution).
    """
    view_id = timeline.view_id
    first_frame = timeline.first_frame_ms
    end_ms = timeline.end_ms
    attempt_ms = (
        timeline.play_request_ms if timeline.play_request_ms is not None else timeline.start_ms
    )
    closed = timeline.close_reason is not None
    # 0/1 counts of the view's outcome, for the minute of its close
    start_failures = int(video_start_failure(timeline))
    playback_failures = int(video_playback_failure(timeline))
    ebvs = int(exit_before_video_start(timeline))
    startup = video_startup_time_ms(timeline)
    first_minute = timeline.start_ms // MINUTE_MS * MINUTE_MS
    windows = range(first_minute, end_ms + 1, MINUTE_MS)
    minutes = len(windows)
    # Everything per minute is worked out once per view, then read by window index: the time in a
    # state splits each interval over its minutes, a point in time (attempt, first frame, stall
    # start, close) falls in exactly one window, and window k ends where window k + 1 starts.
    playing = _minute_overlaps(timeline.intervals, State.PLAYING, first_minute, minutes)
    rebuffering = _minute_overlaps(timeline.intervals, State.REBUFFERING, first_minute, minutes)
    stalls = [0] * minutes
    for stall_ms in timeline.rebuffer_starts_ms:
        index = _minute_index(stall_ms, first_minute, minutes)
        if index is not None:
            stalls[index] += 1
    attempt_index = _minute_index(attempt_ms, first_minute, minutes)
    start_index = _minute_index(first_frame, first_minute, minutes)
    close_index = _minute_index(end_ms, first_minute, minutes) if closed else None
    labels = rfc3339_minute_labels(first_minute, minutes + 1)
    out = []
    for index, window_start in enumerate(windows):
        window_end = window_start + MINUTE_MS
        at_close = index == close_index
        started = index == start_index
        concurrent = (
            first_frame is not None
            and first_frame < window_end
            and (first_frame >= window_start or end_ms > window_start)
        )
        out.append(
            {
                "view_id": view_id,
                "window_start_ms": window_start,
                "window_start": labels[index],
                "window_end": labels[index + 1],
                "concurrent_plays": 1 if concurrent else 0,
                "play_attempts": 1 if index == attempt_index else 0,
                "video_starts": 1 if started else 0,
                "video_startup_time_ms": startup if started else None,
                "playing_time_ms": playing[index],
                "rebuffer_duration_ms": rebuffering[index],
                "rebuffer_count": stalls[index],
                "video_start_failures": start_failures if at_close else 0,
                "video_playback_failures": playback_failures if at_close else 0,
                "exits_before_video_start": ebvs if at_close else 0,
                "is_settled": closed or window_end <= end_ms,
            }
        )
    return out


__all__ = ["minute_contributions"]
