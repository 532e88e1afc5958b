"""End to end: the batch pipeline over a small simulated day-part against the simulator's truth.

Tolerances (docs/pipelines.md#accuracy): startup time within 50 ms; playing time and rebuffering
time within max(1.5 s, 2 %) (the player reports state changes, the truth has the exact segment
schedule; the difference is the last heartbeat interval before an exit); rebuffer count within 1;
outcome flags (exit before video start, start failure, playback failure) and the serving PoP
exact. Views that lost beacons to an injected fault (malformed line, contract violation) are only
required to exist. Accounting is exact: every input unit is a landed row or a dead letter.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from app import simulate_cli as simulator_cli
from pipelines import batch

STARTUP_TOLERANCE_MS = 50
DURATION_TOLERANCE_MS = 1500
DURATION_TOLERANCE_RATIO = 0.02
REBUFFER_COUNT_TOLERANCE = 1


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    code = simulator_cli.main(
        ["simulate", "--out", str(out), "--viewers", "60", "--hours", "2", "--seed", "3", "-q"]
    )
    assert code == 0
    return out


@pytest.fixture(scope="module")
def landed(simulated: Path, tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    result = batch.run(
        [
            "--input", f"{simulated}/player/**/*.gz",
            "--input", f"{simulated}/cmcd/**/*.cmcd",
            "--input", f"{simulated}/cdn/**/*.gz",
            "--input", f"{simulated}/transcode/*.jsonl",
            "--warehouse", f"duckdb:{path}",
        ]
    )  # fmt: skip
    assert result.state == "DONE"
    con = duckdb.connect()
    con.execute(f"attach '{path}' as w (read_only)")
    con.execute(
        f"create view truth as select * from read_parquet('{simulated}/truth/views.parquet')"
    )
    con.execute(
        f"create view truth_jobs as select * from read_parquet('{simulated}/truth/jobs.parquet')"
    )
    con.execute(
        "create view latest as select * from w.views "
        "qualify row_number() over (partition by view_id order by version desc) = 1"
    )
    return con


def test_every_view_within_tolerance_of_truth(landed):
    rows = landed.execute(
        """
        select t.view_id, v.view_id is not null as found, v.is_final,
          t.fault_malformed_lost_events + t.fault_contract_violation_events = 0 as clean,
          v.video_startup_time_ms, t.startup_time_ms,
          v.playing_time_ms, t.playing_time_ms, v.rebuffer_duration_ms, t.rebuffer_duration_ms,
          v.rebuffer_count, t.rebuffer_count,
          v.exit_before_video_start = t.is_exit_before_video_start
            and v.video_start_failure = t.is_start_failure
            and v.video_playback_failure = t.is_playback_failure as outcomes_equal,
          t.has_cdn_logs and t.clock_skew_ms = 0 as pop_known, v.pop, t.pop
        from truth t left join latest v using (view_id)
        """
    ).fetchall()
    assert len(rows) > 20
    problems = []
    for (
        view_id,
        found,
        final,
        clean,
        s,
        ts,
        p,
        tp,
        r,
        tr,
        rc,
        trc,
        outcomes,
        pop_known,
        pop,
        tpop,
    ) in rows:
        if not found or not final:
            problems.append(f"{view_id}: missing or not final")
            continue
        if not clean:
            continue

        def close(a: int, b: int) -> bool:
            return abs(a - b) <= max(DURATION_TOLERANCE_MS, DURATION_TOLERANCE_RATIO * b)

        if (s is None) != (ts is None) or (s is not None and abs(s - ts) > STARTUP_TOLERANCE_MS):
            problems.append(f"{view_id}: startup {s} vs {ts}")
        if not close(p, tp) or not close(r, tr):
            problems.append(f"{view_id}: playing {p} vs {tp}, rebuffering {r} vs {tr}")
        if abs(rc - trc) > REBUFFER_COUNT_TOLERANCE:
            problems.append(f"{view_id}: rebuffer count {rc} vs {trc}")
        if not outcomes:
            problems.append(f"{view_id}: outcome flags differ")
        if pop_known and pop != tpop:
            problems.append(f"{view_id}: pop {pop} vs {tpop}")
    assert problems == []


def test_accounting_is_exact(simulated, landed):
    totals = json.loads((simulated / "truth" / "faults.json").read_text())["totals"]
    landed_counts = {
        "beacon": landed.execute("select count(*) from w.player_events").fetchone()[0],
        "cmcd": landed.execute("select count(*) from w.cmcd_reports").fetchone()[0],
        "cloudfront": landed.execute(
            "select count(*) from w.cdn_requests where cdn = 'cloudfront'"
        ).fetchone()[0],
        "mediacdn": landed.execute(
            "select count(*) from w.cdn_requests where cdn = 'mediacdn'"
        ).fetchone()[0],
    }
    letters = landed.execute(
        """
        select case when source like '%/player/%' then 'beacon' when source like '%/cmcd/%'
          then 'cmcd' when source like '%/cloudfront/%' then 'cloudfront'
          when source like '%/mediacdn/%' then 'mediacdn' else source end, count(*)
        from w.dead_letters group by all
        """
    ).fetchall()
    dead = dict(letters)
    for kind, expected in totals.items():
        assert landed_counts[kind] == expected["expected_landed"], kind
        assert dead.get(kind, 0) == expected["expected_dead_letter"], kind
    assert set(dead) <= set(totals)


def test_transcode_jobs_match_truth(landed):
    rows = landed.execute(
        "select t.job_id, j.state = t.state, j.event_count = t.event_count "
        "from truth_jobs t left join w.transcode_jobs j using (job_id)"
    ).fetchall()
    assert rows and all(state and count for _, state, count in rows)


def test_outputs_satisfy_their_contracts(landed):
    from streamqoe.contracts.registry import violations

    cursor = landed.execute("select * exclude (ingested_at, ingest_id) from latest limit 20")
    names = [d[0] for d in cursor.description]
    sample = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for row in sample:
        record = {
            k: (v.isoformat().replace("+00:00", "Z") if hasattr(v, "isoformat") else v)
            for k, v in row.items()
        }
        assert violations("view", record) == [], row["view_id"]
    minute = landed.execute(
        "select count(*), sum(play_attempts) from w.qoe_minute where dimension = 'all'"
    ).fetchone()
    views = landed.execute("select count(*) from latest").fetchone()[0]
    assert minute[0] > 0 and minute[1] == views
