"""The embedded default warehouse: one DuckDB file, tables derived from the contracts."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from streamqoe.contracts.bigquery import table_schema
from streamqoe.contracts.columnar import arrow_schema, duckdb_columns
from streamqoe.contracts.registry import Contract
from streamqoe.warehouse.base import Warehouse

logger = logging.getLogger(__name__)


class DuckDBWarehouse(Warehouse):
    """Land rows in a DuckDB file through Arrow (one columnar insert per batch)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.url = f"duckdb:{self.path}"
        self.connection = duckdb.connect(str(self.path))
        self._schemas: dict[str, pa.Schema] = {}

    def ensure_table(self, c: Contract) -> None:
        fields = table_schema(c)
        self.connection.execute(
            f'create table if not exists "{c.table_name}" (\n  {duckdb_columns(fields)}\n)'
        )
        self._schemas[c.table_name] = arrow_schema(fields)

    def insert_rows(self, table: str, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        self.insert_table(table, pa.Table.from_pylist(rows, schema=self._schemas[table]))
        logger.debug("landed %s rows in %s", len(rows), table)
        return len(rows)

    def insert_table(self, table: str, batch: pa.Table) -> None:
        """Append an Arrow table whose columns are the table's (matched by name)."""
        self.connection.register("_landing_batch", batch)
        try:
            self.connection.execute(f'insert into "{table}" by name select * from _landing_batch')
        finally:
            self.connection.unregister("_landing_batch")

    def query(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.connection.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def table_ref(self, table: str) -> str:
        return f'"{table}"'

    def close(self) -> None:
        self.connection.close()
