"""qoe_minute sums: views' minute contributions added up per (minute, dimension, value).

    dimension_values(view)                  the (dimension, value) breakdowns a view counts under
    new_minute_accumulator, add_minute_delta, merge_minute_accumulators, subtract_contributions
                                            the streaming accumulators, retractions included
    MinuteTotals                            the same sums for many keys at once, with numpy (batch)
    qoe_minute_record(...)                  one qoe_minute.v1 record from an accumulator

Everything is sum over sum (ratios and percentiles are taken from the sums), so any rollup stays
exact.

Left out: splitting a view into its minutes (streamqoe.qoe.minute_contributions), windowing,
triggering and state (the composites in pipelines/transforms/ decide which elements form a
minute), and any I/O.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from streamqoe.stats import percentile_of_counts, ratio
from streamqoe.times import MINUTE_MS, rfc3339_from_float_epoch_ms

QOE_MINUTE_SCHEMA_VERSION = "1.0"
"""schema_version written on qoe_minute records (schemas/qoe_minute.v1.json)."""
UNKNOWN = "(unknown)"
"""The dimension value of a view that does not say (and the pop of a CDN request without one)."""

# Sums carried by a qoe_minute accumulator, in contract order.
MINUTE_SUMS = (
    "concurrent_plays",
    "play_attempts",
    "video_starts",
    "playing_time_ms",
    "rebuffer_duration_ms",
    "rebuffer_count",
    "video_start_failures",
    "video_playback_failures",
    "exits_before_video_start",
)
# The breakdowns of qoe_minute.v1 and the view field each one reads ("all" is the total).
MINUTE_DIMENSIONS = ("all", "cdn", "pop", "country", "device_type", "player_name", "content_id")
DIMENSION_VALUE_MAX_CHARS = 128


def dimension_values(view: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return the (dimension, value) pairs a view contributes to, 'all' first."""
    pairs = [("all", "all")]
    for dimension in MINUTE_DIMENSIONS[1:]:
        value = view.get(dimension)
        text = UNKNOWN if value is None or value == "" else str(value)
        pairs.append((dimension, text[:DIMENSION_VALUE_MAX_CHARS]))
    return pairs


def new_minute_accumulator() -> dict[str, Any]:
    """Return an empty per-minute accumulator: the sums and a multiset of startup times."""
    return {**dict.fromkeys(MINUTE_SUMS, 0), "startup_times_ms": Counter()}


def add_minute_delta(acc: dict[str, Any], delta: Mapping[str, Any]) -> dict[str, Any]:
    """Add one delta (possibly negative: a retraction of an earlier version) to `acc` in place."""
    for name in MINUTE_SUMS:
        acc[name] += delta.get(name, 0)
    acc["startup_times_ms"].update(delta.get("startup_times_ms", {}))
    return acc


def merge_minute_accumulators(accs: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Merge accumulators into a new one."""
    out = new_minute_accumulator()
    for acc in accs:
        add_minute_delta(out, acc)
    return out


def subtract_contributions(
    new: Mapping[Any, Mapping[str, Any]], old: Mapping[Any, Mapping[str, Any]]
) -> dict[Any, dict[str, Any]]:
    """Return new - old per key (keys of either), dropping keys whose difference is all zero.

    Values are contribution dicts: MINUTE_SUMS numbers and `startup_times_ms` (value -> count).
    """
    out: dict[Any, dict[str, Any]] = {}
    for key in set(new) | set(old):
        a, b = new.get(key, {}), old.get(key, {})
        delta: dict[str, Any] = {n: a.get(n, 0) - b.get(n, 0) for n in MINUTE_SUMS}
        startups: Counter[float] = Counter(a.get("startup_times_ms", {}))
        startups.subtract(b.get("startup_times_ms", {}))
        startups = Counter({v: c for v, c in startups.items() if c})
        if any(delta.values()) or startups:
            delta["startup_times_ms"] = dict(startups)
            out[key] = delta
    return out


MinuteKey = tuple[int, str, str]


@dataclass
class MinuteTotals:
    """qoe_minute accumulators for many keys at once: what summing every contribution with
    add_minute_delta gives, built with numpy (one row of MINUTE_SUMS per key) for batch, where a
    shard of views contributes to tens of thousands of (minute, dimension, value) keys.

    Attributes:
        keys: (minute start ms, dimension, value), one per row of `sums`.
        sums: the MINUTE_SUMS of each key (integers; object dtype if a contribution was not).
        startups: key index -> multiset of startup times, for keys that have any.
    """

    keys: list[MinuteKey] = field(default_factory=list)
    sums: np.ndarray = field(
        default_factory=lambda: np.zeros((0, len(MINUTE_SUMS)), dtype=np.int64)
    )
    startups: dict[int, Counter] = field(default_factory=dict)

    @classmethod
    def of_views(
        cls, views: Iterable[tuple[Sequence[tuple[str, str]], Sequence[tuple[int, Mapping]]]]
    ) -> MinuteTotals:
        """Sum the contributions of views, each given as (its (dimension, value) pairs, its
        (minute start ms, contribution) list): every contribution counts once under each pair,
        exactly as view_minute_contributions spreads it."""
        codes: dict[tuple[str, str], int] = {}
        view_codes: list[list[int]] = []
        minutes: list[int] = []
        owners: list[int] = []  # the view of each (view, minute) row
        rows: list[tuple[Any, ...]] = []
        startups: list[tuple[int, int, Mapping[Any, int]]] = []
        for view, (pairs, contributions) in enumerate(views):
            view_codes.append([codes.setdefault(pair, len(codes)) for pair in pairs])
            for minute_ms, contribution in contributions:
                minutes.append(minute_ms)
                owners.append(view)
                rows.append(_sums_of(contribution))
                if contribution.get("startup_times_ms"):
                    startups.append((minute_ms, view, contribution["startup_times_ms"]))
        if not rows:
            return cls()
        width = max(len(c) for c in view_codes)
        if any(len(c) != width for c in view_codes):
            raise ValueError("every view needs the same number of (dimension, value) pairs")
        # one row per (view minute, pair): the view minute's sums under each of its pairs
        per_view = np.array(view_codes, dtype=np.int64)
        pair_code = per_view[np.array(owners, dtype=np.int64)].reshape(-1)
        minute = np.repeat(np.array(minutes, dtype=object), width)
        matrix = np.repeat(_sum_matrix(rows), width, axis=0)
        names = list(codes)
        order = np.lexsort((pair_code, np.array(minutes, dtype=np.int64).repeat(width)))
        totals = cls._reduce(order, minute, pair_code, matrix, names)
        index = {key: i for i, key in enumerate(totals.keys)}
        for minute_ms, view, times in startups:
            for code in view_codes[view]:
                key = (minute_ms, *names[code])
                totals.startups.setdefault(index[key], Counter()).update(times)
        return totals

    @classmethod
    def merge(cls, parts: Iterable[MinuteTotals]) -> MinuteTotals:
        """One MinuteTotals holding the sums of all `parts`."""
        parts = [part for part in parts if part.keys]
        if not parts:
            return cls()
        index: dict[MinuteKey, int] = {}
        keys = [key for part in parts for key in part.keys]
        group = np.fromiter(
            (index.setdefault(key, len(index)) for key in keys), dtype=np.int64, count=len(keys)
        )
        matrix = np.concatenate([part.sums for part in parts])
        order = np.argsort(group, kind="stable")
        starts = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1]])
        sums = np.add.reduceat(matrix[order], starts, axis=0)
        totals = cls(keys=list(index), sums=sums)
        for part in parts:
            for i, times in part.startups.items():
                totals.startups.setdefault(index[part.keys[i]], Counter()).update(times)
        return totals

    @classmethod
    def _reduce(
        cls,
        order: np.ndarray,
        minute: np.ndarray,
        pair_code: np.ndarray,
        matrix: np.ndarray,
        names: list[tuple[str, str]],
    ) -> MinuteTotals:
        """Sum the rows of `matrix` sharing (minute, pair code), `order` sorting by that key."""
        m, c = minute[order], pair_code[order]
        new = np.r_[True, (m[1:] != m[:-1]) | (c[1:] != c[:-1])]
        starts = np.flatnonzero(new)
        sums = np.add.reduceat(matrix[order], starts, axis=0)
        keys = [(k, *names[code]) for k, code in zip(m[starts], c[starts].tolist(), strict=True)]
        return cls(keys=keys, sums=sums)

    def accumulators(self) -> Iterator[tuple[MinuteKey, dict[str, Any]]]:
        """(key, accumulator) per key, the accumulator as new_minute_accumulator makes it."""
        rows = self.sums.tolist()
        for i, (key, row) in enumerate(zip(self.keys, rows, strict=True)):
            acc = dict(zip(MINUTE_SUMS, row, strict=True))
            acc["startup_times_ms"] = self.startups.get(i, Counter())
            yield key, acc


_MINUTE_SUMS_OF = operator.itemgetter(*MINUTE_SUMS)


def _sums_of(contribution: Mapping[str, Any]) -> tuple[Any, ...]:
    """The MINUTE_SUMS of a contribution, in order (a missing sum is 0)."""
    try:
        return _MINUTE_SUMS_OF(contribution)
    except KeyError:
        return tuple(contribution.get(n, 0) for n in MINUTE_SUMS)


def _sum_matrix(rows: list[tuple[Any, ...]]) -> np.ndarray:
    """The contributions' sums as a matrix: int64 when every value is an integer (or a bool, which
    adds as one) that fits, else objects (exact Python arithmetic, as add_minute_delta does)."""
    try:
        matrix = np.array(rows)
    except (OverflowError, ValueError):
        return np.array(rows, dtype=object)
    if matrix.dtype.kind in "ib" and matrix.ndim == 2:
        return matrix.astype(np.int64, copy=False)
    return np.array(rows, dtype=object)


def qoe_minute_record(
    *,
    window_start_ms: int,
    dimension: str,
    dimension_value: str,
    acc: Mapping[str, Any],
    is_final: bool,
    version: int,
    updated_at: str,
) -> dict[str, Any]:
    """Build one qoe_minute.v1 record from a minute's accumulator."""
    sums = {n: max(int(acc[n]), 0) for n in MINUTE_SUMS}
    startups = acc["startup_times_ms"]
    return {
        "schema_version": QOE_MINUTE_SCHEMA_VERSION,
        "window_start": rfc3339_from_float_epoch_ms(window_start_ms),
        "window_end": rfc3339_from_float_epoch_ms(window_start_ms + MINUTE_MS),
        "dimension": dimension,
        "dimension_value": dimension_value,
        **sums,
        "startup_time_p50_ms": percentile_of_counts(startups, 50),
        "startup_time_p95_ms": percentile_of_counts(startups, 95),
        "rebuffer_ratio": ratio(
            sums["rebuffer_duration_ms"], sums["playing_time_ms"] + sums["rebuffer_duration_ms"]
        ),
        "video_start_failure_rate": (
            min(ratio(sums["video_start_failures"], sums["play_attempts"]), 1.0)
            if sums["play_attempts"]
            else None
        ),
        "is_final": is_final,
        "version": version,
        "updated_at": updated_at,
    }


__all__ = [
    "DIMENSION_VALUE_MAX_CHARS",
    "MINUTE_DIMENSIONS",
    "MINUTE_SUMS",
    "QOE_MINUTE_SCHEMA_VERSION",
    "UNKNOWN",
    "MinuteKey",
    "MinuteTotals",
    "add_minute_delta",
    "dimension_values",
    "merge_minute_accumulators",
    "new_minute_accumulator",
    "qoe_minute_record",
    "subtract_contributions",
]
