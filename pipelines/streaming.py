"""Streaming pipeline: Pub/Sub subscriptions -> the same composites as batch -> the warehouse.

Reads the pipeline subscriptions declared in infra/pubsub.yaml (player-events-pipeline,
cmcd-reports-pipeline, cdn-logs-pipeline, transcode-events-pipeline), parses each message with
the format of its topic's contract (or the message's `format` attribute), and runs
pipelines.transforms.tables.BuildQoeTables with early panes for open views and windows, final
panes when they close, late panes up to the allowed lateness and dead letters (stage `late`)
beyond it (docs/pipelines.md#streaming-semantics).

Run locally against the Pub/Sub emulator (BundleBasedDirectRunner, named explicitly):

    PUBSUB_EMULATOR_HOST=localhost:8085 uv run python -m pipelines.streaming \
        --pubsub_project streamqoe-local --warehouse duckdb:.data/warehouse.duckdb

On Dataflow: the flex template in infra/dataflow/streaming/ (--runner DataflowRunner).

On the local runner, beam_local_runner fixes Beam 2.77's streaming DirectRunner's pace (a
draining Pub/Sub read) and its state (expired windows cleared, empty keys pruned); it changes
nothing the pipeline computes. It is imported here only when the options name that runner
(pipelines.options.is_local_runner): on any other runner (Dataflow) the reads are Beam's own
ReadFromPubSub and the package is never imported (nor in the Dataflow image).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import apache_beam as beam
from apache_beam.io.gcp.pubsub import PubsubMessage
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.runner import PipelineResult, PipelineState

from pipelines.options import (
    STREAMING_RUNNER,
    QoeOptions,
    StreamingOptions,
    is_local_runner,
    name_runner,
    require,
    settings_from,
)
from pipelines.transforms.parse import ParseUnits, RawUnit
from pipelines.transforms.tables import BuildQoeTables, LandQoeTables
from pipelines.warehouse_setup import prepare_warehouse
from streamqoe.pubsub.declaration import load_declaration

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5

# The ingest format of each topic's contract; `auto` detects it from the payload (CDN logs and
# transcode events come in several formats). A message attribute `format` overrides it.
FORMAT_BY_CONTRACT = {
    "player_event": "beacon",
    "cmcd_report": "cmcd",
    "cdn_request": "auto",
    "transcode_event": "auto",
}


def subscription_formats(names: Sequence[str]) -> dict[str, str]:
    """Map each pipeline subscription to the ingest format of its topic's contract.

    Raises:
        KeyError: a subscription not declared in infra/pubsub.yaml, or whose topic has no contract.
    """
    declaration = load_declaration()
    topics = {s.name: s.topic for s in declaration.subscriptions}
    out = {}
    for name in names:
        if name not in topics:
            raise KeyError(f"subscription {name!r} is not declared in infra/pubsub.yaml")
        contract = declaration.topic(topics[name]).contract
        if contract not in FORMAT_BY_CONTRACT:
            raise KeyError(f"subscription {name!r} reads topic without a known contract")
        out[name] = FORMAT_BY_CONTRACT[contract]
    return out


class ToRawUnitFn(beam.DoFn):
    """In: PubsubMessage from one subscription. Out: RawUnit (arrival = publish time)."""

    def __init__(self, subscription: str, default_format: str):
        self.subscription = subscription
        self.default_format = default_format

    def process(
        self,
        message: PubsubMessage,
        timestamp: beam.utils.timestamp.Timestamp = beam.DoFn.TimestampParam,
    ) -> list[RawUnit]:
        attributes = dict(message.attributes or {})
        published = message.publish_time
        if published is not None:
            received_ms = round(published.astimezone(UTC).timestamp() * 1000)
        else:
            received_ms = round(timestamp.micros / 1000)
        return [
            RawUnit(
                format=attributes.get("format", self.default_format),
                payload=bytes(message.data),
                source=f"pubsub:{self.subscription}",
                message_id=message.message_id,
                attributes=attributes or None,
                received_at_ms=received_ms,
            )
        ]


def subscription_reader(options: PipelineOptions) -> Callable[[str], beam.PTransform]:
    """How the pipeline reads a subscription path: Beam's ReadFromPubSub (with attributes); on
    the local runner only, beam_local_runner's draining read (imported here, installing its
    fixes: UnsupportedBeamVersion on a Beam it was not written for)."""
    if not is_local_runner(options):
        return lambda path: beam.io.ReadFromPubSub(subscription=path, with_attributes=True)
    import beam_local_runner  # the local runner's fixes: only for that runner

    local = beam_local_runner.local_pull(options)
    return lambda path: beam_local_runner.read_subscription(path, local)


def build(pipeline: beam.Pipeline, options: PipelineOptions) -> None:
    """Add the streaming pipeline's steps to `pipeline`."""
    streaming = options.view_as(StreamingOptions)
    formats = subscription_formats([s for s in streaming.subscriptions.split(",") if s])
    settings = settings_from(options, streaming=True)
    read = subscription_reader(options)
    reads = []
    for name, fmt in formats.items():
        path = f"projects/{streaming.pubsub_project}/subscriptions/{name}"
        reads.append(
            pipeline
            | f"ReadFromPubSub_{name}" >> read(path)
            | f"ToRawUnitFn_{name}" >> beam.ParDo(ToRawUnitFn(name, fmt))
        )
    parsed = (
        reads
        | "FlattenUnits" >> beam.Flatten()
        | "ParseUnits" >> ParseUnits(settings.allowed_lateness_seconds)
    )
    tables = parsed | "BuildQoeTables" >> BuildQoeTables(settings)
    _ = tables | "LandQoeTables" >> LandQoeTables(options.view_as(QoeOptions).warehouse)


def start(argv: Sequence[str] | None = None, *, collect_garbage: bool = True) -> PipelineResult:
    """Parse flags, build and start the streaming pipeline; return at once with its result.

    On the local runner a LocalStateKeeper (beam_local_runner.local_state_keeper(result))
    keeps the runner's state bounded; `collect_garbage=False` leaves it counting only (to measure
    Beam's own behaviour).
    The caller stops the pipeline with `result.cancel()`.
    """
    options = PipelineOptions(argv)
    require(options, QoeOptions, ["warehouse"])
    require(options, StreamingOptions, ["pubsub_project"])
    runner = name_runner(options, STREAMING_RUNNER, streaming=True)
    logger.info("streaming pipeline on %s since %s", runner, datetime.now(UTC).isoformat())
    prepare_warehouse(options.view_as(QoeOptions).warehouse)
    pipeline = beam.Pipeline(options=options)
    build(pipeline, options)
    result = pipeline.run()
    if is_local_runner(options):
        from beam_local_runner import keep_state  # imported by build on this runner

        keep_state(result, collect_garbage=collect_garbage)
    return result


def run(argv: Sequence[str] | None = None) -> PipelineResult:
    """Start the streaming pipeline and run it until cancelled, or for `--max_run_seconds`."""
    result = start(argv)
    max_run_seconds = PipelineOptions(argv).view_as(StreamingOptions).max_run_seconds
    if max_run_seconds > 0:
        # The DirectRunner's wait_until_finish takes no duration: poll the state instead.
        deadline = time.monotonic() + max_run_seconds
        while time.monotonic() < deadline and not PipelineState.is_terminal(result.state):
            time.sleep(POLL_SECONDS)
        if not PipelineState.is_terminal(result.state):
            result.cancel()
    else:
        result.wait_until_finish()
    return result


if __name__ == "__main__":
    logging.getLogger().setLevel(logging.INFO)
    run()
