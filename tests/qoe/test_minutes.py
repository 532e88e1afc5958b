"""Table-driven tests of the qoe_minute accumulators of streamqoe.qoe.minutes (no Beam)."""

from __future__ import annotations

from streamqoe.qoe.minutes import dimension_values, subtract_contributions


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


def test_dimension_values_fill_unknown_and_cut_long_values():
    pairs = dict(dimension_values({"cdn": "cloudfront", "content_id": "c" * 200}))
    assert pairs["all"] == "all" and pairs["cdn"] == "cloudfront"
    assert pairs["pop"] == "(unknown)" and len(pairs["content_id"]) == 128
