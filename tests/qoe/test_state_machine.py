"""Tests of streamqoe.qoe.state_machine: ordering, the state machine's intervals, the checks of
build_timeline, and the fast ordering against the plain dedupe-then-sort it equals."""

from __future__ import annotations

import random
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qoe_fixtures import SCENARIOS, T0, outcome, view, views

from streamqoe.qoe.state_machine import build_timeline, order_events
from streamqoe.qoe.timeline import State
from streamqoe.qoe.views import compute_view


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


def test_no_events_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one event"):
        compute_view([], closed=False)


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


@settings(max_examples=200, deadline=None)
@given(views(), st.booleans())
def test_build_timeline_takes_any_mapping_and_iterable(
    events: list[dict[str, Any]], closed: bool
) -> None:
    timeline = build_timeline(events, closed=closed)
    assert build_timeline([MappingProxyType(e) for e in events], closed=closed) == timeline
    assert build_timeline(iter(events), closed=closed) == timeline
    assert build_timeline(tuple(reversed(events)), closed=closed) == timeline
