"""The fast forms in streamqoe/qoe/view.py against the plain definitions their docstrings give.

streamqoe/qoe/view.py computes some figures in a faster form than their definition (per-state totals
summed once, intervals split into minutes once, timestamps formatted from tables, events ordered
in one pass). Each test here writes the plain definition out and checks the fast form gives the same
values, of the same types, on random inputs, so a later edit of the fast form cannot drift.
"""

from __future__ import annotations

import dataclasses
import pickle
import random
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamqoe.qoe import view as qoe
from streamqoe.qoe.view import (
    MINUTE_MS,
    BitrateSwitch,
    State,
    StateInterval,
    Timeline,
    build_timeline,
    minute_contributions,
    order_events,
)

T0 = 1_795_550_400_000  # 2026-11-24T20:00:00Z, on a minute boundary
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
YEAR_10000_MS = 253_402_300_800_000


def plain_rfc3339(epoch_ms: int) -> str:
    moment = EPOCH + timedelta(milliseconds=epoch_ms)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{epoch_ms % 1000:03d}Z"


def outcome(call: Any) -> tuple[str, Any]:
    """("ok", value) or ("raises", exception type): fast and plain forms fail alike too."""
    try:
        return "ok", call()
    except Exception as error:
        return "raises", type(error)


# --------------------------------------------------------------------------------------------------
# Timestamps


@settings(max_examples=500)
@given(
    st.one_of(
        st.integers(min_value=0, max_value=YEAR_10000_MS - 1),
        st.integers(min_value=T0 - 10**10, max_value=T0 + 10**10),
        st.integers(min_value=-(10**14), max_value=10**15),  # before 1970, after 9999
        st.sampled_from([0, 999, 59_999, 86_399_999, 86_400_000, YEAR_10000_MS - 1]),
    )
)
def test_rfc3339_is_the_datetime_formatting(epoch_ms: int) -> None:
    assert outcome(lambda: qoe.rfc3339_from_epoch_ms(epoch_ms)) == outcome(
        lambda: plain_rfc3339(epoch_ms)
    )


def test_rfc3339_of_a_float_or_bool_is_the_datetime_formatting() -> None:
    for value in (T0 + 0.0, T0 + 0.5, True):
        assert outcome(lambda v=value: qoe.rfc3339_from_epoch_ms(v)) == outcome(
            lambda v=value: plain_rfc3339(v)
        )


@settings(max_examples=200)
@given(
    st.one_of(
        st.integers(min_value=0, max_value=YEAR_10000_MS // MINUTE_MS - 3000),
        st.integers(min_value=T0 // MINUTE_MS - 5000, max_value=T0 // MINUTE_MS + 5000),
    ),
    st.integers(min_value=1, max_value=3000),
)
def test_minute_labels_are_rfc3339_of_each_minute(minute: int, count: int) -> None:
    first = minute * MINUTE_MS
    expected = [plain_rfc3339(first + k * MINUTE_MS) for k in range(count)]
    assert qoe._minute_labels(first, count) == expected


# --------------------------------------------------------------------------------------------------
# Intervals: totals per state, split per minute, hand-written dataclass constructors


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


@settings(max_examples=300)
@given(intervals(), st.sampled_from(list(State)))
def test_time_in_is_the_sum_over_the_intervals(spans: list[StateInterval], state: State) -> None:
    timeline = Timeline("v", T0, T0, T0, 1, tuple(spans))
    plain = sum(i.duration_ms for i in spans if i.state is state)
    assert timeline.time_in(state) == plain
    assert type(timeline.time_in(state)) is type(plain)
    assert timeline.time_in("playing") == 0  # type: ignore[arg-type]  # not a State: nothing `is` it


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
    assert qoe._minute_overlaps(spans, state, first_minute, minutes) == plain


def test_hand_written_constructors_set_exactly_the_dataclass_fields() -> None:
    made = [StateInterval(State.PAUSED, 1, 5, 800, 360), BitrateSwitch(7, 800, 1600)]
    for value in made:
        names = [f.name for f in dataclasses.fields(value)]
        assert list(vars(value)) == names
        assert dataclasses.replace(value) == value
        assert pickle.loads(pickle.dumps(value)) == value
        assert hash(dataclasses.replace(value)) == hash(value)
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.at_ms = 0  # type: ignore[union-attr]
    assert repr(made[0]) == (
        "StateInterval(state=<State.PAUSED: 'paused'>, start_ms=1, end_ms=5, bitrate_kbps=800, "
        "height=360)"
    )
    assert StateInterval(
        state=State.PLAYING, start_ms=0, end_ms=1, bitrate_kbps=None, height=None
    ) == StateInterval(State.PLAYING, 0, 1, None, None)


# --------------------------------------------------------------------------------------------------
# Ordering


def plain_order(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[Any] = set()
    distinct = []
    for event in events:
        number = event["sequence_number"]
        if number in seen:
            continue
        seen.add(number)
        distinct.append(event)
    return sorted(distinct, key=lambda e: (e["client_ts_ms"], e["sequence_number"]))


@settings(max_examples=300)
@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(T0, T0 + 20)), min_size=0, max_size=40),
    st.randoms(use_true_random=False),
)
def test_order_events_is_dedupe_then_sort(pairs: list[tuple[int, int]], rng: random.Random) -> None:
    events = [
        {"sequence_number": number, "client_ts_ms": ts, "copy": k}
        for k, (number, ts) in enumerate(pairs)
    ]
    rng.shuffle(events)
    ordered = order_events(events)
    assert [e["copy"] for e in ordered] == [e["copy"] for e in plain_order(events)]
    assert order_events(iter(events)) == ordered  # any iterable
    assert order_events([MappingProxyType(e) for e in events]) == ordered  # any Mapping


@pytest.mark.parametrize(
    "events",
    [
        [{"sequence_number": 0, "client_ts_ms": T0}, {"client_ts_ms": T0}],
        [{"sequence_number": 0}, {"sequence_number": 1, "client_ts_ms": T0}],
        # no time on the first event, no number on a later one: the plain order reports the number
        [{"sequence_number": 0}, {"client_ts_ms": T0}],
        # a duplicate without a time is never read
        [{"sequence_number": 0, "client_ts_ms": T0}, {"sequence_number": 0}],
        [{"sequence_number": [0], "client_ts_ms": T0}],
        [{"sequence_number": 0, "client_ts_ms": "x"}, {"sequence_number": 1, "client_ts_ms": T0}],
    ],
)
def test_order_events_fails_as_the_plain_order(events: list[dict[str, Any]]) -> None:
    fast = outcome(lambda: order_events(events))
    plain = outcome(lambda: plain_order(events))
    assert fast == plain
    if fast[0] == "raises" and fast[1] is KeyError:
        with pytest.raises(KeyError) as fast_error:
            order_events(events)
        with pytest.raises(KeyError) as plain_error:
            plain_order(events)
        assert fast_error.value.args == plain_error.value.args


# --------------------------------------------------------------------------------------------------
# Per-minute contributions: the plain per-window definition


def plain_minute_contributions(timeline: Timeline) -> list[dict[str, Any]]:
    """minute_contributions as defined: every window scans every interval and every stall."""
    first_frame = timeline.first_frame_ms
    attempt_ms = (
        timeline.play_request_ms if timeline.play_request_ms is not None else timeline.start_ms
    )
    closed = timeline.close_reason is not None
    start_failed = qoe.video_start_failure(timeline)
    playback_failed = qoe.video_playback_failure(timeline)
    ebvs = qoe.exit_before_video_start(timeline)
    startup = qoe.video_startup_time_ms(timeline)

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


@settings(max_examples=400, deadline=None)
@given(views(), st.booleans(), st.sampled_from([qoe.INACTIVITY_GAP_MS, 30_000]))
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


@settings(max_examples=200, deadline=None)
@given(views(), st.booleans())
def test_build_timeline_takes_any_mapping_and_iterable(
    events: list[dict[str, Any]], closed: bool
) -> None:
    timeline = build_timeline(events, closed=closed)
    assert build_timeline([MappingProxyType(e) for e in events], closed=closed) == timeline
    assert build_timeline(iter(events), closed=closed) == timeline
    assert build_timeline(tuple(reversed(events)), closed=closed) == timeline
