"""Pipeline options: one PipelineOptions subclass per pipeline, help text on every flag.

These classes are the one declaration of the pipelines' parameters: the Dataflow flex templates'
metadata.json (infra/dataflow/<pipeline>/) is checked against them by a test. A flag has a default
exactly when it is optional in the template; flags without one are checked by `require` (not
argparse's required=True, which would break every other pipeline in the same process). Counts are
parsed by `positive_int`, so a bad value is an argparse error naming the flag.

Runners (see docs/pipelines.md#runners): Beam 2.77's `DirectRunner` tries to download the Prism
runner from GitHub first, so the pipelines never leave the runner unnamed. Batch runs on
`FnApiRunner`, streaming on `BundleBasedDirectRunner` (the only local runner that reads Pub/Sub),
Dataflow with `--runner DataflowRunner`. Only on `BundleBasedDirectRunner` does streaming import
beam_local_runner (`is_local_runner`), the fixes to that runner; every other runner gets Beam as is.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from apache_beam.options.pipeline_options import (
    GoogleCloudOptions,
    PipelineOptions,
    StandardOptions,
)

from pipelines.transforms.tables import QoeSettings

BATCH_RUNNER = "FnApiRunner"
BEACON_PATHS = ("bulk", "elements")
STREAMING_RUNNER = "BundleBasedDirectRunner"
DEFAULT_SUBSCRIPTIONS = (
    "player-events-pipeline,cmcd-reports-pipeline,cdn-logs-pipeline,transcode-events-pipeline"
)
_DEFAULTS = QoeSettings()


def positive_int(value: str) -> int:
    """argparse type of a count: an integer >= 1; anything else is an error naming the value."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {value!r}")
    return number


class QoeOptions(PipelineOptions):
    """Flags both pipelines share: the warehouse and the computation's tunables.

    Beam registers every direct PipelineOptions subclass in one parser, so a flag is declared
    once, here; BatchOptions and StreamingOptions (also direct subclasses: Beam's get_all_options
    only looks one level down) add only their own. Read shared flags with
    `options.view_as(QoeOptions)`.
    """

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument(
            "--warehouse",
            default=None,
            help="Warehouse URL: duckdb:FILE or bigquery:PROJECT.DATASET, "
            "e.g. bigquery:my-project.streamqoe.",
        )
        _add_computation_flags(parser)


def _add_computation_flags(parser) -> None:
    parser.add_argument(
        "--view_gap_seconds",
        type=float,
        default=_DEFAULTS.view_gap_seconds,
        help="Inactivity (event time, seconds) after which an open view closes, e.g. 120.",
    )
    parser.add_argument(
        "--viewer_session_gap_seconds",
        type=float,
        default=_DEFAULTS.viewer_session_gap_seconds,
        help="Gap between two views (seconds) that starts a new viewer session, e.g. 1800.",
    )
    parser.add_argument(
        "--allowed_lateness_seconds",
        type=float,
        default=_DEFAULTS.allowed_lateness_seconds,
        help="How late (seconds after event time) data may arrive and still update results; "
        "later data goes to dead_letters with stage late, e.g. 7200.",
    )
    parser.add_argument(
        "--job_gap_seconds",
        type=float,
        default=_DEFAULTS.job_gap_seconds,
        help="Inactivity (seconds) after which a transcode job's row is final, e.g. 86400.",
    )
    parser.add_argument(
        "--dedupe_ttl_seconds",
        type=float,
        default=_DEFAULTS.dedupe_ttl_seconds,
        help="How long (seconds) a CDN request id is remembered to drop repeats, e.g. 10800.",
    )


class BatchOptions(PipelineOptions):
    """Options of pipelines/batch.py (with QoeOptions)."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument(
            "--input",
            action="append",
            default=None,
            help="Input file or glob, local or gs://, repeatable; FORMAT=PATH names the format, "
            "else it is detected, e.g. beacon=gs://bucket/beacons/*.jsonl.gz.",
        )
        parser.add_argument(
            "--beacon_path",
            choices=BEACON_PATHS,
            default=BEACON_PATHS[0],
            help="How beacon files go through the batch pipeline: bulk (whole files parsed into "
            "Arrow, views computed per shard of view ids) or elements (one Beam element per "
            "event); the same tables either way, e.g. bulk.",
        )
        parser.add_argument(
            "--view_shards",
            type=positive_int,
            default=_DEFAULTS.view_shards,
            help="Shards of view ids on the bulk beacon path: one shard's events are in memory at "
            "a time per worker thread, and at most this many workers compute views at once; more "
            "for big backfills, fewer for small local runs, e.g. 64.",
        )


class StreamingOptions(PipelineOptions):
    """Options of pipelines/streaming.py (with QoeOptions)."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument(
            "--pubsub_project",
            default=None,
            help="Project holding the Pub/Sub subscriptions, e.g. my-project.",
        )
        parser.add_argument(
            "--subscriptions",
            default=DEFAULT_SUBSCRIPTIONS,
            help="Comma-separated subscriptions declared in infra/pubsub.yaml, "
            "e.g. player-events-pipeline,cdn-logs-pipeline.",
        )
        parser.add_argument(
            "--max_run_seconds",
            type=float,
            default=0.0,
            help="Stop after this many seconds (local runs and tests); 0 runs until cancelled, "
            "e.g. 0.",
        )
        parser.add_argument(
            "--early_firing_seconds",
            type=float,
            default=_DEFAULTS.early_firing_seconds,
            help="Processing-time delay (seconds) between early results of an open window, e.g. 30.",
        )


class MissingOption(ValueError):
    """A flag without a default was not given."""


def require(options: PipelineOptions, cls: type[PipelineOptions], names: Sequence[str]) -> None:
    """Raise MissingOption for each flag in `names` left unset.

    Flags without a default are not declared `required=True`: Beam parses every registered
    options class for every pipeline in the process, so a required flag would break unrelated
    pipelines (and tests); the entry modules check them instead.
    """
    view = options.view_as(cls)
    missing = [f"--{name}" for name in names if getattr(view, name, None) in (None, [], "")]
    if missing:
        raise MissingOption(f"missing required option(s): {', '.join(missing)}")


def settings_from(options: PipelineOptions, *, streaming: bool) -> QoeSettings:
    """Build the computation settings from parsed options (batch: no early panes; streaming:
    the default view_shards, a batch-only flag). The bulk path's spill files go under Beam's
    --temp_location (local temp directory when unset)."""
    o = options.view_as(QoeOptions)
    return QoeSettings(
        view_gap_seconds=o.view_gap_seconds,
        viewer_session_gap_seconds=o.viewer_session_gap_seconds,
        allowed_lateness_seconds=o.allowed_lateness_seconds,
        early_firing_seconds=(
            options.view_as(StreamingOptions).early_firing_seconds if streaming else 0.0
        ),
        job_gap_seconds=o.job_gap_seconds,
        dedupe_ttl_seconds=o.dedupe_ttl_seconds,
        spill_location=options.view_as(GoogleCloudOptions).temp_location or None,
        view_shards=(
            _DEFAULTS.view_shards if streaming else options.view_as(BatchOptions).view_shards
        ),
    )


def name_runner(options: PipelineOptions, default: str, *, streaming: bool) -> str:
    """Set the runner to `default` unless one was named; return the runner used."""
    standard = options.view_as(StandardOptions)
    if not standard.runner:
        standard.runner = default
    if streaming:
        standard.streaming = True
    return standard.runner


def is_local_runner(options: PipelineOptions) -> bool:
    """Whether `options` name the local streaming runner (BundleBasedDirectRunner), the one runner
    pipelines/streaming.py imports beam_local_runner for (by name or as a runner object)."""
    runner = options.view_as(StandardOptions).runner
    name = runner if isinstance(runner, str) else type(runner).__name__
    return name is not None and name.rsplit(".", 1)[-1] == STREAMING_RUNNER
