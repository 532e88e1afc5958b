"""bench.pipeline on a tiny simulated run: every approach in its own child, and the ratios."""

from __future__ import annotations

import json
from pathlib import Path

from bench.pipeline import APPROACHES


def test_pipeline_bench_runs_every_approach_and_the_ratios(tiny_run: Path, run_module) -> None:
    done = run_module("bench.pipeline", "--data", str(tiny_run), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)

    assert report["events"] > 0
    assert set(report["results"]) == set(APPROACHES)
    views = {name: r["views"] for name, r in report["results"].items()}
    assert min(views.values()) > 0, views
    for name, result in report["results"].items():
        for key in ("seconds", "cpu_seconds", "peak_rss_mb", "events_per_second"):
            assert result[key] > 0, (name, key)
        assert f"{name:>18}: " in done.stderr
    for key in (
        "streamqoe_vs_naive_beam",
        "streamqoe_vs_naive_beam_cpu",
        "streamqoe_vs_duckdb_sql",
        "streamqoe_vs_duckdb_sql_cpu",
        "ceiling_vs_naive_beam",
        "ceiling_vs_naive_beam_cpu",
    ):
        assert report[key] > 0, key
    assert isinstance(report["goal_met"], bool)
