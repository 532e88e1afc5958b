"""Streaming end to end against the simulator's ground truth, through the Pub/Sub emulator.

The simulator publishes half an hour of traffic that ended ten minutes ago, as fast as it can
(accelerated); the DirectRunner's watermark (wall clock) is then past every view's inactivity gap,
so each view gets its final pane while the pipeline runs. Slow (minutes): `-m slow`.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import apache_beam as beam
import duckdb
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from app import simulate_cli as simulator_cli
from pipelines import streaming
from pipelines.options import STREAMING_RUNNER, name_runner
from pipelines.warehouse_setup import prepare_warehouse

MAX_WAIT_SECONDS = 900
POLL_SECONDS = 5
SETTLE_SECONDS = 15
STARTUP_TOLERANCE_MS = 50
DURATION_TOLERANCE_MS = 1500
DURATION_TOLERANCE_RATIO = 0.02


def landed_events(path: Path) -> int:
    """Player events landed so far (0 while the sink holds the file)."""
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute("select count(*) from player_events").fetchone()[0]
    except duckdb.Error:
        return 0


@pytest.mark.slow
@pytest.mark.integration
def test_streaming_views_match_truth(pubsub_env: str, tmp_path: Path):
    # Old enough that every view has ended (and its window closed) before the run, young enough
    # that no event is later than the allowed lateness (2 h): views still running at the end of
    # the simulated window would have events after now, which keep their windows open.
    start = datetime.now(UTC) - timedelta(minutes=100)
    out = tmp_path / "sim"
    argv = ["simulate", "--out", str(out), "--viewers", "300", "--hours", "0.5", "--seed", "9"]
    argv += ["--start", start.strftime("%Y-%m-%dT%H:%M:%SZ"), "--cdn-sample", "0"]
    argv += ["--publish", "--speed", "0", "-q"]
    assert simulator_cli.main(argv) == 0
    expected = json.loads((out / "truth" / "faults.json").read_text())["totals"]["beacon"]
    warehouse = tmp_path / "warehouse.duckdb"
    options = PipelineOptions(
        [
            "--warehouse", f"duckdb:{warehouse}",
            "--pubsub_project", pubsub_env,
            # The DirectRunner's Pub/Sub read blocks up to 30 s on an empty subscription, so
            # read only the beacons (views reported by beacons are compared below).
            "--subscriptions", "player-events-pipeline",
            "--early_firing_seconds", "30",
        ]
    )  # fmt: skip
    name_runner(options, STREAMING_RUNNER, streaming=True)
    prepare_warehouse(f"duckdb:{warehouse}")
    pipeline = beam.Pipeline(options=options)
    streaming.build(pipeline, options)
    result = pipeline.run()
    try:
        # The sink closes the file after every bundle, so the test can read while it runs.
        deadline = time.monotonic() + MAX_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            if landed_events(warehouse) >= expected["expected_landed"]:
                break
        time.sleep(SETTLE_SECONDS)  # last panes of the last views
    finally:
        result.cancel()
    assert landed_events(warehouse) == expected["expected_landed"]
    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as w (read_only)")
    rows = con.execute(
        f"""
        select t.view_id, v.view_id is not null, v.is_final,
          t.fault_malformed_lost_events + t.fault_contract_violation_events = 0
            and t.clock_skew_ms = 0 and t.fault_late_batches = 0,
          v.video_startup_time_ms, t.startup_time_ms, v.playing_time_ms, t.playing_time_ms
        from read_parquet('{out}/truth/views.parquet') t
        left join (select * from w.views qualify row_number() over
                   (partition by view_id order by version desc) = 1) v using (view_id)
        where t.reporting = 'beacon'
        """
    ).fetchall()
    assert len(rows) >= 2
    problems = []
    for view_id, found, final, clean, s, ts, p, tp in rows:
        if not found or not final:
            problems.append(f"{view_id}: missing or not final")
        elif clean:
            if (s is None) != (ts is None) or (
                s is not None and abs(s - ts) > STARTUP_TOLERANCE_MS
            ):
                problems.append(f"{view_id}: startup {s} vs {ts}")
            if abs(p - tp) > max(DURATION_TOLERANCE_MS, DURATION_TOLERANCE_RATIO * tp):
                problems.append(f"{view_id}: playing {p} vs {tp}")
    assert problems == []
