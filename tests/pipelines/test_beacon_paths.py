"""Batch pipeline, both beacon paths: the same simulated run lands the same tables either way.

A small simulated run with raised fault rates (malformed lines, contract violations, duplicate
deliveries), CMCD reports, CDN logs and transcode events, plus a beacon file whose gzip stream is
broken, goes through pipelines.batch with `--beacon_path elements` and `--beacon_path bulk`. Every
landed table must hold the same rows (as multisets; columns stamped with the time of the run,
updated_at, ingested_at and received_at, left out), and the bulk path's accounting must be exact:
every input unit is a landed row or a dead letter, as the simulator's fault manifest counts them.
Both runs spill under their --temp_location (view shards, CDN requests being deduplicated) and
leave nothing there.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest
from apache_beam.metrics.metric import MetricsFilter
from landed import faulty_simulation, landed_tables, table_rows

from pipelines import batch

PATHS = ("elements", "bulk")


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = faulty_simulation(tmp_path_factory.mktemp("sim"), viewers=120, hours=2)
    whole = next((out / "player").rglob("*.jsonl.gz")).read_bytes()
    assert gzip.decompress(whole)  # the original is fine, the cut copy is not
    return out


@pytest.fixture(scope="module")
def runs(simulated: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """Per beacon path: (warehouse, its --temp_location, the run's result, whether anything was
    made or removed in the temp location)."""
    out = {}
    for path in PATHS:
        warehouse = tmp_path_factory.mktemp(path) / "warehouse.duckdb"
        temp = tmp_path_factory.mktemp(f"{path}-temp")
        before = temp.stat().st_mtime_ns
        result = batch.run(
            [
                "--input", f"{simulated}/player/**/*.gz",
                "--input", f"beacon={simulated}/broken/*.gz",
                "--input", f"{simulated}/cmcd/**/*.cmcd",
                "--input", f"{simulated}/cdn/**/*.gz",
                "--input", f"{simulated}/transcode/*.jsonl",
                "--warehouse", f"duckdb:{warehouse}",
                "--beacon_path", path,
                "--temp_location", str(temp),
            ]
        )  # fmt: skip
        assert result.state == "DONE"
        # the directory changed (a spill directory made and removed in it) or not
        out[path] = (warehouse, temp, result, temp.stat().st_mtime_ns != before)
    return out


@pytest.fixture(scope="module")
def warehouses(runs: dict[str, tuple]) -> dict[str, Path]:
    return {path: warehouse for path, (warehouse, *_) in runs.items()}


def test_both_paths_land_the_same_tables(warehouses: dict[str, Path]):
    tables = landed_tables(warehouses["elements"])
    assert tables == landed_tables(warehouses["bulk"])
    assert len(tables) == 10
    for table in tables:
        elements = table_rows(warehouses["elements"], table)
        bulk = table_rows(warehouses["bulk"], table)
        assert len(bulk) == len(elements), table
        assert bulk == elements, table
        assert elements or table == "transcode_jobs", f"{table} is empty: nothing compared"


def test_bulk_accounting_is_exact(simulated: Path, warehouses: dict[str, Path]):
    totals = json.loads((simulated / "truth" / "faults.json").read_text())["totals"]
    with duckdb.connect(str(warehouses["bulk"]), read_only=True) as con:
        landed = {
            "beacon": con.execute("select count(*) from player_events").fetchone()[0],
            "cmcd": con.execute("select count(*) from cmcd_reports").fetchone()[0],
            "cloudfront": con.execute(
                "select count(*) from cdn_requests where cdn = 'cloudfront'"
            ).fetchone()[0],
            "mediacdn": con.execute(
                "select count(*) from cdn_requests where cdn = 'mediacdn'"
            ).fetchone()[0],
        }
        letters = dict(
            con.execute(
                """
                select case when source like '%/broken/%' then 'broken'
                  when source like '%/player/%' then 'beacon' when source like '%/cmcd/%'
                  then 'cmcd' when source like '%/cloudfront/%' then 'cloudfront'
                  when source like '%/mediacdn/%' then 'mediacdn' else source end, count(*)
                from dead_letters group by all
                """
            ).fetchall()
        )
        stages = dict(
            con.execute(
                "select stage, count(*) from dead_letters where source like '%/player/%' "
                "group by all"
            ).fetchall()
        )
    for kind, expected in totals.items():
        assert landed[kind] == expected["expected_landed"], kind
        assert letters.get(kind, 0) == expected["expected_dead_letter"], kind
    assert totals["beacon"]["expected_dead_letter"] > 10  # faults were really injected
    assert set(stages) == {"decode", "validate"}
    assert letters["broken"] == 1  # the unreadable file: one decode dead letter
    assert set(letters) <= {*totals, "broken"}


@pytest.mark.parametrize(("path", "directories"), [("bulk", 2), ("elements", 1)])
def test_runs_spill_under_the_temp_location_and_clean_up(
    runs: dict[str, tuple], path: str, directories: int
):
    """The bulk path spills view shards and the CDN requests it deduplicates (two directories),
    the per-element path only the CDN requests."""
    _, temp, result, touched = runs[path]

    def counter(name: str) -> int:
        found = result.metrics().query(MetricsFilter().with_name(name))["counters"]
        return sum(m.committed for m in found)

    assert counter("spill_files") >= directories and counter("spill_bytes") > 0
    assert counter("spill_dirs_removed") == directories
    assert touched  # its spill directories were made there...
    assert list(temp.iterdir()) == []  # ... and are gone
