"""Tests for streamqoe.ingest.times: timestamp normalization."""

from __future__ import annotations

import pytest

from streamqoe.ingest.outcome import IngestError
from streamqoe.ingest.times import (
    duration_ms,
    from_date_and_time,
    from_epoch_millis,
    from_epoch_seconds,
    from_rfc3339,
)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: from_date_and_time("2019-12-04", "21:02:31"), "2019-12-04T21:02:31Z"),
        (lambda: from_epoch_seconds("1598305016.873", "t"), "2020-08-24T21:36:56.873Z"),
        (lambda: from_epoch_seconds("1598305016", "t"), "2020-08-24T21:36:56Z"),
        (lambda: from_epoch_millis(1671476832124, "t"), "2022-12-19T19:07:12.124Z"),
        (
            lambda: from_rfc3339("2024-06-01T10:00:00.123456789Z", "t"),
            "2024-06-01T10:00:00.123456Z",
        ),
        (lambda: from_rfc3339("2024-06-01T12:00:00+02:00", "t"), "2024-06-01T10:00:00Z"),
        (lambda: from_rfc3339("2024-06-01T10:00:00.5z", "t"), "2024-06-01T10:00:00.500Z"),
        (lambda: duration_ms("0.412s", "t"), 412.0),
        (lambda: duration_ms("3s", "t"), 3000.0),
        (lambda: duration_ms(None, "t"), None),
    ],
)
def test_normalizes(call, expected) -> None:
    assert call() == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: from_date_and_time("2019-02-30", "21:02:31"),
        lambda: from_date_and_time("2019-12-04", "25:00:00"),
        lambda: from_epoch_seconds("NaN", "t"),
        lambda: from_epoch_seconds("-1", "t"),
        lambda: from_epoch_seconds("1e30", "t"),
        lambda: from_epoch_millis("abc", "t"),
        lambda: from_rfc3339("2024-06-01", "t"),
        lambda: from_rfc3339(12, "t"),
        lambda: from_rfc3339("2024-13-01T00:00:00Z", "t"),
        lambda: duration_ms("412ms", "t"),
        lambda: duration_ms(0.4, "t"),
    ],
)
def test_rejects(call) -> None:
    with pytest.raises(IngestError):
        call()
