"""Per-viewer network throughput: a median per viewer, correlated variability, incident factors.

The throughput of one segment download is the viewer's median (from ISP, device and a per-viewer
draw, see world.py) times a log-normal AR(1) process (so good and bad periods last several
segments) times the throughput factor of any incident in force. Latency is the viewer's RTT plus
the edge's time to first byte (cdn.py). No TCP slow start or packet-level model.
"""

from __future__ import annotations

import numpy as np

THROUGHPUT_AR_RHO = 0.9
THROUGHPUT_LOG_SIGMA = 0.75
MIN_THROUGHPUT_KBPS = 50.0


def throughput_innovations(n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw n AR(1) innovations, already scaled so the stationary sd is THROUGHPUT_LOG_SIGMA."""
    return rng.standard_normal(n) * (THROUGHPUT_LOG_SIGMA * np.sqrt(1 - THROUGHPUT_AR_RHO**2))


def next_throughput_state(state: np.ndarray, innovation: np.ndarray) -> np.ndarray:
    """Advance the log-throughput AR(1) state by one segment (innovation: see above)."""
    return THROUGHPUT_AR_RHO * state + innovation


def throughput_kbps(median_kbps: np.ndarray, state: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Return the throughput of one download: median x exp(state) x incident factor, kbps."""
    return np.maximum(median_kbps * np.exp(state) * factor, MIN_THROUGHPUT_KBPS)


def download_ms(
    size_bytes: np.ndarray, thr_kbps: np.ndarray, rtt_ms: np.ndarray, ttfb_ms: np.ndarray
) -> np.ndarray:
    """Return whole milliseconds from request sent to last byte received (kbps = bits per ms)."""
    return np.ceil(rtt_ms + ttfb_ms + size_bytes * 8.0 / thr_kbps).astype(np.int64)
