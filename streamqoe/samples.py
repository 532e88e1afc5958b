"""A small, fixed set of events of every family, for smoke runs of the platform.

One VOD view with startup, a rebuffer, a bitrate switch and an exit; the CDN requests that view made
(CMCD sid = view_id); one MediaConvert-style job's state changes; and two bad messages (not JSON,
and a contract violation) so every run shows the dead-letter path. The traffic simulator
(streamqoe.simulator) produces realistic volumes; this module only proves the plumbing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

SAMPLE_START = datetime(2026, 11, 24, 20, 0, 0, tzinfo=UTC)
VIEW_ID = "5f0c6c1e-8a51-4d0e-9a3f-1d2b7c9e0a11"


def _ms(offset_ms: int) -> int:
    return int(SAMPLE_START.timestamp() * 1000) + offset_ms


def player_events() -> list[dict[str, Any]]:
    """One view's beacon events, in sequence order."""
    base = {
        "schema_version": "1.0",
        "view_id": VIEW_ID,
        "viewer_id": "vw_3f9a0c",
        "session_id": "ss_77e1",
        "content_id": "vod-0042",
        "content_title": "Northern Lights",
        "stream_type": "vod",
        "player_name": "hls.js",
        "player_version": "1.6.2",
        "device_type": "desktop",
        "os_name": "macOS",
        "browser_name": "Chrome",
        "cdn": "cloudfront",
        "country": "DE",
    }
    timeline: list[tuple[int, str, dict[str, Any]]] = [
        (0, "play_request", {"playhead_ms": 0}),
        (
            1180,
            "playing",
            {
                "playhead_ms": 0,
                "bitrate_kbps": 1600,
                "startup_ms": 1180,
                "rendition": {"width": 960, "height": 540, "codec": "avc1.4d401f", "fps": 30.0},
            },
        ),
        (
            11180,
            "heartbeat",
            {
                "playhead_ms": 10000,
                "buffer_length_ms": 12400,
                "bitrate_kbps": 1600,
                "throughput_kbps": 5200,
            },
        ),
        (
            14000,
            "bitrate_change",
            {
                "playhead_ms": 12820,
                "bitrate_kbps": 3200,
                "rendition": {"width": 1280, "height": 720, "codec": "avc1.64001f", "fps": 30.0},
            },
        ),
        (
            21180,
            "heartbeat",
            {
                "playhead_ms": 20000,
                "buffer_length_ms": 3100,
                "bitrate_kbps": 3200,
                "throughput_kbps": 2100,
            },
        ),
        (24300, "rebuffer_start", {"playhead_ms": 23120, "buffer_length_ms": 0}),
        (25950, "rebuffer_end", {"playhead_ms": 23120, "buffer_length_ms": 4000}),
        (
            31180,
            "heartbeat",
            {
                "playhead_ms": 28350,
                "buffer_length_ms": 9000,
                "bitrate_kbps": 3200,
                "dropped_frames": 3,
                "decoded_frames": 850,
            },
        ),
        (33000, "exit", {"playhead_ms": 30170}),
    ]
    return [
        {**base, "event_type": kind, "client_ts_ms": _ms(offset), "sequence_number": i, **extra}
        for i, (offset, kind, extra) in enumerate(timeline)
    ]


def cdn_requests() -> list[dict[str, Any]]:
    """The view's manifest and segment requests as normalized CDN records."""
    out = []
    for i, (path, ot, br, status, result) in enumerate(
        [
            ("/vod-0042/master.m3u8", "m", None, 200, "hit"),
            ("/vod-0042/540p/seg_00001.m4s", "v", 1600, 200, "hit"),
            ("/vod-0042/720p/seg_00004.m4s", "v", 3200, 200, "miss"),
            ("/vod-0042/720p/seg_00005.m4s", "v", 3200, 0, "error"),
        ]
    ):
        out.append(
            {
                "schema_version": "1.0",
                "cdn": "cloudfront",
                "log_format": "cloudfront_standard",
                "request_id": f"sample-req-{i}",
                "request_at": (SAMPLE_START + timedelta(seconds=1 + 4 * i)).isoformat(),
                "distribution": "E2SAMPLE0DIST",
                "pop": "FRA56-P1",
                "client_ip": "203.0.113.0",
                "method": "GET",
                "protocol": "https",
                "http_version": "HTTP/2.0",
                "host": "d111111abcdef8.cloudfront.net",
                "path": path,
                "status": status,
                "bytes_sent": 0 if status == 0 else 812_345,
                "time_taken_ms": 84.0,
                "ttfb_ms": 12.0,
                "cache_result": result,
                "cache_detail": {"hit": "Hit", "miss": "Miss", "error": "Error"}[result],
                "cmcd": {
                    "sid": VIEW_ID,
                    "cid": "vod-0042",
                    "ot": ot,
                    "br": br,
                    "sf": "h",
                    "st": "v",
                    "v": 1,
                },
            }
        )
    return out


def transcode_events() -> list[dict[str, Any]]:
    """One job from submission to completion with a three-rung ladder."""
    base = {
        "schema_version": "1.0",
        "provider": "mediaconvert",
        "job_id": "1732473600000-abc123",
        "content_id": "vod-0042",
        "queue": "arn:aws:mediaconvert:eu-west-1:111122223333:queues/Default",
        "region": "eu-west-1",
        "account": "111122223333",
    }
    submitted = SAMPLE_START - timedelta(days=2)
    return [
        {
            **base,
            "event_id": "evt-1",
            "state": "progressing",
            "provider_state": "PROGRESSING",
            "event_at": (submitted + timedelta(seconds=20)).isoformat(),
            "submitted_at": submitted.isoformat(),
        },
        {
            **base,
            "event_id": "evt-2",
            "state": "complete",
            "provider_state": "COMPLETE",
            "event_at": (submitted + timedelta(seconds=380)).isoformat(),
            "submitted_at": submitted.isoformat(),
            "started_at": (submitted + timedelta(seconds=20)).isoformat(),
            "finished_at": (submitted + timedelta(seconds=380)).isoformat(),
            "outputs": [
                {
                    "name": "540p",
                    "width": 960,
                    "height": 540,
                    "bitrate_kbps": 1600,
                    "codec": "h264",
                    "duration_ms": 1_800_000,
                },
                {
                    "name": "720p",
                    "width": 1280,
                    "height": 720,
                    "bitrate_kbps": 3200,
                    "codec": "h264",
                    "duration_ms": 1_800_000,
                },
                {
                    "name": "1080p",
                    "width": 1920,
                    "height": 1080,
                    "bitrate_kbps": 6000,
                    "codec": "h264",
                    "duration_ms": 1_800_000,
                },
            ],
        },
    ]


def bad_messages() -> list[tuple[str, bytes]]:
    """(topic, payload) pairs that must dead-letter: not JSON, and a contract violation."""
    violation = dict(player_events()[0], event_type="teleport", sequence_number=-1)
    return [
        ("player-events", b'{"view_id": "truncated'),
        ("player-events", json.dumps(violation).encode()),
    ]
