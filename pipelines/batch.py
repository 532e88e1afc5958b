"""Batch pipeline: files of player beacons, CMCD reports, CDN logs and transcode events -> tables.

Reads every input file (format detected from its first bytes, or named as FORMAT=PATH), runs the
same composites as the streaming pipeline (pipelines.transforms.tables.BuildQoeTables) and lands
the raw records, views, viewer sessions, per-minute QoE, CDN PoP minutes, transcode jobs and dead
letters in the warehouse. In batch the watermark jumps to the end once all input is read, so every
window yields one final pane and nothing is late.

Beacon files take the bulk path by default (`--beacon_path bulk`): each file is parsed whole into
an Arrow table (streamqoe.ingest.columnar_beacon), landed from Arrow, and its events travel to the
view computation in shards of view ids (pipelines.transforms.bulk_views) instead of one Beam
element per event; `--beacon_path elements` keeps the per-element path. Both land the same tables.

Run locally (FnApiRunner, named explicitly; see docs/pipelines.md#runners):

    uv run python -m pipelines.batch --input 'sim/beacons/*.jsonl' --input 'sim/cdn/*' \
        --warehouse duckdb:.data/warehouse.duckdb

Inputs may be object-store patterns (`--input 'gs://bucket/cdn/**/*.gz'`), listed and read through
Beam's FileSystems (pipelines.remote_files, docs/operations.md#inputs-on-cloud-storage).

On Dataflow: the flex template in infra/dataflow/batch/ (--runner DataflowRunner).
"""

from __future__ import annotations

import glob
import logging
from collections.abc import Sequence

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.runner import PipelineResult

from pipelines.options import (
    BATCH_RUNNER,
    BatchOptions,
    QoeOptions,
    name_runner,
    require,
    settings_from,
)
from pipelines.remote_files import is_remote, match_remote
from pipelines.transforms.parse import ReadAndParseFiles
from pipelines.transforms.tables import BuildQoeTables, LandQoeTables
from pipelines.warehouse_setup import prepare_warehouse
from streamqoe.ingest.formats import FORMATS

logger = logging.getLogger(__name__)


def expand_inputs(specs: Sequence[str]) -> list[tuple[str, str]]:
    """Expand `[FORMAT=]PATH_OR_GLOB` specs into sorted (path, format) pairs (`auto` = detect).

    A pattern with a URI scheme (`gs://bucket/logs/**/*.gz`, or any scheme Beam's FileSystems
    knows) is listed through Beam (pipelines.remote_files.match_remote, `**/` matching zero or
    more directories as locally); any other is a local recursive glob.

    Raises:
        FileNotFoundError: a spec matches no file.
        ValueError: no Beam filesystem for a pattern's scheme.
        apache_beam.io.filesystem.BeamIOError: a remote listing failed (missing bucket, no access).
    """
    files: list[tuple[str, str]] = []
    for spec in specs:
        name, sep, pattern = spec.partition("=")
        if not sep or name not in FORMATS:
            name, pattern = "auto", spec
        if pattern == "-":
            matches = []
        elif is_remote(pattern):
            matches = match_remote(pattern)
        else:
            matches = sorted(glob.glob(pattern, recursive=True))
        matches = [m for m in matches if not m.endswith("/")]
        if not matches:
            raise FileNotFoundError(f"--input {spec!r} matches no file")
        files.extend((path, name) for path in matches)
    return files


def build(pipeline: beam.Pipeline, options: PipelineOptions) -> None:
    """Add the batch pipeline's steps to `pipeline`."""
    batch_options = options.view_as(BatchOptions)
    files = expand_inputs(batch_options.input)
    bulk = (batch_options.beacon_path or "bulk") == "bulk"
    logger.info("batch over %s files (beacon path: %s)", len(files), batch_options.beacon_path)
    parsed = (
        pipeline
        | "ListInputFiles" >> beam.Create(files)
        | "ReadAndParseFiles" >> ReadAndParseFiles(beacon_tables=bulk)
    )
    tables = parsed | "BuildQoeTables" >> BuildQoeTables(settings_from(options, streaming=False))
    _ = tables | "LandQoeTables" >> LandQoeTables(options.view_as(QoeOptions).warehouse)


def run(argv: Sequence[str] | None = None) -> PipelineResult:
    """Parse flags, build and run the batch pipeline to completion; return its result."""
    options = PipelineOptions(argv)
    require(options, QoeOptions, ["warehouse"])
    require(options, BatchOptions, ["input"])
    warehouse = options.view_as(QoeOptions).warehouse
    runner = name_runner(options, BATCH_RUNNER, streaming=False)
    logger.info("batch pipeline on %s", runner)
    pipeline = beam.Pipeline(options=options)
    build(pipeline, options)  # expands the inputs first: a missing file touches no warehouse
    prepare_warehouse(warehouse)
    result = pipeline.run()
    result.wait_until_finish()
    return result


if __name__ == "__main__":
    logging.getLogger().setLevel(logging.INFO)
    run()
