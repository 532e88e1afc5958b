"""Percentiles and ratios of plain numbers, one copy for the QoE rollups and the benches.

    percentile(values, q)              the q-th percentile (0-100) of any iterable of numbers, by
                                       linear interpolation (Hyndman & Fan type 7)
    percentile_of_counts(counts, q)    the same rule over a multiset {value: count} whose counts
                                       may have been retracted to zero or below
    ratio(numerator, denominator)      a division that is None when the denominator is 0

Left out: approximate (sketch) quantiles, weights, nearest-rank percentiles, and numpy.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable


def percentile(values: Iterable[float], q: float) -> float | None:
    """Return the q-th percentile (0-100) by linear interpolation between closest ranks.

    The method is Hyndman & Fan type 7 (numpy's default, BigQuery PERCENTILE_CONT, DuckDB
    quantile_cont): position p = (n - 1) * q / 100 in the sorted values, interpolated between
    floor(p) and ceil(p). None for no values.

    Raises:
        ValueError: q outside [0, 100].
    """
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within [0, 100], not {q}")
    data = sorted(values)
    if not data:
        return None
    position = (len(data) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return float(data[low] + (data[high] - data[low]) * (position - low))


def percentile_of_counts(values: Counter[float], q: float) -> float | None:
    """Return the q-th percentile (0-100, linear interpolation) of a multiset of values.

    Only positive counts are taken (a multiset that received retractions may hold zeros).

    Kept beside percentile, not built on it: for finite values and 0 <= q <= 100 both give the
    same float, but this one checks no q, and at a whole rank it still interpolates toward the
    next value, so a non-finite neighbour (inf, nan) gives nan where percentile gives the value.
    """
    expanded = sorted(v for v, n in values.items() for _ in range(max(n, 0)))
    if not expanded:
        return None
    rank = (len(expanded) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(expanded) - 1)
    return float(expanded[low] + (expanded[high] - expanded[low]) * (rank - low))


def ratio(numerator: float, denominator: float) -> float | None:
    """Return numerator / denominator, or None when the denominator is 0."""
    return numerator / denominator if denominator else None


__all__ = ["percentile", "percentile_of_counts", "ratio"]
