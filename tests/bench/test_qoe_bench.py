"""bench.qoe on a tiny simulated run, with and without --baseline."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from bench import qoe

BASELINE = """
from streamqoe.qoe.minute_contributions import minute_contributions
from streamqoe.qoe.state_machine import build_timeline
from streamqoe.qoe.views import compute_view, view_record
"""


def test_qoe_bench_measures_each_function_against_the_floor(
    tiny_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "qoe_baseline.py"
    baseline.write_text(BASELINE)
    try:
        figures = qoe.run(
            qoe.parse_args(["--data", str(tiny_run), "--repeat", "1", "--baseline", str(baseline)])
        )
    finally:
        gc.unfreeze()
    printed = capsys.readouterr().out

    assert list(figures) == [f"baseline {baseline}", "current streamqoe.qoe"]
    for per_event in figures.values():
        assert set(per_event) == {*qoe.FUNCTIONS, qoe.PIPELINE_TRIO}
        assert all(us > 0 for us in per_event.values())
    assert "floor json.loads:" in printed
    speedups = [
        line.split()[-1]
        for line in printed.split("speedup (baseline / current)")[1].splitlines()[1:]
        if line.strip()
    ]
    assert len(speedups) == 5 and all(float(s.rstrip("x")) > 0 for s in speedups)
