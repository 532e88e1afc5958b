"""Read what a pipeline run landed in a DuckDB warehouse, for comparing two runs table by table."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Stamped with the run's clock: differ between two runs of the same input.
RUN_TIME_COLUMNS = {"updated_at", "ingested_at", "received_at"}


def table_rows(warehouse: Path, table: str, rename: tuple[str, str] | None = None) -> list[tuple]:
    """The table's rows without run-time stamps, sorted; `rename` (old, new) in every string."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_name = ? "
                "order by ordinal_position",
                [table],
            ).fetchall()
            if name not in RUN_TIME_COLUMNS
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        rows = con.execute(f'select {select} from "{table}"').fetchall()
    if rename:
        old, new = rename
        rows = [tuple(v.replace(old, new) if isinstance(v, str) else v for v in r) for r in rows]
    return sorted(rows, key=repr)


def landed_tables(warehouse: Path) -> list[str]:
    """The warehouse's table names, sorted."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return sorted(t for (t,) in con.execute("show tables").fetchall())
