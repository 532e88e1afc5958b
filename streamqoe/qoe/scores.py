"""0-100 experience scores of one view, computed from its QoE figures (not from events).

Each score is a pure function of figures already in the view record, so dbt or a notebook can
recompute it from the landed columns. Startup and smoothness follow Mux Data's published score
formulas (docs.mux.com, "Startup Time" and "Smoothness"), so users can compare; quality is ours:
bitrate relative to the top of the ladder, as the view contract says. Formulas and edge cases:
docs/metrics.md#startup_score, #smoothness_score, #quality_score.

Left out: a combined overall score, and any weighting by content or device.
"""

from __future__ import annotations

import math

STARTUP_SCORE_HALF_S = 8.0
"""Startup time, seconds, at which startup_score is 50: score = 100 * H / (H + startup_s)."""
SMOOTHNESS_COUNT_SCALE = 2.0
"""Rebuffer count at which the count term is 100 / sqrt(2) ~ 70.7."""
SMOOTHNESS_RATIO_DECAY = 10.0
"""Decay rate of the ratio term per unit of rebuffer_ratio: 100 * exp(-10 * ratio)."""
SCORE_MAX = 100.0
"""Every score lies in [0, SCORE_MAX]."""


def startup_score(
    video_startup_time_ms: int | None,
    *,
    video_start_failure: bool = False,
    exit_before_video_start: bool = False,
) -> float | None:
    """Score the startup experience: 100 * 8 / (8 + startup seconds).

    Args:
        video_startup_time_ms: the view's startup time, ms, or None.
        video_start_failure: the view failed to start (scores 0).
        exit_before_video_start: the viewer left before the first frame (not scored, as in Mux).

    Returns:
        A score in [0, 100]; None for EBVS views and views without a startup time.
    """
    if video_start_failure:
        return 0.0
    if exit_before_video_start or video_startup_time_ms is None:
        return None
    seconds = max(0, video_startup_time_ms) / 1000
    return SCORE_MAX * STARTUP_SCORE_HALF_S / (STARTUP_SCORE_HALF_S + seconds)


def smoothness_score(rebuffer_ratio: float | None, rebuffer_count: int) -> float | None:
    """Score playback smoothness: the mean of a rebuffer-count term and a rebuffer-ratio term.

    count term = 100 / sqrt(1 + (rebuffer_count / 2)^2), ratio term = 100 * exp(-10 * rebuffer_ratio).

    Args:
        rebuffer_ratio: the view's rebuffer_ratio in [0, 1], None when it played nothing.
        rebuffer_count: the view's rebuffer_count.

    Returns:
        A score in [0, 100], or None when rebuffer_ratio is None (nothing played).
    """
    if rebuffer_ratio is None:
        return None
    count_term = SCORE_MAX / math.sqrt(1 + (rebuffer_count / SMOOTHNESS_COUNT_SCALE) ** 2)
    ratio_term = SCORE_MAX * math.exp(-SMOOTHNESS_RATIO_DECAY * rebuffer_ratio)
    return (count_term + ratio_term) / 2


def quality_score(avg_bitrate_kbps: float | None, top_bitrate_kbps: int | None) -> float | None:
    """Score picture quality as 100 * avg_bitrate_kbps / top_bitrate_kbps, capped at 100.

    Args:
        avg_bitrate_kbps: the view's time-weighted average bitrate, kbps.
        top_bitrate_kbps: top of the content's bitrate ladder, kbps.

    Returns:
        A score in [0, 100]; None when either input is unknown or the top is 0.
    """
    if avg_bitrate_kbps is None or not top_bitrate_kbps:
        return None
    return min(SCORE_MAX, SCORE_MAX * avg_bitrate_kbps / top_bitrate_kbps)
