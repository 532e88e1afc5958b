"""A small, hand-checkable warehouse for the dbt project, and a helper to run dbt in-process.

The dataset is streamqoe.samples (one view's events, its CDN requests, one transcode job's events)
plus hand-made rows of the pipelines' outputs whose mart figures can be worked out on paper:

| view     | date       | cdn / pop             | country, device        | content  | what it shows                      |
|----------|------------|-----------------------|------------------------|----------|------------------------------------|
| sample   | 2026-11-24 | cloudfront / FRA56-P1 | DE desktop Chrome      | vod-0042 | 1 rebuffer 1650 ms; 3 versions     |
| view-b   | 2026-11-24 | cloudfront / LHR50-C1 | GB mobile Safari       | vod-0042 | 2 rebuffers 4000 ms, all misses    |
| view-c   | 2026-11-24 | akamai / (none)       | US tv                  | live-7   | exit before video start            |
| view-d   | 2026-11-25 | cloudfront / FRA56-P1 | DE desktop Chrome      | vod-0042 | video start failure                |
| view-e   | 2026-11-24 | cloudfront / FRA56-P1 | DE desktop Chrome      | vod-0042 | clean, 60 s playing                |

Per-minute rows (qoe_minute, `qoe_minutes()`): FRA56-P1 at 20:01 in an early pane (version 0)
and an on-time pane (version 1, which fct_qoe_minute keeps), the same minute's total, and LHR50-C1 at
20:02 with neither playing nor rebuffering (a null ratio).

Every record is validated against its contract before it lands, so the fixture cannot drift from
schemas/ unnoticed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from streamqoe import samples
from streamqoe.contracts import validate
from streamqoe.warehouse.base import Warehouse

D1 = samples.SAMPLE_START  # 2026-11-24 20:00 UTC
D2 = D1 + timedelta(days=1)
LANDED_AT = D2 + timedelta(hours=6)
VIEW_A = samples.VIEW_ID


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def view(view_id: str, started: datetime, **fields: Any) -> dict[str, Any]:
    """A final view.v1 record with neutral defaults; `fields` override."""
    record: dict[str, Any] = {
        "schema_version": "1.0",
        "view_id": view_id,
        "source": "beacon",
        "session_id": f"ss-{view_id}",
        "viewer_id": "vw_3f9a0c",
        "content_id": "vod-0042",
        "content_title": "Northern Lights",
        "stream_type": "vod",
        "started_at": _iso(started),
        "first_frame_at": _iso(started + timedelta(milliseconds=1000)),
        "ended_at": _iso(started + timedelta(seconds=61)),
        "last_event_at": _iso(started + timedelta(seconds=61)),
        "close_reason": "exit",
        "event_count": 10,
        "video_startup_time_ms": 1000,
        "rebuffer_count": 0,
        "rebuffer_duration_ms": 0,
        "seek_count": 0,
        "seek_buffering_duration_ms": 0,
        "rebuffer_ratio": 0.0,
        "playing_time_ms": 60000,
        "avg_bitrate_kbps": 3200.0,
        "bitrate_switch_count": 0,
        "time_per_rendition": [{"bitrate_kbps": 3200, "height": 720, "playing_time_ms": 60000}],
        "exit_before_video_start": False,
        "video_start_failure": False,
        "video_playback_failure": False,
        "cdn": "cloudfront",
        "pop": "FRA56-P1",
        "country": "DE",
        "asn": 3320,
        "isp": "Deutsche Telekom",
        "device_type": "desktop",
        "os_name": "macOS",
        "browser_name": "Chrome",
        "player_name": "hls.js",
        "player_version": "1.6.2",
        "is_final": True,
        "version": 1,
        "updated_at": _iso(started + timedelta(seconds=90)),
    }
    record.update(fields)
    return record


def view_b(**overrides: Any) -> dict[str, Any]:
    """View b (a mobile view in GB with two rebuffers, on LHR50-C1), with `overrides`: the tests
    land later versions of it (another PoP, a higher version) to exercise incremental merges."""
    fields: dict[str, Any] = {
        "viewer_id": "vw_b",
        "video_startup_time_ms": 2000,
        "rebuffer_count": 2,
        "rebuffer_duration_ms": 4000,
        "rebuffer_ratio": 0.1,
        "playing_time_ms": 36000,
        "avg_bitrate_kbps": 1600.0,
        "time_per_rendition": [{"bitrate_kbps": 1600, "height": 540, "playing_time_ms": 36000}],
        "pop": "LHR50-C1",
        "country": "GB",
        "asn": 2856,
        "isp": "BT",
        "device_type": "mobile",
        "os_name": "iOS",
        "browser_name": "Safari",
        "player_name": "avplayer",
        "player_version": "17.1",
    }
    return view("view-b", D1 + timedelta(minutes=10), **(fields | overrides))


def views() -> list[dict[str, Any]]:
    """View rows as the pipeline lands them: early versions, final versions, one re-delivery."""
    a_final = view(
        VIEW_A,
        D1,
        first_frame_at=_iso(D1 + timedelta(milliseconds=1180)),
        ended_at=_iso(D1 + timedelta(seconds=33)),
        last_event_at=_iso(D1 + timedelta(seconds=33)),
        event_count=9,
        video_startup_time_ms=1180,
        rebuffer_count=1,
        rebuffer_duration_ms=1650,
        rebuffer_ratio=1650 / 31820,
        playing_time_ms=30170,
        avg_bitrate_kbps=76_032_000 / 30170,
        bitrate_switch_count=1,
        bitrate_switch_up_count=1,
        bitrate_switch_down_count=0,
        time_per_rendition=[
            {"bitrate_kbps": 1600, "height": 540, "playing_time_ms": 12820},
            {"bitrate_kbps": 3200, "height": 720, "playing_time_ms": 17350},
        ],
        dropped_frame_ratio=3 / 850,
        version=2,
    )
    a_early = {
        **a_final,
        "ended_at": None,
        "close_reason": None,
        "rebuffer_count": 0,
        "rebuffer_duration_ms": 0,
        "rebuffer_ratio": 0.0,
        "playing_time_ms": 10000,
        "is_final": False,
        "version": 0,
        "pop": None,
        "updated_at": _iso(D1 + timedelta(seconds=15)),
    }
    b = view_b()
    c = view(
        "view-c",
        D1 + timedelta(minutes=20),
        viewer_id="vw_c",
        content_id="live-7",
        content_title="Match Day",
        stream_type="live",
        first_frame_at=None,
        ended_at=_iso(D1 + timedelta(minutes=20, seconds=4)),
        last_event_at=_iso(D1 + timedelta(minutes=20, seconds=4)),
        video_startup_time_ms=None,
        rebuffer_ratio=None,
        playing_time_ms=0,
        avg_bitrate_kbps=None,
        time_per_rendition=[],
        exit_before_video_start=True,
        cdn="akamai",
        pop=None,
        country="US",
        asn=7922,
        isp="Comcast",
        device_type="tv",
        os_name="tvOS",
        browser_name=None,
        player_name="avplayer",
        player_version="17.1",
    )
    d = view(
        "view-d",
        D2 + timedelta(hours=1),
        first_frame_at=None,
        ended_at=_iso(D2 + timedelta(hours=1, seconds=8)),
        last_event_at=_iso(D2 + timedelta(hours=1, seconds=8)),
        close_reason="fatal_error",
        video_startup_time_ms=None,
        rebuffer_ratio=None,
        playing_time_ms=0,
        avg_bitrate_kbps=None,
        time_per_rendition=[],
        video_start_failure=True,
        error_code="MEDIA_ERR_NETWORK",
    )
    e = view(
        "view-e",
        D1 + timedelta(minutes=2),
        video_startup_time_ms=800,
        first_frame_at=_iso(D1 + timedelta(minutes=2, milliseconds=800)),
        time_per_rendition=[
            {"bitrate_kbps": 3200, "height": 720, "playing_time_ms": 20000},
            {"bitrate_kbps": 6000, "height": 1080, "playing_time_ms": 40000},
        ],
        avg_bitrate_kbps=(3200 * 20000 + 6000 * 40000) / 60000,
    )
    return [a_early, a_final, dict(a_final), b, c, d, e]


def viewer_sessions() -> list[dict[str, Any]]:
    def session(viewer: str, start: datetime, end: datetime, version: int, **f: Any) -> dict:
        record = {
            "schema_version": "1.0",
            "viewer_session_id": f"{viewer}:{int(start.timestamp() * 1000)}",
            "viewer_id": viewer,
            "started_at": _iso(start),
            "ended_at": _iso(end),
            "view_count": 1,
            "video_start_count": 1,
            "playing_time_ms": 0,
            "rebuffer_duration_ms": 0,
            "rebuffer_count": 0,
            "failure_count": 0,
            "exit_before_video_start_count": 0,
            "content_count": 1,
            "is_final": True,
            "version": version,
            "updated_at": _iso(end + timedelta(minutes=30)),
        }
        record.update(f)
        return record

    return [
        session(
            "vw_3f9a0c", D1, D1 + timedelta(seconds=33), 0, is_final=False, playing_time_ms=30170
        ),
        session(
            "vw_3f9a0c",
            D1,
            D1 + timedelta(minutes=3, seconds=1),
            1,
            view_count=2,
            video_start_count=2,
            playing_time_ms=90170,
            rebuffer_duration_ms=1650,
            rebuffer_count=1,
        ),
        session(
            "vw_b",
            D1 + timedelta(minutes=10),
            D1 + timedelta(minutes=11, seconds=1),
            0,
            playing_time_ms=36000,
            rebuffer_duration_ms=4000,
            rebuffer_count=2,
        ),
        session(
            "vw_c",
            D1 + timedelta(minutes=20),
            D1 + timedelta(minutes=20, seconds=4),
            0,
            video_start_count=0,
            exit_before_video_start_count=1,
        ),
        session(
            "vw_3f9a0c",
            D2 + timedelta(hours=1),
            D2 + timedelta(hours=1, seconds=8),
            0,
            video_start_count=0,
            failure_count=1,
        ),
    ]


def request(request_id: str, at: datetime, pop: str, sid: str | None, **f: Any) -> dict:
    record = {
        "schema_version": "1.0",
        "cdn": "cloudfront",
        "log_format": "cloudfront_standard",
        "request_id": request_id,
        "request_at": _iso(at),
        "pop": pop,
        "method": "GET",
        "path": "/vod-0042/540p/seg.m4s",
        "status": 200,
        "bytes_sent": 1_000_000,
        "time_taken_ms": 400.0,
        "ttfb_ms": 100.0,
        "cache_result": "miss",
        "cmcd": None if sid is None else {"sid": sid, "cid": "vod-0042", "ot": "v", "br": 1600},
    }
    record.update(f)
    return record


def cdn_requests() -> list[dict[str, Any]]:
    """The sample view's 4 requests (one delivered twice), view-b's 3, and 2 unattributed."""
    b_start = D1 + timedelta(minutes=10)
    b = [
        request("b-1", b_start + timedelta(seconds=1), "LHR50-C1", "view-b", ttfb_ms=150.0),
        request("b-2", b_start + timedelta(seconds=5), "LHR50-C1", "view-b", ttfb_ms=40.0),
        request(
            "b-3",
            b_start + timedelta(seconds=9),
            "LHR50-C1",
            "view-b",
            ttfb_ms=80.0,
            cmcd={"sid": "view-b", "cid": "vod-0042", "ot": "v", "br": 1600, "bs": True},
        ),
    ]
    no_cmcd = request("x-1", D1 + timedelta(minutes=30), "FRA56-P1", None, cache_result="hit")
    after_view = request("x-2", D1 + timedelta(hours=2), "FRA56-P1", VIEW_A, cache_result="hit")
    sample = samples.cdn_requests()
    return [*sample, sample[1], *b, no_cmcd, after_view]


def transcode_jobs() -> list[dict[str, Any]]:
    submitted = D1 - timedelta(days=2)
    ladder = [
        {k: v for k, v in o.items() if k != "uri"} for o in samples.transcode_events()[1]["outputs"]
    ]
    base = {
        "schema_version": "1.0",
        "provider": "mediaconvert",
        "job_id": "1732473600000-abc123",
        "content_id": "vod-0042",
        "queue": "Default",
        "region": "eu-west-1",
        "first_event_at": _iso(submitted + timedelta(seconds=20)),
        "submitted_at": _iso(submitted),
    }
    progressing = {
        **base,
        "state": "progressing",
        "last_event_at": _iso(submitted + timedelta(seconds=20)),
        "started_at": _iso(submitted + timedelta(seconds=20)),
        "queue_time_ms": 20000,
        "event_count": 1,
        "version": 0,
        "updated_at": _iso(submitted + timedelta(seconds=21)),
    }
    complete = {
        **progressing,
        "state": "complete",
        "last_event_at": _iso(submitted + timedelta(seconds=380)),
        "finished_at": _iso(submitted + timedelta(seconds=380)),
        "processing_time_ms": 360000,
        "input_duration_ms": 1_800_000,
        "realtime_factor": 5.0,
        "output_count": 3,
        "outputs": ladder,
        "event_count": 2,
        "version": 1,
        "updated_at": _iso(submitted + timedelta(seconds=381)),
    }
    failed = {
        "schema_version": "1.0",
        "provider": "transcoder",
        "job_id": "job-failed-1",
        "content_id": "vod-0099",
        "state": "error",
        "region": "europe-west4",
        "first_event_at": _iso(submitted + timedelta(hours=1)),
        "last_event_at": _iso(submitted + timedelta(hours=1, seconds=30)),
        "submitted_at": _iso(submitted + timedelta(hours=1)),
        "finished_at": _iso(submitted + timedelta(hours=1, seconds=30)),
        "error_code": "INVALID_INPUT",
        "error_message": "input has no video stream",
        "event_count": 2,
        "version": 1,
        "updated_at": _iso(submitted + timedelta(hours=1, seconds=31)),
    }
    return [progressing, complete, failed]


def qoe_minute(
    minute: int, dimension: str, value: str, playing_ms: int, rebuffer_ms: int, **fields: Any
) -> dict[str, Any]:
    """A qoe_minute.v1 pane of minute D1 + `minute` with neutral defaults; `fields` override."""
    start = D1 + timedelta(minutes=minute)
    record: dict[str, Any] = {
        "schema_version": "1.0",
        "window_start": _iso(start),
        "window_end": _iso(start + timedelta(minutes=1)),
        "dimension": dimension,
        "dimension_value": value,
        "concurrent_plays": 2,
        "play_attempts": 1,
        "video_starts": 1,
        "playing_time_ms": playing_ms,
        "rebuffer_duration_ms": rebuffer_ms,
        "rebuffer_count": 1 if rebuffer_ms else 0,
        "video_start_failures": 0,
        "video_playback_failures": 0,
        "exits_before_video_start": 0,
        "is_final": True,
        "version": 1,
        "updated_at": _iso(start + timedelta(minutes=2)),
    }
    return record | fields


def qoe_minutes() -> list[dict[str, Any]]:
    """The pipelines' per-minute panes (see the module docstring)."""
    return [
        qoe_minute(1, "pop", "FRA56-P1", 30_000, 10_000, version=0, is_final=False),
        qoe_minute(1, "pop", "FRA56-P1", 48_350, 1_650),
        qoe_minute(1, "all", "all", 48_350, 1_650),
        qoe_minute(2, "pop", "LHR50-C1", 0, 0, concurrent_plays=0, video_starts=0),
    ]


def dataset() -> dict[str, list[Mapping[str, Any]]]:
    """Contract name -> records of the whole dataset."""
    return {
        "player_event": samples.player_events(),
        "view": views(),
        "viewer_session": viewer_sessions(),
        "cdn_request": cdn_requests(),
        "transcode_event": samples.transcode_events(),
        "transcode_job": transcode_jobs(),
        "qoe_minute": qoe_minutes(),
    }


def land_dataset(warehouse: Warehouse, landed_at: datetime = LANDED_AT) -> None:
    """Create the contract tables and land the dataset, each record validated first."""
    warehouse.ensure_tables()
    for name, records in dataset().items():
        rows = [(validate(name, r), f"test:{name}:{i}") for i, r in enumerate(records)]
        warehouse.land(name, rows, ingested_at=landed_at)
