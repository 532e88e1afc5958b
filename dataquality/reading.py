"""Read the tables suites guard from any warehouse into pandas, the same way on every backend.

`open_checked(url)` opens the warehouse a URL names only when it can be reached (a DuckDB file that
exists, a BigQuery emulator endpoint that answers), so a bad URL is a clear error instead of a new
empty file or a ten-minute retry. `read_sources` runs one portable `select` per source through
the warehouse adapter (streamqoe.warehouse) and normalises timestamps to UTC.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd

from dataquality.suites.base import Source
from streamqoe.warehouse import Warehouse, default_url, open_warehouse

# An emulator on this machine answers at once; longer means nothing listens there.
CONNECT_TIMEOUT_SECONDS = 3.0


class DataQualityError(RuntimeError):
    """A run could not start or read its tables (bad URL, unreachable warehouse, missing table)."""


def _check_reachable(url: str) -> None:
    scheme, _, rest = url.partition(":")
    if scheme == "duckdb":
        path = Path(rest)
        if not path.is_file():
            raise DataQualityError(f"no DuckDB warehouse at {path} (land data first: {url})")
    elif scheme == "bigquery":
        endpoint = {k: v[-1] for k, v in parse_qs(urlsplit("bq://" + rest).query).items()}.get(
            "endpoint"
        )
        if endpoint:
            parts = urlsplit(endpoint)
            try:
                socket.create_connection(
                    (parts.hostname, parts.port or 80), timeout=CONNECT_TIMEOUT_SECONDS
                ).close()
            except OSError as exc:
                raise DataQualityError(f"BigQuery endpoint {endpoint} unreachable: {exc}") from exc


def open_checked(url: str | None = None) -> Warehouse:
    """Open the warehouse `url` names (default: the embedded DuckDB file) if it can be reached.

    Raises:
        DataQualityError: the URL is malformed, or the warehouse is missing or unreachable.
    """
    url = url or default_url()
    _check_reachable(url)
    try:
        return open_warehouse(url)
    except Exception as exc:
        raise DataQualityError(f"cannot open warehouse {url}: {exc}") from exc


def source_ref(warehouse: Warehouse, source: Source, marts_schema: str) -> str:
    """The table's name in the warehouse's SQL: landed tables in its dataset, marts in dbt's."""
    if source.layer == "landed":
        return warehouse.table_ref(source.table)
    project = getattr(warehouse, "project", None)
    if project:
        return f"`{project}.{marts_schema}.{source.table}`"
    return f'"{marts_schema}"."{source.table}"'


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps (`*_at` columns, by the house naming rule) as UTC pandas timestamps."""
    for column in frame.columns:
        if column.endswith("_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def read_source(warehouse: Warehouse, source: Source, marts_schema: str) -> pd.DataFrame:
    """The rows of one source as a DataFrame.

    Raises:
        DataQualityError: the table is missing or the query failed.
    """
    ref = source_ref(warehouse, source, marts_schema)
    columns = ", ".join(source.columns) if source.columns != ("*",) else "*"
    sql = f"select {columns} from {ref}" + (f" limit {source.limit}" if source.limit else "")
    try:
        rows = warehouse.query(sql)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataQualityError(f"cannot read {ref} from {warehouse.url}: {first}") from exc
    names = None if source.columns == ("*",) else list(source.columns)
    return normalise(pd.DataFrame.from_records(rows, columns=names))


def read_sources(
    warehouse: Warehouse, sources: Iterable[Source], marts_schema: str
) -> dict[str, pd.DataFrame]:
    """Source key -> frame, each source read once."""
    frames: dict[str, pd.DataFrame] = {}
    for source in sources:
        if source.key not in frames:
            frames[source.key] = read_source(warehouse, source, marts_schema)
    return frames
