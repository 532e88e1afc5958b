"""Benchmark the batch pipeline against DuckDB SQL and a naive Beam pipeline on the same beacons.

Three ways to get per-view QoE from the same simulated beacon files, each in its own process (so
peak memory is its own):

- `streamqoe`: pipelines.batch over the beacon files (parse + validate + dead letters, views,
  viewer sessions, per-minute QoE, landing every table in a DuckDB file), FnApiRunner, with its
  default beacon path (`--beacon_path bulk`: whole files parsed by DuckDB into Arrow, shards of
  view ids spilled to files under --temp-location, default the local temp directory).
- `naive_beam`: ReadFromText -> json.loads -> key by view_id -> GroupByKey -> compute_view
  per view, FnApiRunner, no validation and no output (a lower bound on Beam's own overhead).
- `duckdb_sql`: DuckDB reads the gzipped JSON lines (one json_transform per line into typed
  structs) and computes per-view event count, startup time, rebuffer count and duration, playing
  time and failure flags in SQL.

- `floor`: no pipeline, only the work every batch run of this project must do for these files
  at its cheapest: each file parsed exactly and validated by the pipeline's own parser
  (streamqoe.ingest.columnar_beacon.read_beacon_table) and its player events landed in DuckDB
  by the pipeline's own sink (arrow_sink.WriteArrowToDuckDBFn, whole row groups), one file after
  the other in one process, as the one-worker runner does. No Beam, views, viewer sessions,
  minutes or dead-letter landing. Its time is a lower bound on the `streamqoe` approach's, so
  naive_beam / floor (`ceiling_vs_naive_beam`) is the highest streamqoe / naive_beam ratio any
  pipeline with this parse and landing can reach here.

Not run unless named with --only: `streamqoe_elements`, the same pipeline with `--beacon_path
elements` (one Beam element per player event), to compare the two paths side by side.

Reported: events (player events in the files), seconds, events/s, CPU seconds (user + system, all
threads of the child: DuckDB runs its own), peak RSS, and the ratios streamqoe / naive_beam (goal
>= 4) and streamqoe / duckdb_sql, in events/s (and in CPU seconds per event, which a busy shared
machine disturbs less than wall time). Every approach runs with the same runner options (the
FnApiRunner, one worker).

    uv run python -m bench.pipeline                      # ~1M events (simulates first)
    uv run python -m bench.pipeline --data /tmp/bench1m  # reuse a simulated run
    uv run python -m bench.pipeline --viewers 30000      # ~7.6M beacon events (9.5M in all)
    uv run python -m bench.pipeline --data DIR --only streamqoe --only streamqoe_elements
    uv run python -m bench.pipeline --data DIR --only streamqoe --max-rss-gb 10  # bulk only

Also measured: how much of a parse is JSON Schema validation (`--validation-share`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import (
    beacon_files,
    cpu_seconds,
    peak_rss_mb,
    run_watched,
    simulate_run,
    workdir,
)

logger = logging.getLogger(__name__)

APPROACHES = ("streamqoe", "naive_beam", "duckdb_sql", "floor")
EXTRA_APPROACHES = ("streamqoe_elements",)
DEFAULT_VIEWERS = 3000
DEFAULT_HOURS = 12.0
GOAL_RATIO_VS_NAIVE = 4.0


def simulate(out: Path, viewers: int, hours: float, seed: int) -> None:
    """Write a simulated run (beacons only matter here; few CDN logs to save time)."""
    simulate_run(out, viewers, hours, seed=seed, cdn_sample=0.01)


def count_events(files: list[str]) -> int:
    """Player events in the files (elements of every beacon array; malformed lines count 0)."""
    total = 0
    for path in files:
        with gzip.open(path, "rt") as f:
            for line in f:
                try:
                    doc = json.loads(line)
                except ValueError:
                    continue
                total += len(doc) if isinstance(doc, list) else 1
    return total


# --- the three approaches, each run in a child process -------------------------------------


def run_streamqoe(files: list[str], workdir: Path, beacon_path: str | None = None) -> int:
    """The real batch pipeline (its default beacon path unless named); returns the number of
    view rows landed. BENCH_TEMP_LOCATION (set from --temp-location) becomes --temp_location."""
    import duckdb

    from pipelines import batch

    path = workdir / "streamqoe.duckdb"
    argv = [x for f in files for x in ("--input", f"beacon={f}")]
    argv += ["--beacon_path", beacon_path] if beacon_path else []
    if os.environ.get("BENCH_TEMP_LOCATION"):
        argv += ["--temp_location", os.environ["BENCH_TEMP_LOCATION"]]
    batch.run([*argv, "--warehouse", f"duckdb:{path}"])
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select count(*) from views").fetchone()[0]


def run_streamqoe_elements(files: list[str], workdir: Path) -> int:
    """The batch pipeline's per-element beacon path (`--beacon_path elements`)."""
    return run_streamqoe(files, workdir, beacon_path="elements")


def _naive_events(line: str) -> list[dict]:
    try:
        doc = json.loads(line)
    except ValueError:
        return []
    return doc if isinstance(doc, list) else [doc]


def _naive_view(element: tuple[str, list[dict]]) -> list[dict]:
    from streamqoe.qoe.views import compute_view

    try:
        return [compute_view(list(element[1]), closed=True)]
    except (ValueError, KeyError, TypeError):  # an invalid event: the naive pipeline skips it
        return []


def run_naive_beam(files: list[str], workdir: Path) -> int:
    """ReadFromText -> json -> GroupByKey(view_id) -> compute_view; returns the view count."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    out = workdir / "naive_count"
    with beam.Pipeline(options=PipelineOptions(runner="FnApiRunner")) as p:
        _ = (
            p
            | "Files" >> beam.Create(files)
            | "Read" >> beam.io.ReadAllFromText()
            | "Parse" >> beam.FlatMap(_naive_events)
            | "Key" >> beam.Map(lambda e: (e.get("view_id") if isinstance(e, dict) else None, e))
            | "Group" >> beam.GroupByKey()
            | "Qoe" >> beam.FlatMap(_naive_view)
            | "Count" >> beam.combiners.Count.Globally()
            | "Write" >> beam.Map(lambda n: out.write_text(str(n)))
        )
    return int(out.read_text())


DUCKDB_VIEW_SQL = """
with lines as (
  -- one JSON parse per line, straight to typed structs (each `->>` would parse the event again)
  select unnest(json_transform(j, '[{{"view_id": "VARCHAR", "sequence_number": "BIGINT",
    "client_ts_ms": "BIGINT", "event_type": "VARCHAR", "error_fatal": "BOOLEAN"}}]')) as e
  from read_csv({files}, columns = {{'j': 'VARCHAR'}}, delim = '\\x01', quote = '',
                escape = '', header = false, ignore_errors = true)
  where json_valid(j) and json_type(j) = 'ARRAY'
), events as (
  select distinct on (e.view_id, e.sequence_number)
    e.view_id, e.sequence_number as seq, e.client_ts_ms as ts, e.event_type as kind,
    coalesce(e.error_fatal, false) as fatal
  from lines
  where e.view_id is not null and e.sequence_number is not null and e.client_ts_ms is not null
), ordered as (
  select *, lead(ts) over (partition by view_id order by ts, seq) as next_ts,
    lag(kind) over (partition by view_id order by ts, seq) as prev_kind
  from events
)
select view_id,
  count(*) as event_count,
  min(ts) filter (where kind = 'playing') - min(ts) filter (where kind = 'play_request')
    as video_startup_time_ms,
  count(*) filter (where kind = 'rebuffer_start') as rebuffer_count,
  coalesce(sum(next_ts - ts) filter (where kind = 'rebuffer_start'), 0) as rebuffer_duration_ms,
  coalesce(sum(next_ts - ts) filter (where kind in ('playing', 'resume', 'heartbeat',
    'bitrate_change', 'rebuffer_end', 'seek_end')), 0) as playing_time_ms,
  bool_or(fatal) and min(ts) filter (where kind = 'playing') is null as video_start_failure,
  bool_or(fatal) and min(ts) filter (where kind = 'playing') is not null as video_playback_failure
from ordered group by view_id
"""


def run_duckdb_sql(files: list[str], workdir: Path) -> int:
    """Per-view QoE in DuckDB SQL straight from the gzipped files; returns the view count."""
    import duckdb

    with duckdb.connect() as con:
        sql = DUCKDB_VIEW_SQL.format(files="[" + ", ".join(f"'{f}'" for f in files) + "]")
        con.execute(f"create table views as {sql}")
        return con.execute("select count(*) from views").fetchone()[0]


def run_floor(files: list[str], workdir: Path) -> int:
    """The exact parse of every file and landing its player events, nothing else (see the module
    docstring); returns the number of distinct view ids landed."""
    from datetime import UTC, datetime

    import duckdb

    from pipelines.transforms.arrow_sink import WriteArrowToDuckDBFn
    from streamqoe.ingest.columnar_beacon import read_beacon_table

    path = workdir / "floor.duckdb"
    sink = WriteArrowToDuckDBFn(str(path), "player_event")
    sink.start_bundle()
    received_at = datetime.now(UTC)
    for f in files:
        sink.process((f, read_beacon_table(f, received_at=received_at).table))
    sink.finish_bundle()
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select count(distinct view_id) from player_events").fetchone()[0]


RUNNERS = {
    "streamqoe": run_streamqoe,
    "naive_beam": run_naive_beam,
    "duckdb_sql": run_duckdb_sql,
    "floor": run_floor,
    "streamqoe_elements": run_streamqoe_elements,
}


def child(approach: str, data: Path, workdir: Path) -> None:
    """Run one approach and print {"seconds", "cpu_seconds", "views", "peak_rss_mb"} as JSON."""
    logging.basicConfig(level=logging.ERROR)
    files = beacon_files(data)
    started, cpu_started = time.perf_counter(), cpu_seconds()
    views = RUNNERS[approach](files, workdir)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    print(
        json.dumps(
            {"seconds": seconds, "cpu_seconds": cpu, "views": views, "peak_rss_mb": peak_rss_mb()}
        )
    )


def validation_share(data: Path, sample_lines: int = 20_000) -> dict[str, float]:
    """Time parsing a sample of beacon lines with and without contract validation."""
    from datetime import UTC, datetime

    from streamqoe.contracts.conformance import check
    from streamqoe.ingest.beacon import parse_beacon

    lines: list[bytes] = []
    for path in beacon_files(data):
        with gzip.open(path, "rb") as f:
            lines.extend(
                line.rstrip(b"\n") for _, line in zip(range(sample_lines), f, strict=False)
            )
        if len(lines) >= sample_lines:
            break
    now = datetime.now(UTC)
    started = time.perf_counter()
    records = [o for line in lines for o in parse_beacon(line, source="bench", received_at=now)]
    parse_s = time.perf_counter() - started
    started = time.perf_counter()
    for outcome in records:
        if outcome.kind == "record":
            check("player_event", outcome.record)
    check_s = time.perf_counter() - started
    return {"parse_seconds": parse_s, "validation_seconds": check_s, "share": check_s / parse_s}


def run_approach(approach: str, data: Path, folder: Path, max_rss_gb: float) -> dict[str, Any]:
    """One approach in a child process (`python -m bench.pipeline --child`); its result."""
    folder.mkdir()
    command = [sys.executable, "-m", "bench.pipeline", "--child", approach, "--data", str(data)]
    command += ["--workdir", str(folder)]
    code, out, err, stopped_after = run_watched(command, max_rss_gb)
    if stopped_after is not None:
        print(
            f"{approach:>18}: stopped after {stopped_after:.1f} s: its RSS passed "
            f"--max-rss-gb {max_rss_gb:g}",
            file=sys.stderr,
        )
        return {"stopped_over_rss_gb": max_rss_gb, "seconds": stopped_after}
    if code != 0:
        print(err[-3000:], file=sys.stderr)
        raise SystemExit(f"{approach} failed")
    return json.loads(out.strip().splitlines()[-1])


def ratios(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """streamqoe against each other approach (events/s, and CPU seconds), the floor's ceiling
    against naive_beam, and whether the goal is met."""
    report: dict[str, Any] = {}
    ours = results.get("streamqoe")
    for other in ("naive_beam", "duckdb_sql", "streamqoe_elements"):
        finished = ours and "cpu_seconds" in ours and "cpu_seconds" in results.get(other, {})
        if finished:
            ratio = ours["events_per_second"] / results[other]["events_per_second"]
            report[f"streamqoe_vs_{other}"] = ratio
            cpu_ratio = results[other]["cpu_seconds"] / ours["cpu_seconds"]
            report[f"streamqoe_vs_{other}_cpu"] = cpu_ratio
    if "cpu_seconds" in results.get("floor", {}) and "cpu_seconds" in results.get("naive_beam", {}):
        floor, naive = results["floor"], results["naive_beam"]
        report["ceiling_vs_naive_beam"] = floor["events_per_second"] / naive["events_per_second"]
        report["ceiling_vs_naive_beam_cpu"] = naive["cpu_seconds"] / floor["cpu_seconds"]
    if "streamqoe_vs_naive_beam" in report:
        report["goal_met"] = report["streamqoe_vs_naive_beam"] >= GOAL_RATIO_VS_NAIVE
    return report


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Simulate unless --data, run every approach, return the report (events, results, ratios)."""
    if args.temp_location:
        os.environ["BENCH_TEMP_LOCATION"] = args.temp_location
    with workdir(None, "pipeline-bench-") as tmp:
        data = args.data
        if data is None:
            data = tmp / "sim"
            print(f"simulating {args.viewers} viewers x {args.hours} h ...", file=sys.stderr)
            simulate(data, args.viewers, args.hours, args.seed)
        events = count_events(beacon_files(data))
        print(f"{events} player events in {len(beacon_files(data))} files", file=sys.stderr)
        results = {}
        for approach in args.only or APPROACHES:
            result = run_approach(approach, data, tmp / approach, args.max_rss_gb)
            results[approach] = result
            if "stopped_over_rss_gb" in result:
                continue
            result["events_per_second"] = events / result["seconds"]
            print(
                f"{approach:>18}: {result['seconds']:8.1f} s  {result['events_per_second']:>10,.0f}"
                f" events/s  cpu {result['cpu_seconds']:6.1f} s"
                f"  peak {result['peak_rss_mb']:,.0f} MB  views {result['views']}",
                file=sys.stderr,
            )
        report: dict[str, Any] = {"events": events, "results": results, **ratios(results)}
        if args.validation_share:
            report["validation"] = validation_share(data)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="existing simulated run (else one is made)")
    parser.add_argument("--viewers", type=int, default=DEFAULT_VIEWERS, help="when simulating")
    parser.add_argument("--hours", type=float, default=DEFAULT_HOURS, help="when simulating")
    parser.add_argument("--seed", type=int, default=5, help="when simulating")
    choices = APPROACHES + EXTRA_APPROACHES
    parser.add_argument("--only", choices=choices, action="append", help="run only these")
    parser.add_argument("--validation-share", action="store_true", help="also time validation")
    parser.add_argument(
        "--max-rss-gb", type=float, default=12.0, help="stop an approach whose RSS passes this"
    )
    parser.add_argument(
        "--temp-location",
        help="--temp_location of the streamqoe runs (where the bulk path spills its shards; "
        "default: the local temp directory)",
    )
    parser.add_argument("--child", choices=choices, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.data, args.workdir)
        return 0

    report = run(args)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
