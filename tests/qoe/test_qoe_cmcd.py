"""CMCD v2 event reports map onto the same timeline as beacons and give the same figures."""

from __future__ import annotations

from typing import Any

import pytest

from streamqoe.contracts.registry import violations
from streamqoe.qoe.cmcd import build_timeline_from_cmcd, compute_view_from_cmcd, events_from_cmcd
from streamqoe.qoe.views import compute_view

T0 = 1_795_550_400_000
SID = "6e2fb550-c457-11e9-bb97-0800200c9a66"
BEACON_BASE = {
    "schema_version": "1.0",
    "view_id": SID,
    "viewer_id": "viewer-1",
    "session_id": "session-1",
    "content_id": "content-1",
    "stream_type": "vod",
}
R540 = {"bitrate_kbps": 1600, "rendition": {"height": 540}}
R720 = {"bitrate_kbps": 3200, "rendition": {"height": 720}}
METRICS = (
    "video_startup_time_ms",
    "first_frame_at",
    "started_at",
    "ended_at",
    "close_reason",
    "rebuffer_count",
    "rebuffer_duration_ms",
    "seek_count",
    "seek_buffering_duration_ms",
    "rebuffer_ratio",
    "playing_time_ms",
    "avg_bitrate_kbps",
    "bitrate_switch_count",
    "bitrate_switch_up_count",
    "bitrate_switch_down_count",
    "exit_before_video_start",
    "video_start_failure",
    "video_playback_failure",
    "error_code",
    "startup_score",
    "smoothness_score",
    "quality_score",
    "content_id",
    "stream_type",
)


def beacon(steps: list[tuple[int, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [
        {**BEACON_BASE, "event_type": kind, "client_ts_ms": T0 + t, "sequence_number": i, **extra}
        for i, (t, kind, extra) in enumerate(steps)
    ]


def cmcd(steps: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    """CMCD v2 event reports as the decoder produces them (cmcd.v1 keys), numbered by sn."""
    return [
        {"v": 2, "sid": SID, "cid": "content-1", "st": "v", "ts": T0 + t, "sn": i, **keys}
        for i, (t, keys) in enumerate(steps)
    ]


# One view told twice: beacon events and the CMCD reports an hls.js CMCD v2 reporter would send
# for it (no seek_end or rebuffer_end reports: sta=p carries those transitions).
EQUIVALENT_VIEWS = [
    (
        "startup, switch up, rebuffer, pause, seek, exit",
        beacon(
            [
                (0, "play_request", {}),
                (1200, "playing", R540),
                (11200, "bitrate_change", R720),
                (15000, "rebuffer_start", {}),
                (17500, "rebuffer_end", {}),
                (17500, "playing", R720),
                (21200, "heartbeat", R720),
                (25000, "pause", {}),
                (40000, "resume", {}),
                (45000, "seek_start", {}),
                (46000, "seek_end", {}),
                (46000, "playing", R540),
                (56000, "exit", {}),
            ]
        ),
        cmcd(
            [
                (0, {"e": "ps", "sta": "s"}),
                (1200, {"e": "ps", "sta": "p", "br": 1600, "msd": 1200}),
                (11200, {"e": "bc", "br": 3200}),
                (15000, {"e": "ps", "sta": "r", "br": 3200}),
                (17500, {"e": "ps", "sta": "p", "br": 3200}),
                (21200, {"e": "t", "br": 3200}),
                (25000, {"e": "ps", "sta": "a", "br": 3200}),
                (40000, {"e": "ps", "sta": "p", "br": 3200}),
                (45000, {"e": "ps", "sta": "k", "br": 3200}),
                (46000, {"e": "ps", "sta": "p", "br": 1600}),
                (56000, {"e": "ps", "sta": "q"}),
            ]
        ),
    ),
    (
        "playback failure",
        beacon(
            [
                (0, "play_request", {}),
                (900, "playing", R540),
                (30900, "error", {"error_fatal": True, "error_code": "MEDIA_ERR_NETWORK"}),
            ]
        ),
        cmcd(
            [
                (0, {"e": "ps", "sta": "s"}),
                (900, {"e": "ps", "sta": "p", "br": 1600}),
                (30900, {"e": "e", "sta": "f", "ec": "MEDIA_ERR_NETWORK"}),
            ]
        ),
    ),
    (
        "exit before video start, preloading excluded",
        beacon([(0, "play_request", {}), (10000, "heartbeat", {}), (14000, "exit", {})]),
        cmcd(
            [
                (-60000, {"e": "ps", "sta": "d"}),
                (0, {"e": "ps", "sta": "s"}),
                (10000, {"e": "t", "sta": "s"}),
                (14000, {"e": "ps", "sta": "q"}),
            ]
        ),
    ),
]


@pytest.mark.parametrize(
    ("events", "reports"), [pytest.param(e, r, id=name) for name, e, r in EQUIVALENT_VIEWS]
)
def test_cmcd_view_has_the_beacon_view_figures(events, reports) -> None:
    from_beacon = compute_view(events, closed=True)
    from_cmcd = compute_view_from_cmcd(reports, closed=True)
    assert {k: from_cmcd[k] for k in METRICS} == {k: from_beacon[k] for k in METRICS}
    assert (from_cmcd["source"], from_cmcd["view_id"]) == ("cmcd", SID)


def test_the_equivalent_views_are_not_trivial() -> None:
    # guard for the test above: the first view exercises every state
    record = compute_view_from_cmcd(EQUIVALENT_VIEWS[0][2], closed=True)
    assert {
        k: record[k]
        for k in ("rebuffer_count", "rebuffer_duration_ms", "seek_count", "playing_time_ms")
    } == {
        "rebuffer_count": 1,
        "rebuffer_duration_ms": 2500,
        "seek_count": 1,
        # 1200-15000, 17500-25000, 40000-45000, 46000-56000
        "playing_time_ms": 13800 + 7500 + 5000 + 10000,
    }


def test_cmcd_record_satisfies_the_view_contract() -> None:
    record = compute_view_from_cmcd(EQUIVALENT_VIEWS[0][2], closed=True)
    full = {
        **record,
        "is_final": True,
        "version": 0,
        "updated_at": "2026-11-24T21:00:00Z",
        "pop": None,
    }
    assert violations("view", full) == []
    assert (record["viewer_id"], record["session_id"], record["dropped_frame_ratio"]) == (
        None,
        None,
        None,
    )


def test_duplicate_and_shuffled_reports_give_the_same_view() -> None:
    reports = EQUIVALENT_VIEWS[0][2]
    noisy = list(reversed(reports)) + reports[3:6]
    assert compute_view_from_cmcd(noisy, closed=True) == compute_view_from_cmcd(
        reports, closed=True
    )


def test_report_records_are_unwrapped_and_non_event_modes_skipped() -> None:
    keys = cmcd([(0, {"e": "ps", "sta": "s"}), (1000, {"e": "ps", "sta": "p", "br": 800})])
    wrapped = [{"report_mode": "event", "cmcd": k} for k in keys]
    request = {"report_mode": "request", "cmcd": {"sid": SID, "ts": T0 + 500, "br": 6000}}
    events = events_from_cmcd([*wrapped, request])
    assert [(e["event_type"], e["client_ts_ms"] - T0, e["bitrate_kbps"]) for e in events] == [
        ("play_request", 0, None),
        ("playing", 1000, 800),
    ]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"sta": "w"}, ("pause", None, None)),
        ({"e": "bc", "br": 800, "pb": 1200}, ("bitrate_change", 1200, None)),
        ({"e": "e", "ec": "W1"}, ("error", None, False)),
        ({"e": "e", "sta": "f", "ec": "F1"}, ("error", None, True)),
        ({"e": "t"}, ("heartbeat", None, None)),
        ({"e": "m"}, ("heartbeat", None, None)),
    ],
)
def test_report_mapping(keys, expected) -> None:
    (event,) = events_from_cmcd(cmcd([(0, keys)]))
    assert (event["event_type"], event["bitrate_kbps"], event["error_fatal"]) == expected


def test_reports_without_ts_or_sn_are_handled() -> None:
    reports = cmcd([(0, {"sta": "s"}), (1000, {"sta": "p", "br": 800})])
    no_ts = {"sid": SID, "sta": "q"}
    no_sn = {k: v for k, v in reports[1].items() if k != "sn"}
    events = events_from_cmcd([reports[0], no_sn, dict(no_sn), no_ts])
    assert [e["event_type"] for e in events] == ["play_request", "playing"]


def test_top_bitrate_from_tb_sets_the_quality_scale() -> None:
    reports = cmcd(
        [
            (0, {"sta": "s", "tb": 6400}),
            (1000, {"sta": "p", "br": 1600}),
            (11000, {"sta": "q"}),
        ]
    )
    assert build_timeline_from_cmcd(reports).top_bitrate_kbps == 6400
    assert compute_view_from_cmcd(reports, closed=True)["quality_score"] == 25.0


def test_no_usable_report_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one event"):
        compute_view_from_cmcd([{"sid": SID, "sta": "d", "ts": T0}], closed=True)
