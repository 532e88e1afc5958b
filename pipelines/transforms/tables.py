"""The whole computation from parsed records to every landed table, shared by both pipelines.

BuildQoeTables takes what ParseUnits / ReadAndParseFiles produce and returns one PCollection per
output contract. Batch and streaming differ only in their sources and sinks (pipelines/batch.py,
pipelines/streaming.py) and in the settings below. Batch's bulk beacon path (ReadAndParseFiles with
beacon_tables) hands over the beacon files' player events as Arrow tables (`player_event_table`):
BuildQoeTables then computes views per shard (bulk_views.ComputeViewsInShards, the same rows as
SessionizeViews + ComputeViewQoe; the shards' events are spilled to files under
`spill_location`) and sums qoe_minute from the shards' totals, and LandQoeTables lands the tables
straight from Arrow (arrow_sink.WriteArrowToWarehouse).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import apache_beam as beam

from pipelines.transforms.bulk_viewers import SessionizeViewersBounded
from pipelines.transforms.bulk_views import SPILL_COMPRESSION, VIEW_SHARDS, ComputeViewsInShards
from pipelines.transforms.cdn import AggregateCdnPopMinute
from pipelines.transforms.dedupe import DedupeEvents, cdn_request_identity, cdn_request_time_ms
from pipelines.transforms.minutes import AggregateQoePerMinute, SumMinuteTotals
from pipelines.transforms.parse import PLAYER_EVENT_TABLE
from pipelines.transforms.transcode import BuildTranscodeJobs
from pipelines.transforms.viewers import SessionizeViewers
from pipelines.transforms.views import MINUTES, ComputeViewQoe, SessionizeViews, utc_now

# Output contracts in landing order; raw inputs first.
OUTPUT_CONTRACTS = (
    "player_event",
    "cmcd_report",
    "cdn_request",
    "transcode_event",
    "view",
    "viewer_session",
    "qoe_minute",
    "cdn_pop_minute",
    "transcode_job",
    "dead_letter",
)


@dataclass(frozen=True)
class QoeSettings:
    """Tunables of the computation (documented in docs/pipelines.md#options).

    Attributes:
        view_gap_seconds: inactivity after which an open view closes (heartbeats come every 10 s).
        viewer_session_gap_seconds: gap between views that starts a new viewer session.
        allowed_lateness_seconds: how late data may be and still update a window.
        early_firing_seconds: processing-time delay between early panes of an open window.
        job_gap_seconds: inactivity after which a transcode job's session closes.
        dedupe_ttl_seconds: how long a CDN request id is remembered for deduplication.
        clock: returns `updated_at` (RFC 3339); tests fix it.
        spill_location: batch bulk path: where the run's spill directory goes (the pipeline's
            --temp_location, gs:// on Dataflow); None: the local temp directory.
        spill_compression: batch bulk path: compression of the spilled Arrow slices (lz4, zstd
            or None).
        view_shards: batch bulk path: shards of view ids; one shard's events are in memory at a
            time per worker thread, and at most this many workers compute views at once.
    """

    view_gap_seconds: float = 120.0
    viewer_session_gap_seconds: float = 1800.0
    allowed_lateness_seconds: float = 7200.0
    early_firing_seconds: float = 30.0
    job_gap_seconds: float = 86400.0
    dedupe_ttl_seconds: float = 10800.0
    clock: Callable[[], str] = utc_now
    spill_location: str | None = None
    spill_compression: str | None = SPILL_COMPRESSION
    view_shards: int = VIEW_SHARDS


class BuildQoeTables(beam.PTransform):
    """In: dict contract -> PCollection[record] (player_event, cmcd_report, cdn_request,
    transcode_event) plus `dead_letter`, records stamped with event time, and optionally
    `player_event_table` (batch's bulk path: PCollection[(path, Arrow table)] of player events).
    Out: dict output contract (OUTPUT_CONTRACTS) -> PCollection[record]: the raw inputs (CDN
    requests deduplicated), views, viewer sessions, per-minute QoE, CDN PoP minutes, transcode
    jobs and the dead letters; plus `player_event_table` (the input tables) when given."""

    def __init__(self, settings: QoeSettings | None = None):
        super().__init__()
        self.settings = settings or QoeSettings()

    def expand(self, parsed: Mapping[str, beam.PCollection]) -> dict[str, beam.PCollection]:
        s = self.settings
        requests = parsed["cdn_request"] | "DedupeCdnRequests" >> DedupeEvents(
            cdn_request_identity,
            cdn_request_time_ms,
            s.dedupe_ttl_seconds,
            "cdn_request",
            spill_location=s.spill_location,
        )
        extra: dict[str, beam.PCollection] = {}
        if PLAYER_EVENT_TABLE in parsed:
            views = {
                PLAYER_EVENT_TABLE: parsed[PLAYER_EVENT_TABLE],
                "player_event": parsed["player_event"],
                "cmcd_report": parsed["cmcd_report"],
                "cdn_request": requests,
            } | "ComputeViewsInShards" >> ComputeViewsInShards(
                s.view_gap_seconds,
                s.clock,
                shards=s.view_shards,
                spill_location=s.spill_location,
                compression=s.spill_compression,
            )
            qoe_minute = views[MINUTES] | "SumMinuteTotals" >> SumMinuteTotals(
                s.allowed_lateness_seconds, s.early_firing_seconds, s.clock
            )
            extra[PLAYER_EVENT_TABLE] = parsed[PLAYER_EVENT_TABLE]
            viewer_sessions = views["views"] | "SessionizeViewersBounded" >> (
                SessionizeViewersBounded(s.viewer_session_gap_seconds, s.clock)
            )
        else:
            grouped = {
                "player_event": parsed["player_event"],
                "cmcd_report": parsed["cmcd_report"],
                "cdn_request": requests,
            } | "SessionizeViews" >> SessionizeViews(
                s.view_gap_seconds, s.allowed_lateness_seconds, s.early_firing_seconds
            )
            views = grouped | "ComputeViewQoe" >> ComputeViewQoe(s.view_gap_seconds, s.clock)
            qoe_minute = views[MINUTES] | "AggregateQoePerMinute" >> AggregateQoePerMinute(
                s.allowed_lateness_seconds, s.early_firing_seconds, s.clock
            )
            viewer_sessions = views["views"] | "SessionizeViewers" >> SessionizeViewers(
                s.viewer_session_gap_seconds,
                s.allowed_lateness_seconds,
                s.early_firing_seconds,
                s.clock,
            )
        return {
            **extra,
            "player_event": parsed["player_event"],
            "cmcd_report": parsed["cmcd_report"],
            "cdn_request": requests,
            "transcode_event": parsed["transcode_event"],
            "view": views["views"],
            "viewer_session": viewer_sessions,
            "qoe_minute": qoe_minute,
            "cdn_pop_minute": requests
            | "AggregateCdnPopMinute"
            >> AggregateCdnPopMinute(s.allowed_lateness_seconds, s.early_firing_seconds, s.clock),
            "transcode_job": parsed["transcode_event"]
            | "BuildTranscodeJobs"
            >> BuildTranscodeJobs(
                s.job_gap_seconds, s.allowed_lateness_seconds, s.early_firing_seconds, s.clock
            ),
            "dead_letter": parsed["dead_letter"],
        }


class LandQoeTables(beam.PTransform):
    """In: BuildQoeTables' output. Out: PCollection of sink dead letters (also landed).

    Writes each output contract to its table in `warehouse_url` (see sinks.WriteToWarehouse),
    and `player_event_table`, when present, straight from Arrow (arrow_sink)."""

    def __init__(self, warehouse_url: str):
        super().__init__()
        self.warehouse_url = warehouse_url

    def expand(self, tables: Mapping[str, beam.PCollection]) -> beam.PCollection:
        from pipelines.transforms.arrow_sink import WriteArrowToWarehouse
        from pipelines.transforms.sinks import WriteToWarehouse

        refused = []
        for name in OUTPUT_CONTRACTS:
            if name == "dead_letter":
                continue
            refused.append(
                tables[name]
                | f"WriteToWarehouse_{name}" >> WriteToWarehouse(self.warehouse_url, name)
            )
        if PLAYER_EVENT_TABLE in tables:
            refused.append(
                tables[PLAYER_EVENT_TABLE]
                | "WriteArrowToWarehouse_player_event"
                >> WriteArrowToWarehouse(self.warehouse_url, "player_event")
            )
        sink_letters = refused | "FlattenSinkDeadLetters" >> beam.Flatten()
        letters = (tables["dead_letter"], sink_letters) | "FlattenDeadLetters" >> beam.Flatten()
        _ = letters | "WriteToWarehouse_dead_letter" >> WriteToWarehouse(
            self.warehouse_url, "dead_letter"
        )
        return sink_letters
