"""Prove the LookML project without a Looker instance: every file parses and every reference
resolves (`app.lookml.project`), the generated views match the dbt contracts
(`app.lookml.generate`), and every dashboard tile compiles to BigQuery SQL
(`app.lookml.compiler`) that parses in the BigQuery dialect and runs on a warehouse: DuckDB
(translated with sqlglot) or BigQuery itself (the local emulator in the tests).

A tile's query is its explore, fields, sorts and limit, its own `filters`, and the default value
of every dashboard filter it `listen`s to (an empty default is no filter), over the explore's
`always_filter` defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from sqlglot.errors import SqlglotError

from app.lookml import generate
from app.lookml.compiler import (
    CompileError,
    FanOutError,
    Query,
    compile_query,
    parse_bigquery,
    to_duckdb,
)
from app.lookml.project import Project


@dataclass(frozen=True)
class Tile:
    dashboard: str
    name: str
    title: str
    query: Query


@dataclass
class TileResult:
    tile: Tile
    sql: str  # BigQuery
    rows: list[dict[str, Any]]
    warehouse_sql: str = ""  # what actually ran (DuckDB), when translated


def tiles(project: Project) -> list[Tile]:
    """Every dashboard element with a query, with the dashboard filters' defaults applied."""
    out = []
    for name, dash in project.dashboards.items():
        defaults = {f["name"]: str(f.get("default_value") or "") for f in dash.get("filters", [])}
        for element in dash.get("elements", []):
            if not element.get("fields"):
                continue
            filters = {k: str(v) for k, v in (element.get("filters") or {}).items()}
            for flt, ref in (element.get("listen") or {}).items():
                if defaults.get(flt):
                    filters[ref] = defaults[flt]
            query = Query(
                explore=element["explore"],
                fields=list(element["fields"]),
                filters=filters,
                sorts=list(element.get("sorts") or []),
                limit=element.get("limit", 500),
            )
            out.append(Tile(name, element["name"], element["title"], query))
    return out


def field_queries(project: Project) -> list[Query]:
    """One query per explore and field of the views it reaches: each field alone, so every
    dimension, timeframe and measure is compiled (and run) in every explore that offers it."""
    return [
        Query(explore.name, [f"{view}.{name}"], limit=5)
        for explore in project.explores.values()
        for view in explore.views
        for name in project.views[view].fields
    ]


def static_problems(project: Project, now: datetime) -> list[str]:
    """Everything that can be checked without a warehouse, as messages (empty: all good)."""
    problems = generate.check() + project.problems()
    if problems:
        return problems
    for tile in tiles(project):
        where = f"{tile.dashboard}.{tile.name}"
        if " by " not in tile.title:
            problems.append(f"{where}: title {tile.title!r} is not '<metric> by <breakdown>'")
        try:
            sql = compile_query(project, tile.query, now)
            parse_bigquery(sql)
            to_duckdb(sql)
        except (CompileError, SqlglotError) as exc:
            problems.append(f"{where}: {exc}")
    for query in field_queries(project):
        try:
            to_duckdb(compile_query(project, query, now))
        except FanOutError:
            continue  # a sum over a fanned-out join: refused by design (docs/lookml.md)
        except (CompileError, SqlglotError) as exc:
            problems.append(f"explore {query.explore} field {query.fields[0]}: {exc}")
    return problems


def duckdb_connection(warehouse: Path, project: Project) -> duckdb.DuckDBPyConnection:
    """A UTC connection with the warehouse attached under the PROJECT constant's name, so the
    compiled `project.dataset.table` names resolve as they do on BigQuery."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    catalog = project.constants["PROJECT"].replace('"', "")
    con.execute(f"ATTACH '{warehouse}' AS \"{catalog}\" (READ_ONLY)")
    return con


def run_duckdb(
    con: duckdb.DuckDBPyConnection, project: Project, query: Query, now: datetime
) -> TileResult:
    """Compile one query and run it on DuckDB; rows as dicts keyed by Looker's aliases."""
    sql = compile_query(project, query, now)
    translated = to_duckdb(sql)
    cursor = con.execute(translated)
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return TileResult(Tile("", "", "", query), sql, rows, translated)


def run_tiles_duckdb(warehouse: Path, project: Project, now: datetime) -> list[TileResult]:
    """Every tile on a DuckDB warehouse."""
    con = duckdb_connection(warehouse, project)
    try:
        results = []
        for tile in tiles(project):
            result = run_duckdb(con, project, tile.query, now)
            result.tile = tile
            results.append(result)
        return results
    finally:
        con.close()


def run_tiles_bigquery(
    client: Any, project: Project, now: datetime, retry: Any = None
) -> list[TileResult]:
    """Every tile on BigQuery (or the emulator) through a google-cloud-bigquery client, with the
    compiled SQL as it is (no translation)."""
    results = []
    for tile in tiles(project):
        sql = compile_query(project, tile.query, now)
        job = client.query(sql, retry=retry) if retry is not None else client.query(sql)
        rows = [dict(r.items()) for r in job.result()]
        results.append(TileResult(tile, sql, rows))
    return results
