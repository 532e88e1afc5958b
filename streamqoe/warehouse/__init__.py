"""The warehouse the pipelines land in: embedded DuckDB by default, BigQuery by configuration.

`open_warehouse(url)` picks the backend from a URL, so the same code lands in either:

- `duckdb:PATH` (default `duckdb:<data dir>/warehouse.duckdb`): an embedded DuckDB file;
- `bigquery:PROJECT.DATASET` for Google BigQuery, or with `?endpoint=http://127.0.0.1:PORT` for a
  BigQuery emulator (the same client library, pointed elsewhere).

Tables are created from the contracts (schemas/bigquery/*.json), never by hand.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from streamqoe.config import data_dir
from streamqoe.warehouse.base import Warehouse


def default_url() -> str:
    """The embedded default: a DuckDB file under the data directory."""
    return f"duckdb:{data_dir() / 'warehouse.duckdb'}"


def open_warehouse(url: str | None = None) -> Warehouse:
    """Open the warehouse a URL names (see the module docstring).

    Raises:
        ValueError: the URL names no known backend or is malformed.
    """
    url = url or default_url()
    scheme, _, rest = url.partition(":")
    if scheme == "duckdb":
        from streamqoe.warehouse.duckdb_warehouse import DuckDBWarehouse

        return DuckDBWarehouse(rest or str(data_dir() / "warehouse.duckdb"))
    if scheme == "bigquery":
        from streamqoe.warehouse.bigquery_warehouse import BigQueryWarehouse

        parts = urlsplit("bq://" + rest)
        target = parts.netloc + parts.path
        project, _, dataset = target.partition(".")
        if not project or not dataset:
            raise ValueError(f"bigquery warehouse URL needs PROJECT.DATASET, got {url!r}")
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return BigQueryWarehouse(
            project, dataset, endpoint=options.get("endpoint"), location=options.get("location")
        )
    raise ValueError(f"unknown warehouse {url!r}: use duckdb:PATH or bigquery:PROJECT.DATASET")


__all__ = ["Warehouse", "default_url", "open_warehouse"]
