"""Pure helpers behind the pipelines' aggregates: per-minute QoE sums, CDN PoP sums, transcode jobs.

No Beam import, no clock, no I/O: the composites in pipelines/transforms/ call these. The per-view
QoE figures and each view's per-minute contributions come from streamqoe/qoe/view.py; this module only
adds them up (sum over sum, so every rollup stays exact) and builds the output records of
qoe_minute.v1, cdn_pop_minute.v1 and transcode_job.v1.

Left out: windowing and triggering (the composites decide which elements form a minute) and the
definitions of the per-view figures (docs/metrics.md, streamqoe/qoe/view.py).
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

SCHEMA_VERSION = "1.0"
UNKNOWN = "(unknown)"
MINUTE_MS = 60_000

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

CDN_SUMS = ("request_count", "bytes_sent", "cache_hit_count", "cache_miss_count", "error_count")


def rfc3339_ms(epoch_ms: int) -> str:
    """Format epoch milliseconds as an RFC 3339 UTC timestamp with millisecond precision."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch_ms(value: str | datetime) -> int:
    """Parse an RFC 3339 timestamp (or an aware datetime) into epoch milliseconds."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return round(value.timestamp() * 1000)


def minute_start_ms(at_ms: int) -> int:
    """Return the start of the UTC minute holding `at_ms`."""
    return at_ms - at_ms % MINUTE_MS


def percentile_of(values: Counter[float], q: float) -> float | None:
    """Return the q-th percentile (0-100, linear interpolation) of a multiset of values.

    Only positive counts are taken (a multiset that received retractions may hold zeros).
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


# --- qoe_minute ------------------------------------------------------------------------------


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
        "schema_version": SCHEMA_VERSION,
        "window_start": rfc3339_ms(window_start_ms),
        "window_end": rfc3339_ms(window_start_ms + MINUTE_MS),
        "dimension": dimension,
        "dimension_value": dimension_value,
        **sums,
        "startup_time_p50_ms": percentile_of(startups, 50),
        "startup_time_p95_ms": percentile_of(startups, 95),
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


# --- cdn_pop_minute --------------------------------------------------------------------------


def cdn_request_is_error(request: Mapping[str, Any]) -> bool:
    """True for status >= 500, status 0 (client abort) or cache_result error."""
    status = request.get("status")
    return status == 0 or (status or 0) >= 500 or request.get("cache_result") == "error"


def new_cdn_accumulator() -> dict[str, Any]:
    """Return an empty CDN PoP minute accumulator: sums and the time-to-first-byte samples."""
    return {**dict.fromkeys(CDN_SUMS, 0), "ttfb_ms": []}


def add_cdn_request(acc: dict[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
    """Add one cdn_request.v1 record to `acc` in place."""
    acc["request_count"] += 1
    acc["bytes_sent"] += request.get("bytes_sent") or 0
    cache = request.get("cache_result")
    acc["cache_hit_count"] += cache == "hit"
    acc["cache_miss_count"] += cache in ("miss", "refresh")
    acc["error_count"] += cdn_request_is_error(request)
    if request.get("ttfb_ms") is not None:
        acc["ttfb_ms"].append(float(request["ttfb_ms"]))
    return acc


def merge_cdn_accumulators(accs: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Merge CDN accumulators into a new one."""
    out = new_cdn_accumulator()
    for acc in accs:
        for name in CDN_SUMS:
            out[name] += acc[name]
        out["ttfb_ms"].extend(acc["ttfb_ms"])
    return out


def cdn_pop_minute_record(
    *,
    window_start_ms: int,
    cdn: str,
    pop: str,
    acc: Mapping[str, Any],
    is_final: bool,
    version: int,
    updated_at: str,
) -> dict[str, Any]:
    """Build one cdn_pop_minute.v1 record from a minute's accumulator."""
    ttfb = Counter(acc["ttfb_ms"])
    hits, misses = acc["cache_hit_count"], acc["cache_miss_count"]
    return {
        "schema_version": SCHEMA_VERSION,
        "window_start": rfc3339_ms(window_start_ms),
        "window_end": rfc3339_ms(window_start_ms + MINUTE_MS),
        "cdn": cdn,
        "pop": pop,
        **{n: int(acc[n]) for n in CDN_SUMS},
        "cache_hit_ratio": ratio(hits, hits + misses),
        "error_rate": ratio(acc["error_count"], acc["request_count"]),
        "ttfb_p50_ms": percentile_of(ttfb, 50),
        "ttfb_p95_ms": percentile_of(ttfb, 95),
        "is_final": is_final,
        "version": version,
        "updated_at": updated_at,
    }


# --- transcode_jobs --------------------------------------------------------------------------

_TERMINAL_STATES = ("complete", "error", "canceled", "stopped")
_OUTPUT_FIELDS = ("name", "width", "height", "bitrate_kbps", "codec", "duration_ms")


def transcode_event_identity(event: Mapping[str, Any]) -> tuple[str, ...]:
    """Return an event's identity: its event_id, else (job_id, provider_state, event_at)."""
    if event.get("event_id"):
        return ("id", str(event["event_id"]))
    return ("job", event["job_id"], str(event.get("provider_state")), str(event["event_at"]))


def _latest(events: list[Mapping[str, Any]], field: str) -> Any:
    for event in reversed(events):
        if event.get(field) is not None:
            return event[field]
    return None


def transcode_job_record(
    events: Iterable[Mapping[str, Any]], *, version: int, updated_at: str
) -> dict[str, Any]:
    """Build the transcode_job.v1 record of one job from its events (duplicates removed here).

    The state is the latest by event time (ties: the terminal state wins, then the later arrival);
    other fields take the latest non-null value reported.

    Raises:
        ValueError: no events.
    """
    unique: dict[tuple[str, ...], Mapping[str, Any]] = {}
    for event in events:
        unique.setdefault(transcode_event_identity(event), event)
    if not unique:
        raise ValueError("a transcode job needs at least one event")
    ordered = sorted(
        unique.values(),
        key=lambda e: (epoch_ms(e["event_at"]), e["state"] in _TERMINAL_STATES),
    )
    first, last = ordered[0], ordered[-1]
    submitted = _latest(ordered, "submitted_at")
    started = _latest(ordered, "started_at")
    finished = _latest(ordered, "finished_at")
    queue_ms = epoch_ms(started) - epoch_ms(submitted) if submitted and started else None
    processing_ms = epoch_ms(finished) - epoch_ms(started) if started and finished else None
    input_doc = _latest(ordered, "input") or {}
    input_ms = input_doc.get("duration_ms")
    outputs = _latest(ordered, "outputs") or []
    return {
        "schema_version": SCHEMA_VERSION,
        "provider": last["provider"],
        "job_id": last["job_id"],
        "state": last["state"],
        "content_id": _latest(ordered, "content_id"),
        "queue": _latest(ordered, "queue"),
        "region": _latest(ordered, "region"),
        "first_event_at": rfc3339_ms(epoch_ms(first["event_at"])),
        "last_event_at": rfc3339_ms(epoch_ms(last["event_at"])),
        "submitted_at": submitted,
        "started_at": started,
        "finished_at": finished,
        "queue_time_ms": max(queue_ms, 0) if queue_ms is not None else None,
        "processing_time_ms": max(processing_ms, 0) if processing_ms is not None else None,
        "input_duration_ms": input_ms,
        "realtime_factor": (
            input_ms / processing_ms if input_ms is not None and processing_ms else None
        ),
        "output_count": len(outputs) if outputs else None,
        "outputs": [{k: o.get(k) for k in _OUTPUT_FIELDS} for o in outputs],
        "error_code": _latest(ordered, "error_code") if last["state"] == "error" else None,
        "error_message": _latest(ordered, "error_message") if last["state"] == "error" else None,
        "event_count": len(unique),
        "version": version,
        "updated_at": updated_at,
    }


# --- viewer_sessions -------------------------------------------------------------------------


def latest_versions(views: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Keep the highest version of each view_id (ties: the later updated_at), ordered by start."""
    best: dict[str, Mapping[str, Any]] = {}
    for view in views:
        held = best.get(view["view_id"])
        if held is None or (view["version"], view["updated_at"]) > (
            held["version"],
            held["updated_at"],
        ):
            best[view["view_id"]] = view
    return sorted(best.values(), key=lambda v: (epoch_ms(v["started_at"]), v["view_id"]))


def viewer_session_record(
    views: Iterable[Mapping[str, Any]], *, is_final: bool, version: int, updated_at: str
) -> dict[str, Any]:
    """Build the viewer_session.v1 record of one viewer's session from its views' rows.

    Several versions of a view may be given; the latest of each counts once.

    Raises:
        ValueError: no views, or views of different viewers.
    """
    rows = latest_versions(views)
    if not rows:
        raise ValueError("a viewer session needs at least one view")
    viewers = {r["viewer_id"] for r in rows}
    if len(viewers) != 1:
        raise ValueError(f"views of several viewers: {sorted(map(str, viewers))}")
    start_ms = epoch_ms(rows[0]["started_at"])
    end_ms = max(epoch_ms(r.get("ended_at") or r["last_event_at"]) for r in rows)
    viewer_id = rows[0]["viewer_id"]
    return {
        "schema_version": SCHEMA_VERSION,
        "viewer_session_id": f"{viewer_id}:{start_ms}",
        "viewer_id": viewer_id,
        "started_at": rfc3339_ms(start_ms),
        "ended_at": rfc3339_ms(end_ms),
        "view_count": len(rows),
        "video_start_count": sum(r.get("first_frame_at") is not None for r in rows),
        "playing_time_ms": sum(r["playing_time_ms"] for r in rows),
        "rebuffer_duration_ms": sum(r["rebuffer_duration_ms"] for r in rows),
        "rebuffer_count": sum(r["rebuffer_count"] for r in rows),
        "failure_count": sum(
            bool(r["video_start_failure"] or r["video_playback_failure"]) for r in rows
        ),
        "exit_before_video_start_count": sum(bool(r["exit_before_video_start"]) for r in rows),
        "content_count": len({r.get("content_id") for r in rows if r.get("content_id")}),
        "is_final": is_final,
        "version": version,
        "updated_at": updated_at,
    }
