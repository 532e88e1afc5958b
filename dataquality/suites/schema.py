"""`<table>__schema` for every landed table, generated from its contract (schemas/).

The landed table must have exactly the contract's columns (a pipeline writing an old or a newer
contract, or a table created by hand, shows here first) and must not be empty. Column types are
enforced by the warehouse itself (DuckDB DDL and BigQuery schemas are generated from the same
contracts), so they are not checked twice.

A departure from one-module-per-table: these suites are generated, so one module holds them all.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from dataquality.suites.base import GuardedSuite, RunParams, Source, table
from streamqoe.contracts.bigquery import landed_contracts, table_schema

# Rows read per table: enough to see the columns and that the table is not empty.
SAMPLE_ROWS = 100


def _suite(table_name: str, columns: tuple[str, ...]) -> GuardedSuite:
    source = Source(table_name, "landed", ("*",), limit=SAMPLE_ROWS)

    def expectations(params: RunParams) -> list:
        return [
            gxe.ExpectTableColumnsToMatchSet(column_set=list(columns), exact_match=True),
            gxe.ExpectTableRowCountToBeBetween(min_value=params.thresholds.min_row_count),
        ]

    return GuardedSuite(
        name=f"{table_name}__schema",
        reads=(source,),
        # Values as text: nested and binary columns need no parquet mapping for a column check.
        frame=lambda frames, params: table(frames, source).astype(str),
        expectations=expectations,
    )


def schema_suites() -> list[GuardedSuite]:
    """One schema suite per landed contract table."""
    return [
        _suite(c.table_name, tuple(f["name"] for f in table_schema(c))) for c in landed_contracts()
    ]
