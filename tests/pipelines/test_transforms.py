"""One TestPipeline test per composite, with hand-written records and exact expected outputs.

Batch-shaped composites run on the FnApiRunner (the batch pipeline's runner); nothing here needs
streaming, which tests/pipelines/test_streaming_semantics.py covers with TestStream.
"""

from __future__ import annotations

from datetime import datetime

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from beam_fixtures import (
    FIXED_UPDATED_AT,
    T0_MS,
    beacon_line,
    cdn_request,
    create_stamped,
    fixed_clock,
    player_event,
    simple_view,
)

from pipelines.transforms.cdn import AggregateCdnPopMinute
from pipelines.transforms.dedupe import DedupeEvents, cdn_request_identity, cdn_request_time_ms
from pipelines.transforms.minutes import AggregateQoePerMinute
from pipelines.transforms.parse import ParseUnits, RawUnit
from pipelines.transforms.transcode import BuildTranscodeJobs
from pipelines.transforms.viewers import SessionizeViewers
from pipelines.transforms.views import ComputeViewQoe, SessionizeViews
from streamqoe.contracts.registry import violations
from streamqoe.qoe.state_machine import build_timeline
from streamqoe.qoe.views import view_record
from streamqoe.times import rfc3339_from_float_epoch_ms

RUNNER = "FnApiRunner"
GAP_S = 120.0
LATENESS_S = 7200.0


def event_pairs(events):
    """(event, event time in seconds) pairs."""
    return [(e, e["client_ts_ms"] / 1000) for e in events]


def unit(payload: bytes, fmt: str = "beacon", received_ms: int = T0_MS) -> RawUnit:
    return RawUnit(fmt, payload, "test:unit", "m-1", None, received_ms)


def test_parse_units_routes_records_and_dead_letters():
    events = simple_view("v1", T0_MS)
    bad_event = dict(events[0], sequence_number=-1)
    units = [unit(beacon_line(events)), unit(b'{"broken'), unit(beacon_line([bad_event]))]
    with TestPipeline(runner=RUNNER) as p:
        out = p | beam.Create(units) | ParseUnits()
        assert_that(out["player_event"], equal_to(events), label="Records")
        assert_that(
            out["dead_letter"] | beam.Map(lambda d: (d["stage"], d["error_class"])),
            equal_to([("decode", "JSONDecodeError"), ("validate", "ContractViolation")]),
            label="DeadLetters",
        )
        assert_that(out["cdn_request"], equal_to([]), label="NoCdn")


def test_parse_units_dead_letters_records_beyond_allowed_lateness():
    on_time = player_event("v1", 0, "play_request", T0_MS)
    late = player_event("v1", 1, "heartbeat", T0_MS - 3 * 3600 * 1000)
    units = [unit(beacon_line([on_time, late]), received_ms=T0_MS + 1000)]
    with TestPipeline(runner=RUNNER) as p:
        out = p | beam.Create(units) | ParseUnits(allowed_lateness_seconds=LATENESS_S)
        assert_that(out["player_event"], equal_to([on_time]), label="Kept")
        assert_that(
            out["dead_letter"] | beam.Map(lambda d: (d["stage"], d["error_class"], d["contract"])),
            equal_to([("late", "BeyondAllowedLateness", "player_event.v1")]),
            label="Late",
        )


def test_dedupe_events_keeps_one_copy_per_request_id():
    a = cdn_request("r1", T0_MS, "FRA56", "v1")
    b = cdn_request("r2", T0_MS + 500, "FRA56", "v1")
    with TestPipeline(runner=RUNNER) as p:
        out = create_stamped(p, "Requests", [(r, T0_MS / 1000) for r in (a, b, a, a)]) | (
            DedupeEvents(
                cdn_request_identity, cdn_request_time_ms, ttl_seconds=3600, name="cdn_request"
            )
        )
        assert_that(out, equal_to([a, b]))


def expected_view(events, *, pop=None, version, close_reason_closed=True):
    timeline = build_timeline(events, closed=close_reason_closed, inactivity_gap_ms=120_000)
    row = view_record(timeline, source="beacon")
    row.update(pop=pop, is_final=True, version=version, updated_at=FIXED_UPDATED_AT)
    return row


def test_sessionize_views_and_compute_view_qoe():
    v1 = simple_view("v1", T0_MS)  # 5 events, exit at +30 s
    v2 = simple_view("v2", T0_MS, exit_after_ms=None)  # 4 events, closed by inactivity
    requests = [
        cdn_request(f"r{i}", T0_MS + i * 1000, "FRA56" if i else "AMS1", "v1") for i in range(3)
    ]
    with TestPipeline(runner=RUNNER) as p:
        inputs = {
            "player_event": create_stamped(p, "Events", event_pairs(v1 + v1[:2] + v2)),
            "cmcd_report": create_stamped(p, "Reports", []),
            "cdn_request": create_stamped(p, "Requests", [(r, T0_MS / 1000) for r in requests]),
        }
        views = (
            inputs
            | SessionizeViews(GAP_S, LATENESS_S, early_firing_seconds=0)
            | ComputeViewQoe(GAP_S, fixed_clock)
        )
        # v1: 5 events + 2 duplicates + 3 requests = 10 elements, on-time pane -> 2 * 10 + 1.
        assert_that(
            views["views"],
            equal_to(
                [
                    expected_view(v1, pop="FRA56", version=21),
                    expected_view(v2, pop=None, version=9),
                ]
            ),
        )
    row = expected_view(v1, pop="FRA56", version=21)
    assert (row["playing_time_ms"], row["video_startup_time_ms"], row["close_reason"]) == (
        29_000,
        1000,
        "exit",
    )
    assert violations("view", row) == []


def test_aggregate_qoe_per_minute_sums_view_contributions():
    contribution = {
        "concurrent_plays": 1,
        "play_attempts": 1,
        "video_starts": 1,
        "playing_time_ms": 29_000,
        "rebuffer_duration_ms": 1_000,
        "rebuffer_count": 1,
        "video_start_failures": 0,
        "video_playback_failures": 0,
        "exits_before_video_start": 0,
        "startup_times_ms": {1000: 1},
    }
    second = dict(
        contribution, startup_times_ms={3000: 1}, rebuffer_duration_ms=0, rebuffer_count=0
    )
    minute = T0_MS
    final_a = {(minute, "all", "all"): contribution}
    final_b = {(minute, "all", "all"): second}
    # Bounded input: one pane per view (several versions of one view only occur in streaming,
    # covered by test_streaming_semantics.py and test_emit_minute_deltas_retracts_old_versions).
    elements = [
        (("a", (5, (T0_MS, T0_MS + 150_000), final_a)), T0_MS / 1000),
        (("b", (7, (T0_MS, T0_MS + 150_000), final_b)), T0_MS / 1000),
    ]
    with TestPipeline(runner=RUNNER) as p:
        rows = create_stamped(p, "Minutes", elements) | AggregateQoePerMinute(
            LATENESS_S, 0, fixed_clock
        )
        expected = {
            "schema_version": "1.0",
            "window_start": rfc3339_from_float_epoch_ms(minute),
            "window_end": rfc3339_from_float_epoch_ms(minute + 60_000),
            "dimension": "all",
            "dimension_value": "all",
            "concurrent_plays": 2,
            "play_attempts": 2,
            "video_starts": 2,
            "playing_time_ms": 58_000,
            "rebuffer_duration_ms": 1_000,
            "rebuffer_count": 1,
            "video_start_failures": 0,
            "video_playback_failures": 0,
            "exits_before_video_start": 0,
            "startup_time_p50_ms": 2000.0,
            "startup_time_p95_ms": 2900.0,
            "rebuffer_ratio": 1_000 / 59_000,
            "video_start_failure_rate": 0.0,
            "is_final": True,
            "version": 0,
            "updated_at": FIXED_UPDATED_AT,
        }
        assert_that(rows, equal_to([expected]))
    assert violations("qoe_minute", expected) == []


def test_aggregate_cdn_pop_minute():
    requests = [
        cdn_request("r1", T0_MS, "FRA56", None, ttfb_ms=10.0),
        cdn_request("r2", T0_MS + 1000, "FRA56", None, cache_result="miss", ttfb_ms=30.0),
        cdn_request(
            "r3", T0_MS + 2000, "FRA56", None, status=503, cache_result="error", bytes_sent=0
        ),
        cdn_request("r4", T0_MS + 61_000, "AMS1", None),
    ]
    with TestPipeline(runner=RUNNER) as p:
        pairs = [(r, (T0_MS + 1000 * i) / 1000) for i, r in enumerate(requests[:3])]
        pairs.append((requests[3], (T0_MS + 61_000) / 1000))
        rows = (
            create_stamped(p, "Requests", pairs)
            | AggregateCdnPopMinute(LATENESS_S, 0, fixed_clock)
            | beam.Map(
                lambda r: (
                    r["pop"],
                    r["window_start"],
                    r["request_count"],
                    r["bytes_sent"],
                    r["cache_hit_ratio"],
                    r["error_rate"],
                    r["ttfb_p50_ms"],
                    r["is_final"],
                )
            )
        )
        assert_that(
            rows,
            equal_to(
                [
                    ("FRA56", rfc3339_from_float_epoch_ms(T0_MS), 3, 2000, 0.5, 1 / 3, 10.0, True),
                    (
                        "AMS1",
                        rfc3339_from_float_epoch_ms(T0_MS + 60_000),
                        1,
                        1000,
                        1.0,
                        0.0,
                        10.0,
                        True,
                    ),
                ]
            ),
        )


def transcode_event(state: str, at: str, **extra):
    return {
        "schema_version": "1.0",
        "provider": "mediaconvert",
        "job_id": "job-1",
        "state": state,
        "event_at": at,
        **extra,
    }


def test_build_transcode_jobs_latest_state_and_times():
    events = [
        transcode_event(
            "submitted", "2025-01-15T10:00:00Z", event_id="e1", submitted_at="2025-01-15T10:00:00Z"
        ),
        transcode_event(
            "progressing",
            "2025-01-15T10:01:00Z",
            event_id="e2",
            started_at="2025-01-15T10:01:00Z",
            input={"duration_ms": 600_000},
        ),
        transcode_event(
            "complete",
            "2025-01-15T10:06:00Z",
            event_id="e3",
            finished_at="2025-01-15T10:06:00Z",
            outputs=[{"name": "720p", "height": 720, "bitrate_kbps": 3000}],
        ),
    ]
    pairs = [
        (e, datetime.fromisoformat(e["event_at"].replace("Z", "+00:00")).timestamp())
        for e in [*events, events[1]]
    ]
    with TestPipeline(runner=RUNNER) as p:
        rows = create_stamped(p, "Events", pairs) | BuildTranscodeJobs(
            86400, LATENESS_S, 0, fixed_clock
        )
        expected = {
            "schema_version": "1.0",
            "provider": "mediaconvert",
            "job_id": "job-1",
            "state": "complete",
            "content_id": None,
            "queue": None,
            "region": None,
            "first_event_at": "2025-01-15T10:00:00.000Z",
            "last_event_at": "2025-01-15T10:06:00.000Z",
            "submitted_at": "2025-01-15T10:00:00Z",
            "started_at": "2025-01-15T10:01:00Z",
            "finished_at": "2025-01-15T10:06:00Z",
            "queue_time_ms": 60_000,
            "processing_time_ms": 300_000,
            "input_duration_ms": 600_000,
            "realtime_factor": 2.0,
            "output_count": 1,
            "outputs": [
                {
                    "name": "720p",
                    "width": None,
                    "height": 720,
                    "bitrate_kbps": 3000,
                    "codec": None,
                    "duration_ms": None,
                }
            ],
            "error_code": None,
            "error_message": None,
            "event_count": 3,
            "version": 9,
            "updated_at": FIXED_UPDATED_AT,
        }
        assert_that(rows, equal_to([expected]))
    assert violations("transcode_job", expected) == []


def view_row(view_id: str, start_ms: int, end_ms: int, viewer: str = "viewer-1", **extra):
    return {
        "view_id": view_id,
        "viewer_id": viewer,
        "content_id": "c-1",
        "started_at": rfc3339_from_float_epoch_ms(start_ms),
        "ended_at": rfc3339_from_float_epoch_ms(end_ms),
        "last_event_at": rfc3339_from_float_epoch_ms(end_ms),
        "first_frame_at": rfc3339_from_float_epoch_ms(start_ms + 1000),
        "playing_time_ms": end_ms - start_ms - 1000,
        "rebuffer_duration_ms": 0,
        "rebuffer_count": 0,
        "video_start_failure": False,
        "video_playback_failure": False,
        "exit_before_video_start": False,
        "is_final": True,
        "version": 11,
        "updated_at": FIXED_UPDATED_AT,
        **extra,
    }


@pytest.mark.parametrize(
    ("second_start_min", "sessions"),
    [(60 + 29, 1), (60 + 31, 2)],
    ids=["29-min-gap-joins", "31-min-gap-splits"],
)
def test_sessionize_viewers_by_gap_after_view_end(second_start_min, sessions):
    minute = 60_000
    first = view_row("a", T0_MS, T0_MS + 60 * minute)  # a one-hour view
    second = view_row(
        "b", T0_MS + second_start_min * minute, T0_MS + (second_start_min + 5) * minute
    )
    not_final = view_row("c", T0_MS, T0_MS + minute, is_final=False)
    other = view_row("d", T0_MS, T0_MS + minute, viewer="viewer-2")
    elements = [(v, 0) for v in (first, second, not_final, other)]
    with TestPipeline(runner=RUNNER) as p:
        rows = (
            create_stamped(p, "Views", elements)
            | SessionizeViewers(1800, LATENESS_S, 0, fixed_clock)
            | beam.Map(lambda r: (r["viewer_id"], r["view_count"], r["playing_time_ms"]))
        )
        expected = [("viewer-2", 1, minute - 1000)]
        if sessions == 1:
            expected.append(("viewer-1", 2, 60 * minute - 1000 + 5 * minute - 1000))
        else:
            expected += [("viewer-1", 1, 60 * minute - 1000), ("viewer-1", 1, 5 * minute - 1000)]
        assert_that(rows, equal_to(expected))


def test_emit_minute_deltas_retracts_old_versions():
    """The stateful step of the streaming path, fed a view's panes in order and out of order."""
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
    from apache_beam.testing.test_stream import TestStream

    from pipelines.transforms.minutes import EmitMinuteDeltasFn

    m0, m1 = T0_MS, T0_MS + 60_000
    v1 = {(m0, "pop", "(unknown)"): {"playing_time_ms": 50_000, "startup_times_ms": {900: 1}}}
    v2 = {
        (m0, "pop", "FRA56"): {"playing_time_ms": 59_000, "startup_times_ms": {900: 1}},
        (m1, "pop", "FRA56"): {"playing_time_ms": 10_000, "startup_times_ms": {}},
    }
    stream = (
        TestStream()
        .add_elements(
            [("a", (4, (m0, m1), v1)), ("a", (9, (m0, m1), v2)), ("a", (6, (m0, m1), v1))]
        )
        .advance_watermark_to_infinity()
    )
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    with TestPipeline(runner="BundleBasedDirectRunner", options=options) as p:
        deltas = (
            p
            | stream
            | beam.ParDo(EmitMinuteDeltasFn(expiry_seconds=60)).with_input_types(tuple[str, dict])
            | beam.MapTuple(lambda key, d: (key, d["playing_time_ms"], d["startup_times_ms"]))
        )
        assert_that(
            deltas,
            equal_to(
                [
                    (("pop", "(unknown)"), 50_000, {900: 1}),
                    (("pop", "(unknown)"), -50_000, {900: -1}),
                    (("pop", "FRA56"), 59_000, {900: 1}),
                    (("pop", "FRA56"), 10_000, {}),
                ]
            ),
        )


def _minute(playing_ms: int, starts: dict | None = None) -> dict:
    """A minute contribution: `playing_ms` of playing time, `starts` startup times, no other sum."""
    from streamqoe.qoe.minutes import MINUTE_SUMS

    sums = dict.fromkeys(MINUTE_SUMS, 0)
    return sums | {"playing_time_ms": playing_ms, "startup_times_ms": starts or {}}


def test_minute_deltas_of_a_growing_window_and_out_of_order_panes():
    from pipelines.transforms.minutes import minute_deltas

    held: dict = {}
    first = {(0, "all", "all"): _minute(20_000, {900: 1})}
    grown = {(0, "all", "all"): _minute(50_000, {900: 1}), (60_000, "all", "all"): _minute(5_000)}
    assert minute_deltas(held, 4, (0, 140_000), first) == first
    # the window grew (a later item): only the difference
    assert minute_deltas(held, 8, (0, 185_000), grown) == {
        (0, "all", "all"): _minute(30_000),
        (60_000, "all", "all"): _minute(5_000),
    }
    assert held == {(0, 185_000): (8, grown)}
    # delivered late: an older pane of the same window, and a pane of the smaller window
    assert minute_deltas(held, 6, (0, 185_000), first) is None
    assert minute_deltas(held, 5, (0, 140_000), first) is None
    # an on-time pane with the same figures as the early one changes nothing
    assert minute_deltas(held, 9, (0, 185_000), grown) == {}
    assert held == {(0, 185_000): (9, grown)}


def test_minute_deltas_count_both_stretches_of_a_paused_view_and_merge_them():
    """A view paused longer than the gap is two session windows: both count (as in batch, where
    each is its own pane), and a pane of the window that merged them replaces both."""
    from pipelines.transforms.minutes import minute_deltas

    held: dict = {}
    a = {(0, "all", "all"): _minute(20_000, {900: 1})}
    b = {(300_000, "all", "all"): _minute(15_000)}
    merged = {
        (0, "all", "all"): _minute(60_000, {900: 1}),
        (300_000, "all", "all"): _minute(20_000),
    }
    assert minute_deltas(held, 9, (0, 140_000), a) == a
    # the second stretch has fewer items (a lower version) and still counts
    assert minute_deltas(held, 5, (300_000, 440_000), b) == b
    assert minute_deltas(held, 21, (0, 440_000), merged) == {
        (0, "all", "all"): _minute(40_000),
        (300_000, "all", "all"): _minute(5_000),
    }
    assert held == {(0, 440_000): (21, merged)}
    # a pane of the second stretch emitted before the merge, delivered after it
    assert minute_deltas(held, 7, (300_000, 440_000), b) is None


@pytest.mark.parametrize(
    ("times_s", "sessions"),
    [
        ([0, 10, 20], [[0, 10, 20]]),
        ([0, 119, 238], [[0, 119, 238]]),  # each gap below 120 s: one session
        ([0, 120], [[0], [120]]),  # a gap of exactly the session gap splits (Sessions semantics)
        ([200, 0, 10], [[0, 10], [200]]),  # out of order input
    ],
)
def test_split_sessions_matches_session_windows(times_s, sessions):
    from pipelines.transforms.views import EVENT, split_sessions

    items = [(EVENT, {"client_ts_ms": t * 1000}) for t in times_s]
    split = split_sessions(items, gap_ms=120_000)
    assert [[v["client_ts_ms"] // 1000 for _, v in s] for s in split] == sessions
