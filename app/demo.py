"""The main job on the embedded defaults: a simulated day from events to a QoE report.

1. Bring the local platform up (Google's Pub/Sub emulator).
2. Simulate a day of viewing that ends now, with its CDN logs, transcode jobs and incidents.
3. Backfill history through the batch pipeline: CDN logs, transcode events, CMCD reports and the
   beacons of every view that started before the live tail.
4. Stream the live tail (views started in the last minutes) through Pub/Sub and the streaming
   pipeline, until every published event has landed.
5. Model with dbt (DuckDB target), run the data quality checkpoint (Great Expectations), print the
   summary and write the HTML report.
6. Tear the platform down, whatever happened.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import duckdb

from app.dbt_runner import dbt_env, run_dbt
from app.live_slice import live_view_ids, publish_lines, split_beacons
from app.platform import local
from app.report import figures
from app.report.render import pop_incident_texts, summary_text, write_html
from streamqoe.config import data_dir

DEMO_VIEWERS = 400
DEMO_HOURS = 24.0
DEMO_SEED = 20261125
LIVE_TAIL_MINUTES = 10
STREAM_WAIT_SECONDS = 240
STREAM_SETTLE_SECONDS = 10
BEACON_SUBSCRIPTION = "player-events-pipeline"


@contextmanager
def _step(out: TextIO, text: str) -> Iterator[None]:
    print(f"==> {text}", file=out, flush=True)
    started = time.monotonic()
    yield
    print(f"    done in {time.monotonic() - started:.1f} s", file=out, flush=True)


def _landed_events(path: Path) -> int:
    """Player events landed so far (0 while the pipeline's sink holds the file).

    The streaming pipeline runs in this process, and DuckDB lets one process open a file only
    with one configuration: this connection uses the sink's (read-write), not read_only.
    """
    try:
        with duckdb.connect(str(path)) as con:
            return con.execute("select count(*) from player_events").fetchone()[0]
    except duckdb.Error:
        return 0


def accounting(sim_dir: Path, counts: dict[str, int]) -> list[tuple[str, int, int]]:
    """(what, expected from the simulator's fault manifest, landed) for every landed input.

    Raw tables keep duplicate deliveries (deduplication happens in the pipeline's views and in
    staging), so the expected rows are every unit the simulator sent minus the ones it broke.
    """
    totals = json.loads((sim_dir / "truth" / "faults.json").read_text())["totals"]
    manifest = json.loads((sim_dir / "manifest.json").read_text())
    expected = {
        "player_events": totals["beacon"]["expected_landed"],
        "cmcd_reports": totals["cmcd"]["expected_landed"],
        "cdn_requests": sum(
            totals[k]["expected_landed"] for k in ("cloudfront", "mediacdn") if k in totals
        ),
        "transcode_events": manifest["transcode_events"],
        "dead_letters": sum(t["expected_dead_letter"] for t in totals.values()),
    }
    return [(table, n, counts.get(table, 0)) for table, n in expected.items()]


def run(
    warehouse_url: str | None = None,
    out: TextIO = sys.stdout,
    viewers: int = DEMO_VIEWERS,
    hours: float = DEMO_HOURS,
    seed: int = DEMO_SEED,
    end: datetime | None = None,
) -> int:
    """Run the demo; return the exit code (non-zero when a step failed or units went missing).

    The simulated day ends at `end` (default: now, to the minute); the same seed and `end` give the
    same simulated traffic and so the same summary.
    """
    from pipelines import batch, streaming  # Beam is heavy: import when the demo runs

    work = data_dir() / "demo"
    shutil.rmtree(work, ignore_errors=True)
    warehouse_path = work / "warehouse.duckdb"
    if warehouse_url and not warehouse_url.startswith("duckdb:"):
        print("the demo runs on the embedded DuckDB warehouse (duckdb:PATH)", file=sys.stderr)
        return 2
    if warehouse_url:
        warehouse_path = Path(warehouse_url.removeprefix("duckdb:"))
        warehouse_path.unlink(missing_ok=True)
    warehouse = f"duckdb:{warehouse_path}"
    sim = work / "sim"
    started = time.monotonic()
    end = (end or datetime.now(UTC)).replace(second=0, microsecond=0)
    start = end - timedelta(hours=hours)

    with local.running() as endpoints:
        print(f"    Pub/Sub emulator at {endpoints.pubsub_emulator_host}", file=out)
        with _step(out, f"simulating {hours:g} h of viewing for {viewers} viewers (seed {seed})"):
            from app import simulate_cli as simulator_cli

            argv = ["simulate", "--out", str(sim), "--viewers", str(viewers), "--hours", str(hours)]
            argv += ["--seed", str(seed), "--start", start.strftime("%Y-%m-%dT%H:%M:%SZ"), "-q"]
            if simulator_cli.main(argv) != 0:
                return 1
            manifest = json.loads((sim / "manifest.json").read_text())
            print(
                f"    {manifest['views']:,} views, {manifest['player_events']:,} player events, "
                f"{manifest['cdn_lines']:,} CDN log lines, {manifest['transcode_events']:,} "
                "transcode events",
                file=out,
            )

        live_since = end - timedelta(minutes=LIVE_TAIL_MINUTES)
        live = split_beacons(sim, live_view_ids(sim, live_since), work / "batch")
        print(
            f"    live tail: {live.live_view_count} views started after "
            f"{live_since:%H:%M} UTC ({len(live.live_lines):,} beacon messages) go through "
            "Pub/Sub; the rest is history for the batch pipeline",
            file=out,
        )

        with _step(out, "batch pipeline: history -> warehouse"):
            inputs = [str(p) for p in live.batch_files]
            inputs += [str(p) for p in sorted((sim / "cmcd").rglob("*.cmcd"))]
            inputs += [str(p) for p in sorted((sim / "cdn").rglob("*.gz"))]
            inputs += [str(p) for p in sorted((sim / "transcode").glob("*.jsonl"))]
            argv = ["--warehouse", warehouse]
            for path in inputs:
                argv += ["--input", path]
            batch.run(argv)

        with _step(out, "streaming pipeline: live tail through Pub/Sub -> warehouse"):
            before = _landed_events(warehouse_path)
            expected = before + live.live_event_count
            result = streaming.start(
                [
                    "--warehouse", warehouse,
                    "--pubsub_project", endpoints.project,
                    "--subscriptions", BEACON_SUBSCRIPTION,
                    "--early_firing_seconds", "10",
                ]
            )  # fmt: skip
            try:
                publish_lines(endpoints.project, "player-events", live.live_lines)
                deadline = time.monotonic() + STREAM_WAIT_SECONDS
                while time.monotonic() < deadline and _landed_events(warehouse_path) < expected:
                    time.sleep(2)
                time.sleep(STREAM_SETTLE_SECONDS)
            finally:
                result.cancel()
            streamed = _landed_events(warehouse_path) - before
            print(f"    {streamed:,} of {live.live_event_count:,} live events landed", file=out)

        with _step(out, "dbt build (DuckDB)"):
            with dbt_env(
                STREAMQOE_DUCKDB_PATH=str(warehouse_path), STREAMQOE_DBT_SCHEMA="analytics"
            ):
                outcome = run_dbt(["build", "--quiet"], "duckdb", work / "dbt")
            if not outcome.success:
                print(f"    dbt build failed: {outcome.exception or 'see the log above'}", file=out)
                return 1

        with _step(out, "data quality (Great Expectations, checkpoint ci)"):
            from dataquality.run import run_checkpoint, simulated_as_of

            quality = run_checkpoint(
                warehouse, "ci", as_of=simulated_as_of(sim), work_dir=work / "dq"
            )

        report = work / "report.html"
        with _step(out, "QoE report from the marts"):
            from streamqoe.warehouse.duckdb_warehouse import DuckDBWarehouse

            incidents = json.loads((sim / "truth" / "incidents.json").read_text())
            with DuckDBWarehouse(warehouse_path) as wh:
                overview = write_html(wh, report, incidents)
                pops = figures.by_pop(wh)
                worst = figures.worst_pop_windows(wh)
                during = pop_incident_texts(wh, incidents)
                dead = wh.query(
                    "select stage, count(*) as n from dead_letters group by 1 order by 1"
                )
                tables = ("player_events", "cmcd_reports", "cdn_requests", "transcode_events")
                counts = {t: wh.count(t) for t in (*tables, "dead_letters")}
    print("\n" + summary_text(overview, pops, worst), file=out)
    books = accounting(sim, counts)
    print("\naccounting (expected from the simulator's manifest = landed):", file=out)
    for table, expected_n, landed_n in books:
        mark = "ok" if expected_n == landed_n else "MISMATCH"
        print(f"  {table:<18}{expected_n:>10,}{landed_n:>10,}  {mark}", file=out)
    print(
        "\ndead letters by stage: "
        + (", ".join(f"{r['stage']} {r['n']:,}" for r in dead) or "none"),
        file=out,
    )
    for text in during:
        print("\n" + text, file=out)
    from dataquality.summary import format_summary

    print("\n" + format_summary(quality), file=out)
    if not quality.success:
        print(
            "(the simulated day carries injected faults: the findings above are the checks at work)",
            file=out,
        )
    print(f"\nreport: {report}", file=out)
    print(f"total {time.monotonic() - started:.0f} s; platform stopped", file=out)
    balanced = all(expected_n == landed_n for _, expected_n, landed_n in books)
    # The simulated day carries injected faults (dropped and malformed events): findings of the
    # data quality checks are the product at work, shown above, not a failure of the demo.
    return 0 if balanced and streamed == live.live_event_count else 1
