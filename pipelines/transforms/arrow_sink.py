"""Land records that are already Arrow tables (batch's bulk beacon path) in the warehouse.

ReadAndParseFiles(beacon_tables=True) gives each beacon file's player events as one Arrow table
of table rows without the ingest columns (streamqoe.ingest.columnar_beacon: the rows RowBuilder
makes of the same records). WriteArrowToWarehouse lands them as sinks.WriteToWarehouse lands
records:

- DuckDB: WriteArrowToDuckDBFn collects tables until they hold at least a DuckDB row group
  (122,880 rows) or the bundle ends, appends the ingest columns (`ingested_at` = the time of the
  write, `ingest_id` null, as RowBuilder sets them) and inserts them with DuckDBWarehouse.insert_table; the
  file is opened per insert and closed right after; a busy file (sinks.transient_duckdb_error)
  is retried as sinks.WriteToDuckDBFn retries it. Inserting whole row groups lets DuckDB write
  them straight to the file: landing a beacon file (~12k rows) at a time cost 3x the CPU, mostly
  in the checkpoint at each close.
- Any other warehouse (BigQuery): the tables become records again (one dict per row) and go
  through sinks.WriteToWarehouse.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import apache_beam as beam
import pyarrow as pa

from pipelines.transforms.sinks import WriteToWarehouse, append_to_duckdb
from streamqoe.contracts.bigquery import table_schema
from streamqoe.contracts.columnar import arrow_schema
from streamqoe.contracts.registry import contract, iter_properties

logger = logging.getLogger(__name__)

DUCKDB_ROW_GROUP_ROWS = 122_880


def with_ingest_columns(rows: pa.Table, schema: pa.Schema, ingested_at: datetime) -> pa.Table:
    """The warehouse table of `rows` (every column of `schema` but the ingest ones, in order):
    `ingested_at` set to `ingested_at`, `ingest_id` null."""
    n = rows.num_rows
    columns = list(rows.columns)
    for field in list(schema)[rows.num_columns :]:
        if field.name == "ingested_at":
            columns.append(pa.repeat(pa.scalar(ingested_at, type=field.type), n))
        else:
            columns.append(pa.nulls(n, type=field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def table_records(element: tuple[str, pa.Table], contract_name: str) -> Iterator[dict[str, Any]]:
    """The records of a table of rows (contract properties only; nulls stay as None)."""
    _, rows = element
    names = [name for name, _ in iter_properties(contract(contract_name).schema)]
    yield from rows.select(names).to_pylist()


class WriteArrowToDuckDBFn(beam.DoFn):
    """In: (path, table of `contract_name` rows without ingest columns). Out: nothing; the tables
    are appended to the contract's table in the DuckDB file at `path`, `min_rows` or more at a
    time (and whatever is left at the end of each bundle)."""

    def __init__(self, path: str, contract_name: str, min_rows: int = DUCKDB_ROW_GROUP_ROWS):
        self.path = path
        self.contract_name = contract_name
        self.min_rows = min_rows
        self.pending: list[pa.Table] = []
        self.pending_rows = 0

    def start_bundle(self) -> None:
        self.pending, self.pending_rows = [], 0

    def process(self, element: tuple[str, pa.Table]) -> None:
        _, rows = element
        self.pending.append(rows)
        self.pending_rows += rows.num_rows
        if self.pending_rows >= self.min_rows:
            self.flush()

    def finish_bundle(self) -> None:
        self.flush()

    def flush(self) -> None:
        """Insert the collected tables as one (open, insert through Arrow, close; retry on a
        lock)."""
        if not self.pending:
            return
        rows = pa.concat_tables(self.pending)
        self.pending, self.pending_rows = [], 0
        c = contract(self.contract_name)
        table = with_ingest_columns(rows, arrow_schema(table_schema(c)), datetime.now(UTC))
        append_to_duckdb(self.path, c, table)


class WriteArrowToWarehouse(beam.PTransform):
    """In: PCollection[(path, Arrow table of `contract_name` rows without ingest columns)].
    Out: PCollection of dead letters for rows the sink refused (as sinks.WriteToWarehouse)."""

    def __init__(self, warehouse_url: str, contract_name: str):
        super().__init__()
        self.warehouse_url = warehouse_url
        self.contract_name = contract_name

    def expand(self, tables: beam.PCollection) -> beam.PCollection:
        if self.warehouse_url.startswith("duckdb:"):
            path = self.warehouse_url.removeprefix("duckdb:")
            _ = tables | "WriteArrowToDuckDBFn" >> beam.ParDo(
                WriteArrowToDuckDBFn(path, self.contract_name)
            )
            return tables.pipeline | "NoSinkDeadLetters" >> beam.Create([])
        records = tables | "TableRecords" >> beam.FlatMap(table_records, self.contract_name)
        return records | "WriteToWarehouse" >> WriteToWarehouse(
            self.warehouse_url, self.contract_name
        )
