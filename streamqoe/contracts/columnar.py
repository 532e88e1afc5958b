"""Arrow schemas and DuckDB column types derived from the BigQuery table schemas.

DuckDB (the embedded warehouse) and Parquet files get their columns from the same generated BigQuery
schema, so a column added to a contract appears everywhere at once.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

_ARROW = {
    "STRING": pa.string(),
    "INTEGER": pa.int64(),
    "FLOAT": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us", tz="UTC"),
    "DATE": pa.date32(),
    "BYTES": pa.binary(),
    "JSON": pa.string(),
}

_DUCKDB = {
    "STRING": "VARCHAR",
    "INTEGER": "BIGINT",
    "FLOAT": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMPTZ",
    "DATE": "DATE",
    "BYTES": "BLOB",
    "JSON": "JSON",
}


def arrow_type(field: Mapping[str, Any]) -> pa.DataType:
    """Arrow type of one BigQuery field (REPEATED becomes a list)."""
    if field["type"] == "RECORD":
        base = pa.struct([arrow_field(f) for f in field["fields"]])
    else:
        base = _ARROW[field["type"]]
    return pa.list_(base) if field["mode"] == "REPEATED" else base


def arrow_field(field: Mapping[str, Any]) -> pa.Field:
    return pa.field(field["name"], arrow_type(field), nullable=field["mode"] != "REQUIRED")


def arrow_schema(fields: Sequence[Mapping[str, Any]]) -> pa.Schema:
    """Arrow schema of a BigQuery schema."""
    return pa.schema([arrow_field(f) for f in fields])


def duckdb_type(field: Mapping[str, Any]) -> str:
    """DuckDB column type of one BigQuery field."""
    if field["type"] == "RECORD":
        inner = ", ".join(f'"{f["name"]}" {duckdb_type(f)}' for f in field["fields"])
        base = f"STRUCT({inner})"
    else:
        base = _DUCKDB[field["type"]]
    return f"{base}[]" if field["mode"] == "REPEATED" else base


def duckdb_columns(fields: Sequence[Mapping[str, Any]]) -> str:
    """The column list of a CREATE TABLE for a BigQuery schema (REQUIRED becomes NOT NULL)."""
    cols = []
    for f in fields:
        not_null = " NOT NULL" if f["mode"] == "REQUIRED" else ""
        cols.append(f'"{f["name"]}" {duckdb_type(f)}{not_null}')
    return ",\n  ".join(cols)


@functools.cache
def parsed_arrow_schema(contract_name: str) -> pa.Schema:
    """Arrow schema of a contract's table rows without the ingest columns: what the columnar
    parsers produce (the sinks add `ingested_at` and `ingest_id`)."""
    from streamqoe.contracts.bigquery import INGEST_COLUMNS, table_schema
    from streamqoe.contracts.registry import contract

    ingest = {c["name"] for c in INGEST_COLUMNS}
    return arrow_schema(
        [f for f in table_schema(contract(contract_name)) if f["name"] not in ingest]
    )
