"""bench.beacon_parse: the project's parser against a copy of itself on a tiny run."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import beacon_parse
from bench.common import REPO

PARSER = REPO / "streamqoe" / "ingest" / "columnar_beacon.py"


def test_beacon_parse_bench_checks_and_times_both_versions(
    tiny_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--before", str(PARSER), "--data", str(tiny_run), "--repeat", "1", "--check"]
    assert beacon_parse.main(argv) == 0
    printed = capsys.readouterr().out

    assert "; 0 files differ" in printed
    assert "round 1: before" in printed
    ratio_line = next(line for line in printed.splitlines() if "ratio after/before" in line)
    assert float(ratio_line.split(":")[1].split()[0]) > 0


def test_beacon_parse_bench_time_rounds_report(tiny_run: Path) -> None:
    files = beacon_parse.beacon_files(tiny_run, None)
    rounds = beacon_parse.time_rounds(str(PARSER), files, repeat=2)
    assert rounds["events"] > 0
    assert all(len(v) == 2 and min(v) > 0 for v in rounds["seconds"].values())
    assert len(rounds["ratios"]) == 2 and min(rounds["ratios"]) > 0
