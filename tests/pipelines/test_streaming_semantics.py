"""Streaming semantics with TestStream and explicit watermark steps (BundleBasedDirectRunner).

One view's telemetry arrives in Pub/Sub-shaped units: early panes while it is open, a final pane
when it closes, out-of-order and duplicate beacons that change nothing, a late beacon within the
allowed lateness that updates the view (late pane), and one beyond it that becomes a dead letter
of stage `late`. See docs/pipelines.md#streaming-semantics.

Every test runs on Beam's own runner internals and on the local runner's cheaper equivalents
(beam_local_runner.tuning), which must give the same panes.
"""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import GlobalWindows
from apache_beam.utils.windowed_value import PaneInfoTiming
from beam_fixtures import T0_MS, beacon_line, cdn_request, fixed_clock, player_event

from beam_local_runner.tuning import tune_local_runner
from pipelines.transforms.parse import ParseUnits, RawUnit
from pipelines.transforms.tables import BuildQoeTables, QoeSettings

RUNNER = "BundleBasedDirectRunner"
GAP_S = 120
LATENESS_S = 7200
EARLY_S = 30
T0_S = T0_MS // 1000


@pytest.fixture(autouse=True, params=["beam_internals", "tuned_internals"])
def runner_internals(request):
    """Run each test with Beam's runner internals and with the tuned ones; leave Beam's."""
    tune_local_runner(enabled=request.param == "tuned_internals")
    yield request.param
    tune_local_runner(enabled=False)


def streaming_pipeline() -> TestPipeline:
    options = PipelineOptions(runner=RUNNER)
    options.view_as(StandardOptions).streaming = True
    return TestPipeline(runner=RUNNER, options=options)


def unit(events, arrival_s: float, message_id: str) -> RawUnit:
    return RawUnit(
        "beacon", beacon_line(events), "pubsub:test", message_id, None, int(arrival_s * 1000)
    )


def ev(seq: int, kind: str, offset_s: float, **extra):
    return player_event("v1", seq, kind, T0_MS + int(offset_s * 1000), **extra)


def summary(row):
    return (
        row["view_id"],
        row["is_final"],
        row["version"],
        row["event_count"],
        row["close_reason"],
        row["playing_time_ms"],
    )


def test_early_final_out_of_order_duplicate_and_late_panes():
    start = [ev(0, "play_request", 0), ev(1, "playing", 1, bitrate_kbps=2500)]
    beat_10 = [ev(2, "heartbeat", 10, bitrate_kbps=2500)]
    beat_20 = [ev(3, "heartbeat", 20, bitrate_kbps=2500)]
    exit_30 = [ev(4, "exit", 30)]
    late_beat = [ev(5, "heartbeat", 25, bitrate_kbps=2500)]
    too_late = [player_event("v2", 0, "play_request", T0_MS)]
    stream = (
        TestStream()
        .advance_watermark_to(T0_S)
        .add_elements([unit(start, T0_S + 2, "m1")], event_timestamp=T0_S + 2)
        .advance_processing_time(EARLY_S + 1)  # early pane: open view, 2 events
        # seq 3 arrives before seq 2 (out of order), then a retried copy of the first beacon
        .add_elements([unit(beat_20, T0_S + 21, "m3")], event_timestamp=T0_S + 21)
        .add_elements([unit(beat_10, T0_S + 22, "m2")], event_timestamp=T0_S + 22)
        .add_elements([unit(start, T0_S + 23, "m1")], event_timestamp=T0_S + 23)
        .add_elements([unit(exit_30, T0_S + 31, "m4")], event_timestamp=T0_S + 31)
        .advance_processing_time(EARLY_S + 1)  # early pane: closed by exit, final
        .advance_watermark_to(T0_S + 30 + GAP_S + 1)  # on-time pane
        .add_elements([unit(late_beat, T0_S + 3600, "m5")], event_timestamp=T0_S + 3600)
        .add_elements([unit(too_late, T0_S + LATENESS_S + 60, "m6")], event_timestamp=T0_S + 3601)
        .advance_watermark_to_infinity()
    )
    settings = QoeSettings(
        view_gap_seconds=GAP_S,
        allowed_lateness_seconds=LATENESS_S,
        early_firing_seconds=EARLY_S,
        clock=fixed_clock,
    )
    with streaming_pipeline() as p:
        parsed = p | stream | ParseUnits(allowed_lateness_seconds=LATENESS_S)
        tables = parsed | BuildQoeTables(settings)
        views = tables["view"] | "GlobalViews" >> beam.WindowInto(GlobalWindows())
        assert_that(
            views | beam.Map(summary),
            equal_to(
                [
                    # early: open, 2 elements
                    ("v1", False, 4, 2, None, 0),
                    # early after the exit: 2 + 1 + 1 + 2 duplicates + 1 = 7 elements, final
                    ("v1", True, 14, 5, "exit", 29_000),
                    # on time (watermark past exit + gap): same figures, higher version
                    ("v1", True, 15, 5, "exit", 29_000),
                    # late pane within allowed lateness: a heartbeat after the exit changes no
                    # figure but is counted, and the version grows
                    ("v1", True, 17, 6, "exit", 29_000),
                ]
            ),
            label="Views",
        )
        assert_that(
            tables["dead_letter"] | beam.Map(lambda d: (d["stage"], d["message_id"])),
            equal_to([("late", "m6")]),
            label="DeadLetters",
        )
        assert_that(
            tables["player_event"] | beam.Map(lambda e: e["sequence_number"]),
            equal_to([0, 1, 3, 2, 0, 1, 4, 5]),
            label="RawEventsKeepDuplicates",
        )


def test_qoe_minute_early_then_final_without_double_counting():
    events = [ev(0, "play_request", 0), ev(1, "playing", 1, bitrate_kbps=2500)]
    more = [ev(2, "heartbeat", 10, bitrate_kbps=2500), ev(3, "exit", 30)]
    stream = (
        TestStream()
        .advance_watermark_to(T0_S)
        .add_elements([unit(events, T0_S + 2, "m1")], event_timestamp=T0_S + 2)
        .advance_processing_time(EARLY_S + 1)
        .add_elements([unit(more, T0_S + 31, "m2")], event_timestamp=T0_S + 31)
        .advance_processing_time(EARLY_S + 1)
        .advance_watermark_to_infinity()
    )
    settings = QoeSettings(
        view_gap_seconds=GAP_S,
        allowed_lateness_seconds=LATENESS_S,
        early_firing_seconds=EARLY_S,
        clock=fixed_clock,
    )
    with streaming_pipeline() as p:
        tables = p | stream | ParseUnits(LATENESS_S) | BuildQoeTables(settings)
        totals = (
            tables["qoe_minute"]
            | beam.Filter(lambda r: r["dimension"] == "all" and r["is_final"])
            | beam.WindowInto(GlobalWindows())
            | beam.Map(lambda r: (r["play_attempts"], r["video_starts"], r["playing_time_ms"]))
        )
        # The final pane holds the latest view version once: 1 attempt, 1 start, 29 s playing.
        assert_that(totals, equal_to([(1, 1, 29_000)]))


def test_cdn_request_duplicates_do_not_inflate_pop_minutes():
    request = cdn_request("r1", T0_MS, "FRA56", "v1")
    stream = (
        TestStream()
        .advance_watermark_to(T0_S)
        .add_elements([request, request], event_timestamp=T0_S)
        .advance_watermark_to_infinity()
    )
    settings = QoeSettings(
        allowed_lateness_seconds=LATENESS_S, early_firing_seconds=EARLY_S, clock=fixed_clock
    )
    with streaming_pipeline() as p:
        requests = p | stream
        empty = p | "NoRecords" >> beam.Create([])
        parsed = {
            "player_event": empty,
            "cmcd_report": p | "NoReports" >> beam.Create([]),
            "cdn_request": requests,
            "transcode_event": p | "NoJobs" >> beam.Create([]),
            "dead_letter": p | "NoLetters" >> beam.Create([]),
        }
        tables = parsed | BuildQoeTables(settings)
        assert_that(
            tables["cdn_pop_minute"]
            | beam.Map(lambda r: (r["pop"], r["request_count"], r["is_final"])),
            equal_to([("FRA56", 1, True)]),
            label="PopMinute",
        )
        assert_that(tables["cdn_request"], equal_to([request]), label="Landed")


def batch_minute_totals(events) -> dict[int, tuple[int, int, int]]:
    """minute start ms -> (play attempts, video starts, playing time ms) of the views `events`
    make in batch: split at the gap as Sessions(gap) merges (split_sessions), each session's
    minute sums from the pure QoE functions (minute_sums)."""
    from pipelines.transforms.views import EVENT, minute_sums, split_sessions, view_row

    totals: dict[int, list[int]] = {}
    for session in split_sessions([(EVENT, e) for e in events], GAP_S * 1000):
        _, timeline = view_row(
            session, timing=PaneInfoTiming.ON_TIME, gap_ms=GAP_S * 1000, clock=fixed_clock
        )
        for minute_ms, c in minute_sums(timeline):
            sums = totals.setdefault(minute_ms, [0, 0, 0])
            for i, name in enumerate(("play_attempts", "video_starts", "playing_time_ms")):
                sums[i] += c[name]
    return {minute: tuple(sums) for minute, sums in totals.items() if any(sums)}


def latest_minute_totals(rows) -> dict[int, tuple[int, int, int]]:
    """The same from streaming qoe_minute rows (dimension `all`): the latest pane of each minute."""
    from datetime import datetime

    latest: dict[int, dict] = {}
    for row in rows:
        if row["dimension"] != "all":
            continue
        minute = round(datetime.fromisoformat(row["window_start"]).timestamp() * 1000)
        if minute not in latest or row["version"] > latest[minute]["version"]:
            latest[minute] = row
    totals = {
        m: (r["play_attempts"], r["video_starts"], r["playing_time_ms"]) for m, r in latest.items()
    }
    return {minute: sums for minute, sums in totals.items() if any(sums)}


@pytest.mark.parametrize("bridged", [False, True], ids=["paused", "pause_bridged_late"])
def test_qoe_minute_of_a_view_paused_longer_than_the_gap_matches_batch(bridged):
    """A view whose telemetry stops for longer than the gap and resumes is two session windows,
    each with its own panes; the second has fewer items (a lower version). Both stretches count in
    the minutes, as in batch; when late beacons from the pause arrive (within the allowed
    lateness) and merge the two windows into one, the merged view replaces both."""
    first = [ev(0, "play_request", 0), ev(1, "playing", 1, bitrate_kbps=2500)]
    first += [ev(2, "heartbeat", 10, bitrate_kbps=2500), ev(3, "heartbeat", 20, bitrate_kbps=2500)]
    second = [ev(4, "heartbeat", 400, bitrate_kbps=2500), ev(5, "exit", 410)]
    pause = [ev(6 + i, "heartbeat", at, bitrate_kbps=2500) for i, at in enumerate((130, 250, 370))]
    stream = (
        TestStream()
        .advance_watermark_to(T0_S)
        .add_elements([unit(first, T0_S + 21, "m1")], event_timestamp=T0_S + 21)
        .advance_processing_time(EARLY_S + 1)  # early pane of the first stretch
        .advance_watermark_to(T0_S + 20 + GAP_S + 1)  # the first stretch closes (gap)
        .add_elements([unit(second, T0_S + 411, "m2")], event_timestamp=T0_S + 411)
        .advance_processing_time(EARLY_S + 1)  # early pane of the second stretch
        .advance_watermark_to(T0_S + 410 + GAP_S + 1)  # the second one closes
    )
    if bridged:
        stream = stream.add_elements([unit(pause, T0_S + 600, "m3")], event_timestamp=T0_S + 600)
    stream = stream.advance_watermark_to_infinity()
    settings = QoeSettings(
        view_gap_seconds=GAP_S,
        allowed_lateness_seconds=LATENESS_S,
        early_firing_seconds=EARLY_S,
        clock=fixed_clock,
    )
    events = [e for unit_events in (first, second, pause if bridged else []) for e in unit_events]
    expected = batch_minute_totals(events)
    assert len(expected) >= (3 if bridged else 2)  # the minutes of both stretches

    def check(rows):
        assert latest_minute_totals(rows) == expected

    with streaming_pipeline() as p:
        tables = p | stream | ParseUnits(LATENESS_S) | BuildQoeTables(settings)
        minutes = tables["qoe_minute"] | "GlobalMinutes" >> beam.WindowInto(GlobalWindows())
        assert_that(minutes, check)
