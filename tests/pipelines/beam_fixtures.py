"""Hand-written telemetry for the pipeline tests: a few views, CDN requests and transcode events.

Times are fixed (2025-01-15 10:00 UTC and after), so expected outputs are exact.
"""

from __future__ import annotations

import json
from typing import Any

T0_MS = 1_736_935_200_000  # 2025-01-15T10:00:00Z
FIXED_UPDATED_AT = "2025-01-15T12:00:00.000Z"


def fixed_clock() -> str:
    """A clock for updated_at that never moves."""
    return FIXED_UPDATED_AT


def player_event(
    view_id: str, seq: int, event_type: str, at_ms: int, **extra: Any
) -> dict[str, Any]:
    """A valid player_event.v1 record of viewer v-1 on content c-1 (desktop, cloudfront, FR)."""
    return {
        "schema_version": "1.0",
        "view_id": view_id,
        "viewer_id": extra.pop("viewer_id", "viewer-1"),
        "session_id": "s-1",
        "content_id": extra.pop("content_id", "c-1"),
        "stream_type": "vod",
        "event_type": event_type,
        "client_ts_ms": at_ms,
        "sequence_number": seq,
        "player_name": "hls.js",
        "device_type": "desktop",
        "cdn": "cloudfront",
        "country": "FR",
        **extra,
    }


def simple_view(view_id: str, start_ms: int, *, exit_after_ms: int | None = 30_000, **extra: Any):
    """play_request, playing after 1 s (2500 kbps), heartbeats every 10 s, exit (if given)."""
    events = [
        player_event(view_id, 0, "play_request", start_ms, **dict(extra)),
        player_event(view_id, 1, "playing", start_ms + 1000, bitrate_kbps=2500, **dict(extra)),
    ]
    seq = 2
    at = start_ms + 10_000
    end = start_ms + (exit_after_ms if exit_after_ms is not None else 30_000)
    while at < end:
        events.append(player_event(view_id, seq, "heartbeat", at, bitrate_kbps=2500, **dict(extra)))
        seq += 1
        at += 10_000
    if exit_after_ms is not None:
        events.append(player_event(view_id, seq, "exit", end, **dict(extra)))
    return events


def cdn_request(request_id: str, at_ms: int, pop: str, sid: str | None, **extra: Any):
    """A valid cdn_request.v1 record served by cloudfront at `pop`."""
    from streamqoe.times import rfc3339_from_float_epoch_ms

    record = {
        "schema_version": "1.0",
        "cdn": "cloudfront",
        "log_format": "cloudfront_realtime",
        "request_id": request_id,
        "request_at": rfc3339_from_float_epoch_ms(at_ms),
        "pop": pop,
        "method": "GET",
        "path": "/seg.ts",
        "status": extra.pop("status", 200),
        "bytes_sent": extra.pop("bytes_sent", 1000),
        "ttfb_ms": extra.pop("ttfb_ms", 10.0),
        "cache_result": extra.pop("cache_result", "hit"),
        "cmcd": {"sid": sid} if sid else None,
    }
    record.update(extra)
    return record


def beacon_line(events: list[dict[str, Any]]) -> bytes:
    """One beacon body (a JSON array) as the collector publishes it."""
    return json.dumps(events, separators=(",", ":")).encode()


def create_stamped(pipeline, label: str, pairs):
    """Create (element, timestamp seconds) pairs as a PCollection of timestamped elements."""
    import apache_beam as beam
    from apache_beam.transforms.window import TimestampedValue

    return (
        pipeline
        | f"Create{label}" >> beam.Create(list(pairs))
        | f"Stamp{label}" >> beam.MapTuple(lambda e, t: TimestampedValue(e, t))
    )
