"""Scores of known figures: exact values from the documented formulas (docs/metrics.md)."""

from __future__ import annotations

import math

import pytest

from streamqoe.qoe.scores import quality_score, smoothness_score, startup_score


@pytest.mark.parametrize(
    ("startup_ms", "kwargs", "expected"),
    [
        (0, {}, 100.0),
        (2000, {}, 80.0),  # 100 * 8 / 10
        (8000, {}, 50.0),
        (24000, {}, 25.0),  # 100 * 8 / 32
        (None, {}, None),  # never started, not an EBVS or VSF: open view
        (None, {"video_start_failure": True}, 0.0),
        (None, {"exit_before_video_start": True}, None),
    ],
)
def test_startup_score(startup_ms, kwargs, expected) -> None:
    assert startup_score(startup_ms, **kwargs) == expected


@pytest.mark.parametrize(
    ("ratio", "count", "expected"),
    [
        (0.0, 0, 100.0),
        (None, 0, None),
        # count term 100 / sqrt(2); ratio term 100
        (0.0, 2, (100 / math.sqrt(2) + 100) / 2),
        # Mux's example: four rebuffers, 5 % of the time -> mean of 44.7 and 60.7
        (0.05, 4, (100 / math.sqrt(5) + 100 * math.exp(-0.5)) / 2),
        # the worst case stays above 0: 100 * exp(-10) / 2 plus a tiny count term
        (1.0, 1000, (100 / math.sqrt(1 + 500**2) + 100 * math.exp(-10)) / 2),
    ],
)
def test_smoothness_score(ratio, count, expected) -> None:
    result = smoothness_score(ratio, count)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)
        assert 0 <= result <= 100


@pytest.mark.parametrize(
    ("avg", "top", "expected"),
    [
        (1600.0, 3200, 50.0),
        (3200.0, 3200, 100.0),
        (4000.0, 3200, 100.0),  # above the stated top (a stale ladder): capped
        (None, 3200, None),
        (1600.0, None, None),
        (1600.0, 0, None),
    ],
)
def test_quality_score(avg, top, expected) -> None:
    assert quality_score(avg, top) == expected
