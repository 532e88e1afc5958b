"""Table-driven tests of the CDN PoP minute sums of streamqoe.qoe.cdn (no Beam)."""

from __future__ import annotations

import pytest

from streamqoe.qoe.cdn import add_cdn_request, cdn_request_is_error, new_cdn_accumulator


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
