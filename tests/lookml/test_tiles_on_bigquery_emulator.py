"""Every dashboard tile's BigQuery SQL, as compiled (no translation), on the local BigQuery
emulator holding the same marts as the DuckDB warehouse, with the same figures.

The marts are copied from the DuckDB warehouse built from simulated data (streaming inserts), so
both engines see the same rows. Counts, sums and dimensions are equal; ratios and averages to
1e-9; percentiles are BigQuery's APPROX_QUANTILES against DuckDB's exact quantile_cont, so they
are checked for the documented rank tolerance instead (docs/lookml.md, "Percentiles"): the
approximate p95 lies between the data values at ranks (n - 1) x 0.93 rounded down and
(n - 1) x 0.97 rounded up of the same rows.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import duckdb
import pytest
from google.cloud import bigquery

pytest.importorskip("lkml", reason="lkml is not installed (docs/lookml.md, Dependencies)")

from app.lookml import validate
from app.lookml.compiler import FanOutError, Query, compile_query

pytestmark = pytest.mark.integration

RETRY = bigquery.DEFAULT_RETRY.with_deadline(60)
PERCENTILE_RANK_TOLERANCE = 0.02
BQ_TYPES = {"VARCHAR": "STRING", "BIGINT": "INT64", "INTEGER": "INT64", "DOUBLE": "FLOAT64",
            "BOOLEAN": "BOOL", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP", "HUGEINT": "INT64"}  # fmt: skip


def _json(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


@pytest.fixture(scope="module")
def bq(built, project, bigquery_emulator):
    """The emulator's client with dataset `analytics` holding a copy of every mart."""
    client = bigquery_emulator.client()
    dataset = f"{project.constants['PROJECT']}.{project.constants['DATASET']}"
    client.create_dataset(dataset, exists_ok=True)
    con = validate.duckdb_connection(built.path, project)
    for view in project.views:
        cursor = con.execute(f'select * from "streamqoe-local".analytics.{view}')
        schema = [
            bigquery.SchemaField(d[0], BQ_TYPES[str(d[1]).split("(")[0]])
            for d in cursor.description
        ]
        names = [d[0] for d in cursor.description]
        table = client.create_table(bigquery.Table(f"{dataset}.{view}", schema=schema))
        rows = [{n: _json(v) for n, v in zip(names, row, strict=True)} for row in cursor.fetchall()]
        for start in range(0, len(rows), 500):
            errors = client.insert_rows_json(table, rows[start : start + 500], retry=RETRY)
            assert errors == []
    con.close()
    yield client
    client.close()


def _norm(value):
    """BigQuery returns TIMESTAMPs as aware UTC datetimes, DuckDB as naive UTC ones."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _key(row: dict, dims: list[str]) -> tuple:
    return tuple(str(_norm(row[d])) for d in dims)


def _is_percentile(project, ref: str) -> bool:
    return project.field(ref).type == "percentile"


def test_every_tile_gives_the_same_figures_on_the_emulator(bq, built, project) -> None:
    duck = {
        (r.tile.dashboard, r.tile.name): r
        for r in validate.run_tiles_duckdb(built.path, project, built.now)
    }
    compared = 0
    for result in validate.run_tiles_bigquery(bq, project, built.now, retry=RETRY):
        tile, rows = result.tile, result.rows
        assert "QUANTILE_CONT" not in result.sql.upper()  # BigQuery SQL, not translated
        expected = duck[(tile.dashboard, tile.name)].rows
        assert len(rows) == len(expected) > 0, tile.title
        fields = tile.query.fields
        dims = [f.replace(".", "_") for f in fields if project.field(f).kind == "dimension"]
        got = {_key(r, dims): r for r in rows}
        for want in expected:
            row = got[_key(want, dims)]
            for ref in fields:
                col = ref.replace(".", "_")
                if _is_percentile(project, ref):
                    assert (row[col] is None) == (want[col] is None), (tile.title, col)
                elif isinstance(want[col], float):
                    assert row[col] == pytest.approx(want[col], rel=1e-9), (tile.title, col)
                elif col in dims:
                    assert _norm(row[col]) == want[col], (tile.title, col)
                else:
                    assert row[col] == want[col], (tile.title, col)
                compared += 1
    assert compared > 200


def test_approx_p95_is_within_the_rank_tolerance(bq, built, project) -> None:
    query = Query("fct_views", ["fct_views.pop", "fct_views.p95_video_startup_time_ms"])
    rows = bq.query(compile_query(project, query, built.now), retry=RETRY).result()
    approx = {r["fct_views_pop"]: r["fct_views_p95_video_startup_time_ms"] for r in rows}
    con = duckdb.connect()
    con.execute(f"attach '{built.path}' as w (read_only)")
    values = con.execute(
        "select pop, list(video_startup_time_ms order by video_startup_time_ms) "
        "from w.analytics.fct_views where video_startup_time_ms is not null group by pop"
    ).fetchall()
    assert len(values) == len(approx) > 3
    for pop, sorted_values in values:
        n = len(sorted_values)
        low = sorted_values[math.floor((n - 1) * (0.95 - PERCENTILE_RANK_TOLERANCE))]
        high = sorted_values[min(n - 1, math.ceil((n - 1) * (0.95 + PERCENTILE_RANK_TOLERANCE)))]
        assert low <= approx[pop] <= high, (pop, n, low, approx[pop], high)


@pytest.mark.slow
def test_every_field_of_every_explore_runs_on_the_emulator(bq, built, project) -> None:
    ran = 0
    for query in validate.field_queries(project):
        try:
            sql = compile_query(project, query, built.now)
        except FanOutError:
            continue  # refused by design; tests/lookml/test_tiles_on_warehouse.py checks which
        list(bq.query(sql, retry=RETRY).result())
        ran += 1
    assert ran > 500
