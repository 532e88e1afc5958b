"""`streamqoe dq run` on a simulated day (what `make test` runs): the clean day passes both
checkpoints and writes Data Docs; a critical fault exits 1 and names its worst offenders; bad
configuration exits 2 with a clear message."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from faults import dead_letter_burst

from app import dq_cli

pytestmark = pytest.mark.integration


def _dq(*argv: str) -> int:
    return dq_cli.main(["dq", "run", *argv])


def test_the_clean_day_passes_the_ci_checkpoint_and_writes_data_docs(
    simulated_day, tmp_path: Path, capsys
) -> None:
    code = _dq(
        "--warehouse", f"duckdb:{simulated_day.warehouse}",
        "--simulation", str(simulated_day.simulation),
        "--out", str(tmp_path / "dq"),
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "views__integrity" in out and "fct_qoe_daily__volume" in out
    assert "data quality passed" in out
    index = tmp_path / "dq" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert "fct_views__sanity" in index.read_text()
    # The volume suites judged real periods: the week of history gives them a baseline.
    line = next(x for x in out.splitlines() if x.startswith("cdn_requests__volume "))
    assert int(line.split()[1]) >= 24


def test_the_hourly_checkpoint_runs_its_suites_only(simulated_day, tmp_path: Path, capsys) -> None:
    code = _dq(
        "--warehouse", f"duckdb:{simulated_day.warehouse}",
        "--checkpoint", "hourly",
        "--as-of", simulated_day.as_of.isoformat(),
        "--out", str(tmp_path / "dq"),
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "dead_letters__rate" in out and "fct_views__sanity" not in out


def test_a_dead_letter_burst_fails_the_run_with_its_offending_hour(
    simulated_day, tmp_path: Path, capsys
) -> None:
    path = simulated_day.copy(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(path)) as con:
        dead_letter_burst(con, simulated_day.as_of)
    code = _dq(
        "--warehouse", f"duckdb:{path}",
        "--suite", "dead_letters__rate",
        "--simulation", str(simulated_day.simulation),
        "--out", str(tmp_path / "dq"),
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1, out
    assert (
        "[critical] dead_letters__rate: expect_column_values_to_be_between(dead_letter_rate)" in out
    )
    # The sample row is the offending hour: the burst's 1000 dead letters plus the day's own.
    assert int(re.search(r"dead_letter_count=(\d+)", out).group(1)) >= 1000
    assert "FAILED" in out


def test_a_tighter_threshold_file_fails_the_clean_day(
    simulated_day, tmp_path: Path, capsys
) -> None:
    config = tmp_path / "dq.toml"
    config.write_text("[thresholds]\nmax_dead_letter_rate = 0.0001\n")
    code = _dq(
        "--warehouse", f"duckdb:{simulated_day.warehouse}",
        "--suite", "dead_letters__rate",
        "--simulation", str(simulated_day.simulation),
        "--thresholds", str(config),
        "--out", str(tmp_path / "dq"),
    )  # fmt: skip
    assert code == 1
    assert "dead_letters__rate" in capsys.readouterr().out


def test_an_unknown_suite_is_a_usage_error(simulated_day, tmp_path: Path, capsys) -> None:
    code = _dq("--warehouse", f"duckdb:{simulated_day.warehouse}", "--suite", "views__nope")
    assert code == 2
    assert "unknown suite views__nope" in capsys.readouterr().err


def test_a_missing_mart_is_a_clear_error(tmp_path: Path, capsys) -> None:
    path = tmp_path / "landed-only.duckdb"
    from streamqoe.warehouse.duckdb_warehouse import DuckDBWarehouse

    with DuckDBWarehouse(path) as wh:
        wh.ensure_tables()
    code = _dq("--warehouse", f"duckdb:{path}", "--suite", "fct_views__sanity")
    assert code == 2
    assert 'cannot read "analytics"."fct_views"' in capsys.readouterr().err


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("duckdb:/nonexistent/warehouse.duckdb", "no DuckDB warehouse at /nonexistent"),
        (
            "bigquery:p.d?endpoint=http://127.0.0.1:9",
            "BigQuery endpoint http://127.0.0.1:9 unreachable",
        ),
        ("bigquery:no-dataset", "needs PROJECT.DATASET"),
        ("sqlite:x", "unknown warehouse"),
    ],
)
def test_an_unreachable_warehouse_is_a_clear_error(url: str, message: str, capsys) -> None:
    assert _dq("--warehouse", url) == 2
    assert message in capsys.readouterr().err
