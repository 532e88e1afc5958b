"""Tests of streamqoe.qoe.views: the view.v1 record of hand-made and random views (fields,
contract, dimensions, overrides, order and duplicates)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qoe_fixtures import BASE, R540, SCENARIOS, T0, Step, full_record, view

from streamqoe.contracts.registry import contract, violations
from streamqoe.qoe.minute_contributions import minute_contributions
from streamqoe.qoe.state_machine import build_timeline
from streamqoe.qoe.views import PIPELINE_OWNED_FIELDS, compute_view, view_record


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


def test_close_reason_override_is_used() -> None:
    steps: list[Step] = [(0, "play_request", {}), (3000, "heartbeat", {})]
    record = compute_view(view(steps), closed=True, close_reason="exit")
    assert (record["close_reason"], record["exit_before_video_start"]) == ("exit", True)


def test_unknown_source_is_an_error() -> None:
    with pytest.raises(ValueError, match="source must be"):
        compute_view(view(SCENARIOS[0][1]), closed=True, source="carrier pigeon")


def test_top_bitrate_sets_the_quality_scale() -> None:
    steps = SCENARIOS[0][1]  # 1600 kbps throughout
    assert compute_view(view(steps), closed=True, top_bitrate_kbps=6400)["quality_score"] == 25.0


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
    record = view_record(timeline)
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
    assert view_record(build_timeline(reordered, closed=closed)) == record
