"""Turn a contract-valid record into a warehouse row, and a row into each sink's wire form.

A row is the record plus the contract's derived columns and the ingest columns, with Python values
typed by the BigQuery schema: datetime for TIMESTAMP, bytes for BYTES, a JSON string for JSON. Sinks
then convert: `bigquery_json` for insert_rows_json / WriteToBigQuery, Arrow (streamqoe.contracts.columnar)
for DuckDB and Parquet.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from streamqoe.contracts.bigquery import table_schema
from streamqoe.contracts.registry import Contract

_TRANSFORMS = {
    "epoch_ms_to_timestamp": lambda ms: datetime.fromtimestamp(ms / 1000, tz=UTC),
}


def parse_timestamp(value: str | datetime) -> datetime:
    """Parse an RFC 3339 timestamp ('Z' or offset) into an aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _typed(value: Any, field: Mapping[str, Any]) -> Any:
    if value is None:
        return [] if field["mode"] == "REPEATED" else None
    if field["mode"] == "REPEATED":
        item = {**field, "mode": "NULLABLE"}
        return [_typed(v, item) for v in value]
    kind = field["type"]
    if kind == "TIMESTAMP":
        return parse_timestamp(value)
    if kind == "BYTES":
        return value if isinstance(value, bytes) else base64.b64decode(value)
    if kind == "JSON":
        return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if kind == "RECORD":
        return {f["name"]: _typed(value.get(f["name"]), f) for f in field["fields"]}
    if kind == "FLOAT":
        return float(value)
    return value


def to_row(
    contract: Contract,
    record: Mapping[str, Any],
    *,
    ingested_at: datetime,
    ingest_id: str | None = None,
) -> dict[str, Any]:
    """Build the warehouse row of a record already validated against `contract`."""
    row = {}
    derived = {d["name"]: d for d in contract.table.get("derived", [])}
    for field in table_schema(contract):
        name = field["name"]
        if name in derived:
            spec = derived[name]
            source = record.get(spec["from"])
            row[name] = None if source is None else _TRANSFORMS[spec["transform"]](source)
        elif name == "ingested_at":
            row[name] = ingested_at
        elif name == "ingest_id":
            row[name] = ingest_id
        else:
            row[name] = _typed(record.get(name), field)
    return row


def bigquery_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """Convert a row to the JSON form BigQuery's insertAll and WriteToBigQuery accept."""
    return {k: _jsonable(v) for k, v in row.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value
