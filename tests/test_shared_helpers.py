"""Tests of the shared helpers streamqoe.times and streamqoe.stats: table-driven edge cases
(negative and zero epochs, millisecond precision, empty input, q at 0 and 100), the fast RFC 3339
formatting against the datetime text it equals, and the documented differences between the
formatters and between the two percentiles, so that a later merge of two of them is a decision.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import YEAR_10000_MS, outcome, plain_rfc3339

from streamqoe.stats import percentile, percentile_of_counts, ratio
from streamqoe.times import (
    DAY_MS,
    EPOCH,
    MAX_EPOCH_SECONDS,
    MINUTE_MS,
    epoch_ms_from_rfc3339,
    minute_start_ms,
    rfc3339_from_epoch_ms,
    rfc3339_from_float_epoch_ms,
    rfc3339_keeping_precision,
    rfc3339_minute_labels,
)

T0 = 1_795_550_400_000  # 2026-11-24T20:00:00Z, on a minute boundary


def test_constants() -> None:
    assert (MINUTE_MS, DAY_MS) == (60_000, 24 * 60 * MINUTE_MS)
    assert datetime.fromtimestamp(0, UTC) == EPOCH
    assert datetime.fromtimestamp(MAX_EPOCH_SECONDS, UTC) == datetime(
        9999, 12, 31, 23, 59, 59, tzinfo=UTC
    )


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
    assert outcome(lambda: rfc3339_from_epoch_ms(epoch_ms)) == outcome(
        lambda: plain_rfc3339(epoch_ms)
    )


def test_rfc3339_of_a_float_or_bool_is_the_datetime_formatting() -> None:
    for value in (T0 + 0.0, T0 + 0.5, True):
        assert outcome(lambda v=value: rfc3339_from_epoch_ms(v)) == outcome(
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
    assert rfc3339_minute_labels(first, count) == expected


# --------------------------------------------------------------------------------------------------
# The formatters, table-driven

EXACT = [
    (0, "1970-01-01T00:00:00.000Z"),
    (1, "1970-01-01T00:00:00.001Z"),
    (999, "1970-01-01T00:00:00.999Z"),
    (1000, "1970-01-01T00:00:01.000Z"),
    (-1, "1969-12-31T23:59:59.999Z"),
    (-1000, "1969-12-31T23:59:59.000Z"),
    (-MINUTE_MS - 1, "1969-12-31T23:58:59.999Z"),
    (DAY_MS - 1, "1970-01-01T23:59:59.999Z"),
    (T0 + 1_180, "2026-11-24T20:00:01.180Z"),
    (951_782_400_000, "2000-02-29T00:00:00.000Z"),
    (YEAR_10000_MS - 1, "9999-12-31T23:59:59.999Z"),
]


@pytest.mark.parametrize(("epoch_ms", "text"), EXACT)
def test_rfc3339_from_epoch_ms(epoch_ms: int, text: str) -> None:
    assert rfc3339_from_epoch_ms(epoch_ms) == text


@pytest.mark.parametrize(("epoch_ms", "text"), EXACT[:-1])
def test_rfc3339_from_float_epoch_ms_agrees_in_the_common_range(epoch_ms: int, text: str) -> None:
    assert rfc3339_from_float_epoch_ms(epoch_ms) == text


@settings(max_examples=500)
@given(st.integers(min_value=-6_000_000_000_000, max_value=7_000_000_000_000))  # ~1779 to ~2191
def test_the_two_epoch_ms_formatters_agree_on_integers_of_these_centuries(epoch_ms: int) -> None:
    assert rfc3339_from_float_epoch_ms(epoch_ms) == rfc3339_from_epoch_ms(epoch_ms)


@pytest.mark.parametrize(
    ("value", "exact", "via_float"),
    [
        # floats and numpy integers: only the float formatter takes them
        (T0 + 0.0, ValueError, "2026-11-24T20:00:00.000Z"),
        (T0 + 1.5, ValueError, "2026-11-24T20:00:00.001Z"),  # the fraction of a ms is cut
        (np.int64(T0), TypeError, "2026-11-24T20:00:00.000Z"),
        # float rounding: the last ms of year 9999 comes out 1 ms early
        (YEAR_10000_MS - 1, "9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.998Z"),
        # years below 1000: padded by the float formatter only
        (-62_135_596_800_000, "1-01-01T00:00:00.000Z", "0001-01-01T00:00:00.000Z"),
    ],
)
def test_where_the_two_epoch_ms_formatters_differ(value: Any, exact: Any, via_float: str) -> None:
    if isinstance(exact, type):
        with pytest.raises(exact):
            rfc3339_from_epoch_ms(value)
    else:
        assert rfc3339_from_epoch_ms(value) == exact
    assert rfc3339_from_float_epoch_ms(value) == via_float


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2019, 12, 4, 21, 2, 31, tzinfo=UTC), "2019-12-04T21:02:31Z"),
        (datetime(2019, 12, 4, 21, 2, 31, 180_000, tzinfo=UTC), "2019-12-04T21:02:31.180Z"),
        (datetime(2019, 12, 4, 21, 2, 31, 180_123, tzinfo=UTC), "2019-12-04T21:02:31.180123Z"),
        (datetime(2019, 12, 4, 21, 2, 31, 1, tzinfo=UTC), "2019-12-04T21:02:31.000001Z"),
        (EPOCH, "1970-01-01T00:00:00Z"),
        (EPOCH - timedelta(milliseconds=1), "1969-12-31T23:59:59.999Z"),
        # another offset is turned into UTC
        (
            datetime(2019, 12, 4, 23, 2, 31, tzinfo=timezone(timedelta(hours=2))),
            "2019-12-04T21:02:31Z",
        ),
    ],
)
def test_rfc3339_keeping_precision(moment: datetime, text: str) -> None:
    assert rfc3339_keeping_precision(moment) == text


@pytest.mark.parametrize(
    ("value", "epoch_ms"),
    [
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T00:00:00.001Z", 1),
        ("1969-12-31T23:59:59.999Z", -1),
        ("2026-11-24T20:00:01.180Z", T0 + 1_180),
        ("2026-11-24T21:00:01.180+01:00", T0 + 1_180),
        ("2026-11-24T20:00:01.1804Z", T0 + 1_180),  # below the ms: rounded
        ("2026-11-24T20:00:01.1806Z", T0 + 1_181),
        (datetime(2026, 11, 24, 20, 0, 1, 180_000), T0 + 1_180),  # naive: taken as UTC
        (datetime(2026, 11, 24, 20, 0, 1, 180_000, tzinfo=UTC), T0 + 1_180),
    ],
)
def test_epoch_ms_from_rfc3339(value: str | datetime, epoch_ms: int) -> None:
    assert epoch_ms_from_rfc3339(value) == epoch_ms


@settings(max_examples=200)
@given(st.integers(min_value=-(10**12), max_value=4_102_444_800_000))
def test_epoch_ms_round_trips_through_both_epoch_ms_formatters(epoch_ms: int) -> None:
    assert epoch_ms_from_rfc3339(rfc3339_from_epoch_ms(epoch_ms)) == epoch_ms
    assert epoch_ms_from_rfc3339(rfc3339_from_float_epoch_ms(epoch_ms)) == epoch_ms


@pytest.mark.parametrize(
    ("at_ms", "start_ms"),
    [
        (0, 0),
        (1, 0),
        (MINUTE_MS - 1, 0),
        (MINUTE_MS, MINUTE_MS),
        (-1, -MINUTE_MS),  # before 1970: still the minute holding it
        (-MINUTE_MS, -MINUTE_MS),
        (T0 + 59_999, T0),
    ],
)
def test_minute_start_ms(at_ms: int, start_ms: int) -> None:
    assert minute_start_ms(at_ms) == start_ms


def test_minute_labels_of_no_minute_and_across_midnight() -> None:
    assert rfc3339_minute_labels(T0, 0) == []
    midnight = 1_795_651_200_000  # 2026-11-26T00:00:00Z
    assert rfc3339_minute_labels(midnight - MINUTE_MS, 2) == [
        "2026-11-25T23:59:00.000Z",
        "2026-11-26T00:00:00.000Z",
    ]


# --------------------------------------------------------------------------------------------------
# Percentiles and ratios


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4], 50, 2.5),
        ([4, 1, 3, 2], 95, 3.85),
        ([1, 2, 3, 4], 0, 1.0),
        ([1, 2, 3, 4], 100, 4.0),
        ([7], 95, 7.0),
        ([], 50, None),
        ([10, 20], 25, 12.5),
    ],
)
def test_percentile_interpolates_linearly(values, q, expected) -> None:
    result = percentile(values, q)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


@pytest.mark.parametrize("q", [-1, 100.5])
def test_percentile_refuses_q_outside_0_100(q) -> None:
    with pytest.raises(ValueError, match="within"):
        percentile([1, 2], q)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([0, 100], 1, 1.0),  # q is a percent, not a fraction
        ([5, 5, 5], 50, 5.0),
        ([-3, -1], 50, -2.0),
        ((v for v in [3, 1, 2]), 50, 2.0),  # any iterable, unsorted
        ([1.5, 2.5], 100, 2.5),
    ],
)
def test_percentile_edge_cases(values, q, expected) -> None:
    result = percentile(values, q)
    assert type(result) is float
    assert result == expected


def test_percentile_of_nothing_is_none_at_every_q() -> None:
    assert [percentile([], q) for q in (0, 50, 100)] == [None, None, None]
    assert [percentile_of_counts(Counter(), q) for q in (0, 50, 100)] == [None, None, None]


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
def test_percentile_of_counts(values, q, expected):
    result = percentile_of_counts(Counter(values), q)
    assert result == pytest.approx(expected) if expected is not None else result is None


@pytest.mark.parametrize(
    ("counts", "q", "expected"),
    [
        ({1.0: 1, 2.0: -1}, 50, 1.0),  # a negative count (over-retraction) counts as none
        ({2.0: -1}, 50, None),
        ({1.0: 1, 3.0: 1}, 0, 1.0),
        ({1.0: 1, 3.0: 1}, 100, 3.0),
    ],
)
def test_percentile_of_counts_edge_cases(counts, q, expected) -> None:
    assert percentile_of_counts(Counter(counts), q) == expected


@settings(max_examples=300)
@given(
    st.lists(st.floats(min_value=-1e6, max_value=1e6) | st.integers(-1000, 1000), max_size=15),
    st.floats(min_value=0, max_value=100) | st.sampled_from([0, 50, 95, 100]),
)
def test_the_two_percentiles_agree_on_finite_values(values: list[float], q: float) -> None:
    counts = Counter(values)
    expanded = [v for v, n in counts.items() for _ in range(n)]
    assert percentile_of_counts(counts, q) == percentile(expanded, q)


def test_where_the_two_percentiles_differ() -> None:
    # at a whole rank the multiset form still interpolates toward the next value: inf * 0 is nan
    assert percentile([1.0, math.inf], 0) == 1.0
    assert math.isnan(percentile_of_counts(Counter([1.0, math.inf]), 0))
    # only percentile checks q
    with pytest.raises(ValueError, match="within"):
        percentile([1, 2], 101)
    assert percentile_of_counts(Counter([1, 2]), 101) is not None


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (1, 2, 0.5),
        (0, 5, 0.0),
        (-1, 4, -0.25),
        (3, 3, 1.0),
        (0, 0, None),
        (1, 0, None),
        (1, 0.0, None),
    ],
)
def test_ratio(numerator, denominator, expected) -> None:
    assert ratio(numerator, denominator) == expected
