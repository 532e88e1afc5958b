"""Land contract records in the warehouse: embedded DuckDB locally, BigQuery in production.

Both sinks take records (dicts valid against a contract) and build warehouse rows with
streamqoe.contracts.rows.to_row, so the columns always come from schemas/.

- DuckDB (`duckdb:FILE`): WriteToDuckDBFn buffers the rows of a bundle, then opens the file,
  appends through Arrow and closes it again, so other processes (dbt, the CLI, a notebook) can read
  between writes. A lock held by another process is retried briefly (so are the errors a
  connection to the same file elsewhere in this process causes: `transient_duckdb_error`), then
  the bundle fails and the runner retries it.
- BigQuery (`bigquery:PROJECT.DATASET[?endpoint=URL]`): Beam's WriteToBigQuery with streaming
  inserts into the tables created from the contracts; rows BigQuery refuses come back as dead
  letters of stage `sink`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import apache_beam as beam
import duckdb
import pyarrow as pa
from apache_beam.metrics import Metrics

from pipelines.transforms.parse import METRICS_NAMESPACE
from streamqoe.contracts.bigquery import table_schema
from streamqoe.contracts.columnar import arrow_schema
from streamqoe.contracts.registry import Contract, contract
from streamqoe.contracts.rows import _TRANSFORMS, _typed, bigquery_json
from streamqoe.dead_letters import dead_letter

logger = logging.getLogger(__name__)

# A reader holds the file for milliseconds: retry soon, for up to 5 s in all.
DUCKDB_LOCK_RETRY_SECONDS = 0.05
DUCKDB_LOCK_ATTEMPTS = 100
DUCKDB_BATCH_ROWS = 50_000
# Streaming inserts: the only WriteToBigQuery method that runs without a Java expansion service.
BIGQUERY_METHOD = "STREAMING_INSERTS"


def parse_bigquery_url(url: str) -> tuple[str, str, str | None]:
    """Split `bigquery:PROJECT.DATASET[?endpoint=URL]` into (project, dataset, endpoint).

    Raises:
        ValueError: not a bigquery URL, or no dataset.
    """
    scheme, _, rest = url.partition(":")
    parts = urlsplit("bq://" + rest)
    project, _, dataset = (parts.netloc + parts.path).partition(".")
    if scheme != "bigquery" or not project or not dataset:
        raise ValueError(f"expected bigquery:PROJECT.DATASET[?endpoint=URL], got {url!r}")
    endpoint = parse_qs(parts.query).get("endpoint", [None])[-1]
    return project, dataset, endpoint


class RowBuilder:
    """streamqoe.contracts.rows.to_row with the table schema derived once, not once per row.

    to_row recomputes table_schema(contract) for every record, which dominated the sinks' cost;
    this derives it at construction and copies plain columns (STRING, INTEGER, BOOLEAN) without a
    per-value conversion. tests/pipelines/test_sinks.py checks it equals to_row.
    """

    _PLAIN = ("STRING", "INTEGER", "BOOLEAN")

    def __init__(self, contract_name: str):
        c = contract(contract_name)
        derived = {d["name"]: d for d in c.table.get("derived", [])}
        self.plan: list[tuple[str, str, Any]] = []
        for field in table_schema(c):
            name = field["name"]
            if name in derived:
                self.plan.append((name, "derived", derived[name]))
            elif name in ("ingested_at", "ingest_id"):
                self.plan.append((name, name, None))
            elif field["type"] in self._PLAIN and field["mode"] != "REPEATED":
                self.plan.append((name, "plain", None))
            else:
                self.plan.append((name, "typed", field))

    def __call__(self, record: Mapping[str, Any], ingested_at: datetime) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for name, kind, spec in self.plan:
            if kind == "plain":
                row[name] = record.get(name)
            elif kind == "typed":
                row[name] = _typed(record.get(name), spec)
            elif kind == "derived":
                source = record.get(spec["from"])
                row[name] = None if source is None else _TRANSFORMS[spec["transform"]](source)
            elif kind == "ingested_at":
                row[name] = ingested_at
            else:
                row[name] = None
        return row

    def arrow_table(
        self, records: list[Mapping[str, Any]], ingested_at: datetime, schema: pa.Schema
    ) -> pa.Table:
        """The warehouse rows of `records` as one Arrow table of `schema`, built column by column
        (no per-row dict): equal to pa.Table.from_pylist([self(r, ingested_at) ...], schema)."""
        n = len(records)
        arrays = []
        for (name, kind, spec), field in zip(self.plan, schema, strict=True):
            if kind == "plain":
                values: list[Any] = [r.get(name) for r in records]
            elif kind == "typed":
                values = [_typed(r.get(name), spec) for r in records]
            elif kind == "derived":
                transform = _TRANSFORMS[spec["transform"]]
                values = [
                    None if (v := r.get(spec["from"])) is None else transform(v) for r in records
                ]
            elif kind == "ingested_at":
                values = [ingested_at] * n
            else:
                values = [None] * n
            arrays.append(pa.array(values, type=field.type))
        return pa.Table.from_arrays(arrays, schema=schema)


class ToRowFn(beam.DoFn):
    """In: a record of `contract_name`. Out: its warehouse row (ingested_at = now)."""

    def __init__(self, contract_name: str):
        self.contract_name = contract_name
        self.build: RowBuilder | None = None

    def setup(self) -> None:
        self.build = RowBuilder(self.contract_name)

    def process(self, record: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        yield self.build(record, datetime.now(UTC))


class WriteToDuckDBFn(beam.DoFn):
    """In: records of one contract. Out: nothing; the records' rows (RowBuilder, built column by
    column into Arrow, ingested_at = the time of the write) are appended at the end of each
    bundle, and every `max_batch_rows` records within a large bundle (the FnApiRunner runs a
    whole bounded stage as one bundle, which would otherwise hold every row in memory).

    The file is opened per batch and closed right after, never held between batches.
    """

    def __init__(self, path: str, contract_name: str, max_batch_rows: int = DUCKDB_BATCH_ROWS):
        self.path = path
        self.contract_name = contract_name
        self.max_batch_rows = max_batch_rows
        self.rows: list[Mapping[str, Any]] = []
        self.build: RowBuilder | None = None

    def setup(self) -> None:
        self.build = RowBuilder(self.contract_name)

    def start_bundle(self) -> None:
        self.rows = []

    def process(self, record: Mapping[str, Any]) -> None:
        self.rows.append(record)
        if len(self.rows) >= self.max_batch_rows:
            self.flush()

    def finish_bundle(self) -> None:
        self.flush()

    def flush(self) -> None:
        """Append the buffered rows (open, insert through Arrow, close; a transient error, e.g.
        a reader holding the file, is retried: transient_duckdb_error)."""
        if not self.rows:
            return
        c = contract(self.contract_name)
        build = self.build or RowBuilder(self.contract_name)
        table = build.arrow_table(self.rows, datetime.now(UTC), arrow_schema(table_schema(c)))
        append_to_duckdb(self.path, c, table)
        self.rows = []


def append_to_duckdb(path: str, c: Contract, table: pa.Table) -> None:
    """Append `table` (the contract's table schema) to its table in the DuckDB file `path`:
    open, create the table if needed, insert through Arrow, close. A transient error (a reader
    or another connection holding the file: transient_duckdb_error) is retried
    DUCKDB_LOCK_ATTEMPTS times; any other is raised. Counted in SINK_STATS and Beam counters."""
    from streamqoe.warehouse.duckdb_warehouse import DuckDBWarehouse

    started = time.monotonic()
    retries = 0
    for attempt in range(1, DUCKDB_LOCK_ATTEMPTS + 1):
        try:
            with DuckDBWarehouse(path) as warehouse:
                warehouse.ensure_table(c)
                warehouse.insert_table(c.table_name, table)
            break
        except duckdb.Error as exc:
            if not transient_duckdb_error(exc) or attempt == DUCKDB_LOCK_ATTEMPTS:
                raise
            logger.debug("%s busy (attempt %s: %s), retrying", path, attempt, exc)
            retries += 1
            time.sleep(DUCKDB_LOCK_RETRY_SECONDS)
    SINK_STATS.add(table.num_rows, retries, time.monotonic() - started)
    if retries:
        Metrics.counter(METRICS_NAMESPACE, "duckdb_retries").inc(retries)
    Metrics.counter(METRICS_NAMESPACE, f"landed_{c.table_name}").inc(table.num_rows)


class SinkStats:
    """What the DuckDB sinks of this process did (appends, rows, retries, seconds spent opening,
    appending and closing): for benchmarks, which read it in the same process (Beam's counters
    are not reliable on the streaming DirectRunner)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.appends = self.rows = self.retries = 0
        self.seconds = 0.0

    def add(self, rows: int, retries: int, seconds: float) -> None:
        with self.lock:
            self.appends += 1
            self.rows += rows
            self.retries += retries
            self.seconds += seconds

    def snapshot(self) -> dict[str, float]:
        with self.lock:
            return {
                "appends": self.appends,
                "rows": self.rows,
                "retries": self.retries,
                "seconds": round(self.seconds, 3),
            }


SINK_STATS = SinkStats()


def transient_duckdb_error(exc: duckdb.Error) -> bool:
    """Whether a failed open or append of the warehouse file is worth retrying: the file is locked
    by another process (a reader between two writes), or held by a connection elsewhere in this
    process with another configuration (e.g. read_only), or DuckDB lost its Arrow scan function
    while another connection to the same file in this process opened or closed (a DuckDB race:
    `Table Function with name python_arrow_scan does not exist`). The append is one statement, so
    a failed attempt wrote nothing."""
    text = str(exc).lower()
    return (
        (isinstance(exc, duckdb.IOException) and "lock" in text)
        or (isinstance(exc, duckdb.ConnectionException) and "different configuration" in text)
        or (isinstance(exc, duckdb.CatalogException) and "python_arrow_scan" in text)
    )


# BigQuery reports every failed field of a row; the message keeps the first 4,000 characters.
SINK_ERROR_MESSAGE_MAX_CHARS = 4000


def sink_dead_letter(failed: Any, table: str) -> dict[str, Any]:
    """Build a dead letter (stage `sink`) from a WriteToBigQuery failed row (destination, row,
    errors)."""
    row = failed[1]
    errors = failed[2] if len(failed) > 2 else []
    return dead_letter(
        json.dumps(row, sort_keys=True, default=str).encode(),
        source=f"bigquery:{table}",
        stage="sink",
        contract=contract_for_table(table),
        error_class="BigQueryInsertError",
        error_message=json.dumps(errors, default=str)[:SINK_ERROR_MESSAGE_MAX_CHARS],
        received_at=datetime.now(UTC),
    )


def contract_for_table(table: str) -> str | None:
    """Return the contract key (e.g. view.v1) whose table is `table`."""
    from streamqoe.contracts.bigquery import landed_contracts

    for c in landed_contracts():
        if c.table_name == table:
            return c.key
    return None


class WriteToWarehouse(beam.PTransform):
    """In: PCollection[record of `contract_name`]. Out: PCollection of dead letters for rows the
    sink refused (BigQuery only; empty for DuckDB, which fails the bundle instead).

    Args:
        warehouse_url: `duckdb:FILE` or `bigquery:PROJECT.DATASET[?endpoint=URL]`.
        contract_name: the records' contract (its table is the destination).
    """

    def __init__(self, warehouse_url: str, contract_name: str):
        super().__init__()
        self.warehouse_url = warehouse_url
        self.contract_name = contract_name

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        c = contract(self.contract_name)
        if self.warehouse_url.startswith("duckdb:"):
            path = self.warehouse_url.removeprefix("duckdb:")
            _ = records | "WriteToDuckDBFn" >> beam.ParDo(WriteToDuckDBFn(path, self.contract_name))
            return records.pipeline | "NoSinkDeadLetters" >> beam.Create([])
        rows = records | "ToRowFn" >> beam.ParDo(ToRowFn(self.contract_name))
        project, dataset, _ = parse_bigquery_url(self.warehouse_url)
        result = (
            rows
            | "ToBigQueryJson" >> beam.Map(bigquery_json)
            | "WriteToBigQuery"
            >> beam.io.WriteToBigQuery(
                table=f"{project}:{dataset}.{c.table_name}",
                schema={"fields": table_schema(c)},
                method=BIGQUERY_METHOD,
                create_disposition=beam.io.BigQueryDisposition.CREATE_NEVER,
                write_disposition=beam.io.BigQueryDisposition.WRITE_APPEND,
                insert_retry_strategy="RETRY_ON_TRANSIENT_ERROR",
            )
        )
        return result.failed_rows_with_errors | "ToSinkDeadLetters" >> beam.Map(
            sink_dead_letter, c.table_name
        )
