"""cdn_pop_minute: delivery sums per CDN edge PoP and minute, from cdn_request records.

    cdn_request_is_error(request)       the error rule (5xx, status 0, cache_result error)
    new_cdn_accumulator, add_cdn_request, merge_cdn_accumulators   the minute's sums and TTFBs
    cdn_pop_minute_record(...)          one cdn_pop_minute.v1 record from an accumulator

Left out: keying, windowing and the PoP of a request without one (pipelines/transforms/cdn.py),
the join of CDN requests to views, and any I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from streamqoe.stats import percentile_of_counts, ratio
from streamqoe.times import MINUTE_MS, rfc3339_from_float_epoch_ms

CDN_POP_MINUTE_SCHEMA_VERSION = "1.0"
"""schema_version written on cdn_pop_minute records (schemas/cdn_pop_minute.v1.json)."""
CDN_SUMS = ("request_count", "bytes_sent", "cache_hit_count", "cache_miss_count", "error_count")


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
        "schema_version": CDN_POP_MINUTE_SCHEMA_VERSION,
        "window_start": rfc3339_from_float_epoch_ms(window_start_ms),
        "window_end": rfc3339_from_float_epoch_ms(window_start_ms + MINUTE_MS),
        "cdn": cdn,
        "pop": pop,
        **{n: int(acc[n]) for n in CDN_SUMS},
        "cache_hit_ratio": ratio(hits, hits + misses),
        "error_rate": ratio(acc["error_count"], acc["request_count"]),
        "ttfb_p50_ms": percentile_of_counts(ttfb, 50),
        "ttfb_p95_ms": percentile_of_counts(ttfb, 95),
        "is_final": is_final,
        "version": version,
        "updated_at": updated_at,
    }


__all__ = [
    "CDN_POP_MINUTE_SCHEMA_VERSION",
    "CDN_SUMS",
    "add_cdn_request",
    "cdn_pop_minute_record",
    "cdn_request_is_error",
    "merge_cdn_accumulators",
    "new_cdn_accumulator",
]
