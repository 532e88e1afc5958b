"""What every warehouse backend offers the pipelines and the CLI."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from streamqoe.contracts.bigquery import landed_contracts
from streamqoe.contracts.registry import Contract, contract
from streamqoe.contracts.rows import to_row


class Warehouse(abc.ABC):
    """A place where contract tables exist and rows land."""

    url: str

    @abc.abstractmethod
    def ensure_table(self, c: Contract) -> None:
        """Create the contract's table if it does not exist (schema, partitioning, clustering)."""

    @abc.abstractmethod
    def insert_rows(self, table: str, rows: list[dict[str, Any]]) -> int:
        """Append rows built by streamqoe.contracts.rows.to_row; return how many landed.

        Raises:
            SinkError: the backend refused some rows (nothing is silently dropped).
        """

    @abc.abstractmethod
    def query(self, sql: str) -> list[dict[str, Any]]:
        """Run SQL in the backend's dialect; table names are written as {table} placeholders
        resolved by `table_ref`."""

    @abc.abstractmethod
    def table_ref(self, table: str) -> str:
        """The fully qualified name of a table in this backend's SQL."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ensure_tables(self) -> list[str]:
        """Create every landed contract's table; return the table names."""
        names = []
        for c in landed_contracts():
            self.ensure_table(c)
            names.append(c.table_name)
        return names

    def land(
        self,
        contract_name: str,
        records: Iterable[tuple[Mapping[str, Any], str | None]],
        *,
        ingested_at: datetime,
    ) -> int:
        """Land (record, ingest_id) pairs already valid against `contract_name`; return the count."""
        c = contract(contract_name)
        rows = [to_row(c, r, ingested_at=ingested_at, ingest_id=i) for r, i in records]
        return self.insert_rows(c.table_name, rows) if rows else 0

    def count(self, table: str) -> int:
        """Number of rows in a table."""
        return int(self.query(f"select count(*) as n from {self.table_ref(table)}")[0]["n"])


class SinkError(RuntimeError):
    """The warehouse refused rows; `errors` says which and why."""

    def __init__(self, table: str, errors: list[Any]):
        self.table = table
        self.errors = errors
        super().__init__(f"{table}: {len(errors)} rows refused, first: {errors[:1]}")
