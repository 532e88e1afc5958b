"""CDN edge behaviour: cache hit probability by popularity, edge and origin latency, object sizes.

A request hits the edge cache with a probability that rises with the title's popularity (live
segments are almost always hot). A miss adds an origin fetch (log-normal, median
ORIGIN_FETCH_MEDIAN_MS) to the edge's time to first byte. The PoP of a view is the viewer's
(world.py). No shield tier, no request coalescing, no eviction model.
"""

from __future__ import annotations

import numpy as np

HIT_RATIO_TOP = 0.97
HIT_RATIO_TAIL = 0.45
HIT_RATIO_LIVE = 0.985
EDGE_TTFB_MEDIAN_MS = 8.0
ORIGIN_FETCH_MEDIAN_MS = 120.0
MANIFEST_BYTES = (900, 2400)
INIT_SEGMENT_BYTES = (700, 1400)
RESPONSE_HEADER_BYTES = 420
SEGMENT_VBR = 0.15


def hit_probability(popularity_rank: np.ndarray, n_titles: int, is_live: np.ndarray) -> np.ndarray:
    """Return each content item's edge cache hit probability (popular titles are hotter)."""
    tail = (popularity_rank / max(1, n_titles - 1)) ** 0.5
    p = HIT_RATIO_TOP - (HIT_RATIO_TOP - HIT_RATIO_TAIL) * tail
    return np.where(is_live, HIT_RATIO_LIVE, p)


def edge_ttfb_ms(hit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return edge time to first byte, ms: cache lookup, plus an origin fetch on a miss."""
    n = len(hit)
    edge = rng.lognormal(np.log(EDGE_TTFB_MEDIAN_MS), 0.5, n)
    origin = rng.lognormal(np.log(ORIGIN_FETCH_MEDIAN_MS), 0.6, n)
    return edge + np.where(hit, 0.0, origin)


def segment_vbr_factors(n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw n segment size factors: +-SEGMENT_VBR of the nominal size (VBR encoding)."""
    return rng.uniform(1 - SEGMENT_VBR, 1 + SEGMENT_VBR, n)


def segment_bytes(bitrate_kbps: np.ndarray, segment_ms: int, vbr: np.ndarray) -> np.ndarray:
    """Return encoded segment sizes: bitrate x duration x VBR factor (segment_vbr_factors)."""
    return (bitrate_kbps * (segment_ms / 8.0) * vbr).astype(np.int64)
