"""The same suites on the same rows agree on DuckDB and on BigQuery (the local emulator).

The hand-made dataset of tests/dbt/dbt_dataset.py (every landed table; it includes a view row
delivered twice, which views__integrity must flag on both) lands through streamqoe.warehouse into
a DuckDB file and into a BigQuery emulator dataset (streaming inserts, the production client); the
landed suites run against both URLs and every expectation's verdict, unexpected count and
observed value must match. The mart suites need dbt on the emulator and are left to the DuckDB runs.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from dataquality.run import RunSummary, run_checkpoint
from dataquality.suites import all_suites
from streamqoe.warehouse import open_warehouse

pytestmark = pytest.mark.integration

DATASET_MODULE = Path(__file__).resolve().parents[1] / "dbt" / "dbt_dataset.py"
LANDED_SUITES = [name for name in all_suites() if not name.startswith(("fct_", "dim_"))]


def _dataset_module():
    spec = importlib.util.spec_from_file_location("dq_dbt_dataset", DATASET_MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _land_and_run(url: str, dataset, work: Path) -> RunSummary:
    with open_warehouse(url) as warehouse:
        dataset.land_dataset(warehouse)
    return run_checkpoint(url, "ci", LANDED_SUITES, as_of=dataset.LANDED_AT, work_dir=work)


def _verdicts(summary: RunSummary) -> dict[tuple[str, str], tuple]:
    def observed(value):
        return round(value, 9) if isinstance(value, float) else value

    return {
        (e.suite, e.label): (e.success, e.unexpected_count, observed(e.observed_value))
        for s in summary.suites
        for e in s.expectations
    }


def test_duckdb_and_bigquery_agree_on_the_same_rows(bigquery_emulator, tmp_path: Path) -> None:
    dataset = _dataset_module()
    duck = _land_and_run(f"duckdb:{tmp_path / 'warehouse.duckdb'}", dataset, tmp_path / "dq-duck")
    bq_url = (
        f"bigquery:{bigquery_emulator.project}.dq_agreement?endpoint={bigquery_emulator.endpoint}"
    )
    bq = _land_and_run(bq_url, dataset, tmp_path / "dq-bq")
    assert _verdicts(duck) == _verdicts(bq)
    assert [(s.name, s.row_count) for s in duck.suites] == [
        (s.name, s.row_count) for s in bq.suites
    ]
    # The comparison is not of two empty runs: the re-delivered view fails on both.
    failed = {(e.suite, e.label) for e in bq.failures()}
    assert ("views__integrity", "expect_compound_columns_to_be_unique(view_id,version)") in failed
    assert sum(len(s.expectations) for s in bq.suites) > 30
    rows = {s.name: s.row_count for s in bq.suites}
    assert rows["views__integrity"] == 7 and rows["transcode_jobs__progress"] == 2
