"""Table-driven tests of the pure aggregate helpers (no Beam)."""

from __future__ import annotations

from collections import Counter

import pytest

from streamqoe.qoe.aggregates import (
    add_cdn_request,
    cdn_request_is_error,
    dimension_values,
    epoch_ms,
    new_cdn_accumulator,
    percentile_of,
    rfc3339_ms,
    subtract_contributions,
    transcode_event_identity,
    viewer_session_record,
)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ({}, 50, None),
        ({10.0: 1}, 95, 10.0),
        ({1.0: 1, 3.0: 1}, 50, 2.0),
        ({1.0: 2, 5.0: 1, 9.0: 0}, 50, 1.0),  # zero counts (full retractions) are ignored
        ({1.0: 1, 2.0: 1, 3.0: 1, 4.0: 1}, 95, 3.85),
    ],
)
def test_percentile_of(values, q, expected):
    result = percentile_of(Counter(values), q)
    assert result == pytest.approx(expected) if expected is not None else result is None


def test_subtract_contributions_retracts_and_drops_zero_deltas():
    old = {("m", "pop", "A"): {"playing_time_ms": 5, "startup_times_ms": {900: 1}}}
    new = {
        ("m", "pop", "B"): {"playing_time_ms": 7, "startup_times_ms": {900: 1}},
        ("m", "all", "all"): {"playing_time_ms": 0, "startup_times_ms": {}},
    }
    delta = subtract_contributions(new, old)
    assert delta[("m", "pop", "A")]["playing_time_ms"] == -5
    assert delta[("m", "pop", "A")]["startup_times_ms"] == {900: -1}
    assert delta[("m", "pop", "B")]["playing_time_ms"] == 7
    assert ("m", "all", "all") not in delta


@pytest.mark.parametrize(
    ("request_fields", "error"),
    [
        ({"status": 200, "cache_result": "hit"}, False),
        ({"status": 0, "cache_result": "other"}, True),
        ({"status": 503, "cache_result": "miss"}, True),
        ({"status": 200, "cache_result": "error"}, True),
        ({"status": 404, "cache_result": "miss"}, False),
    ],
)
def test_cdn_request_is_error(request_fields, error):
    assert cdn_request_is_error(request_fields) is error


def test_cdn_accumulator_counts_refresh_as_miss():
    acc = new_cdn_accumulator()
    for cache in ("hit", "miss", "refresh", None):
        add_cdn_request(acc, {"status": 200, "cache_result": cache, "bytes_sent": 10})
    assert (acc["request_count"], acc["cache_hit_count"], acc["cache_miss_count"]) == (4, 1, 2)
    assert acc["bytes_sent"] == 40


def test_dimension_values_fill_unknown_and_cut_long_values():
    pairs = dict(dimension_values({"cdn": "cloudfront", "content_id": "c" * 200}))
    assert pairs["all"] == "all" and pairs["cdn"] == "cloudfront"
    assert pairs["pop"] == "(unknown)" and len(pairs["content_id"]) == 128


@pytest.mark.parametrize(
    ("event", "identity"),
    [
        ({"event_id": "e1", "job_id": "j"}, ("id", "e1")),
        (
            {"event_id": None, "job_id": "j", "provider_state": "COMPLETE", "event_at": "t"},
            ("job", "j", "COMPLETE", "t"),
        ),
    ],
)
def test_transcode_event_identity(event, identity):
    assert transcode_event_identity(event) == identity


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
    assert record["viewer_session_id"] == f"v:{epoch_ms('2025-01-15T10:00:00Z')}"
    assert rfc3339_ms(epoch_ms(record["ended_at"])) == "2025-01-15T10:10:00.000Z"
