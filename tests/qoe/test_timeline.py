"""Tests of streamqoe.qoe.timeline: the Timeline types (per-state totals, hand-written
constructors) and view_close."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qoe_fixtures import T0, intervals, view

from streamqoe.qoe.state_machine import build_timeline
from streamqoe.qoe.timeline import (
    INACTIVITY_GAP_MS,
    BitrateSwitch,
    State,
    StateInterval,
    Timeline,
    view_close,
)


@settings(max_examples=300)
@given(intervals(), st.sampled_from(list(State)))
def test_time_in_is_the_sum_over_the_intervals(spans: list[StateInterval], state: State) -> None:
    timeline = Timeline("v", T0, T0, T0, 1, tuple(spans))
    plain = sum(i.duration_ms for i in spans if i.state is state)
    assert timeline.time_in(state) == plain
    assert type(timeline.time_in(state)) is type(plain)
    assert timeline.time_in("playing") == 0  # type: ignore[arg-type]  # not a State: nothing `is` it


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
