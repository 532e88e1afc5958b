"""The ABR rule: throughput estimate (dual EWMA, as hls.js) plus a buffer guard.

The next rung is the highest whose bitrate is below SAFETY_FACTOR x the estimate, never above the
device's top rung; with less than LOW_BUFFER_MS buffered the player does not switch up, and with
less than PANIC_BUFFER_MS it drops one rung below its current one. Deliberately simple and
deterministic; it is a model of typical behaviour, not of any one player.
"""

from __future__ import annotations

import numpy as np

INITIAL_ESTIMATE_KBPS = 1000.0
EWMA_FAST_ALPHA = 0.5
EWMA_SLOW_ALPHA = 0.15
SAFETY_FACTOR = 0.8
LOW_BUFFER_MS = 10_000
PANIC_BUFFER_MS = 4_000


def update_estimate(
    fast: np.ndarray, slow: np.ndarray, measured_kbps: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fold one measurement into both EWMAs; return (fast, slow, estimate = min of the two)."""
    fast = EWMA_FAST_ALPHA * measured_kbps + (1 - EWMA_FAST_ALPHA) * fast
    slow = EWMA_SLOW_ALPHA * measured_kbps + (1 - EWMA_SLOW_ALPHA) * slow
    return fast, slow, np.minimum(fast, slow)


def choose_rung(
    estimate_kbps: np.ndarray,
    buffer_ms: np.ndarray,
    current: np.ndarray,
    bitrates_kbps: np.ndarray,
    top_rung: np.ndarray,
    starting: np.ndarray,
) -> np.ndarray:
    """Return the rung to request next for each view.

    Args:
        estimate_kbps: throughput estimate per view.
        buffer_ms: forward buffer when the request is made.
        current: rung of the previous request (ignored when `starting`).
        bitrates_kbps: (views, rungs) ladder bitrates, ascending, np.inf past the ladder's top.
        top_rung: highest rung the device may play.
        starting: first request of the view or first after a seek (no buffer guard).
    """
    fits = (bitrates_kbps <= (SAFETY_FACTOR * estimate_kbps)[:, None]).sum(axis=1) - 1
    rung = np.minimum(np.maximum(fits, 0), top_rung)
    guarded = np.where(buffer_ms < LOW_BUFFER_MS, np.minimum(rung, current), rung)
    guarded = np.where(
        buffer_ms < PANIC_BUFFER_MS, np.minimum(guarded, np.maximum(current - 1, 0)), guarded
    )
    return np.where(starting, rung, guarded)
