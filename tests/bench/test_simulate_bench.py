"""bench.simulate on a tiny run: the report has every figure and sane values."""

from __future__ import annotations

import argparse

import pytest

from bench import simulate


def test_simulate_bench_reports_rates_memory_and_goal_ratios(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = argparse.Namespace(
        viewers=20, hours=0.5, seed=1, cdn_sample=1.0, workers=1, chunk_views=10, out=None
    )
    report = simulate.measure(args)
    simulate.print_report(report)
    printed = capsys.readouterr().out

    assert report["player_events"] > 0 and report["cdn_lines"] > 0
    for key in ("player_events_per_s", "cdn_lines_per_s", "total_lines_per_s", "cpu_seconds"):
        assert report[key] > 0, key
    assert report["player_events_vs_goal"] > 0 and report["cdn_lines_vs_goal"] > 0
    assert report["peak_rss_parent_mb"] > 0
    assert report["peak_rss_sum_sampled_mb"] >= 0  # 0 when the run ends before the first sample
    for prefix in ("player_events=", "cdn_lines=", "peak_rss_mb:", "cpu_seconds=", "vs goals:"):
        assert any(line.startswith(prefix) for line in printed.splitlines()), prefix
