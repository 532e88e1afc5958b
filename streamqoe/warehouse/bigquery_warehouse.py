"""BigQuery as the warehouse, through google-cloud-bigquery; a BigQuery emulator by endpoint.

Production uses Application Default Credentials. With an endpoint (a local emulator) the client gets
anonymous credentials and `client_options.api_endpoint`; nothing else changes.
"""

from __future__ import annotations

import logging
from typing import Any

from google.api_core.client_options import ClientOptions
from google.api_core.exceptions import Conflict
from google.api_core.retry import Retry
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from streamqoe.contracts.bigquery import table_resource
from streamqoe.contracts.registry import Contract
from streamqoe.contracts.rows import bigquery_json
from streamqoe.warehouse.base import SinkError, Warehouse

logger = logging.getLogger(__name__)

INSERT_BATCH_ROWS = 500  # insertAll recommends at most 500 rows per request
# Retry transient insert failures for at most this long (the client's default is 10 minutes, which
# turns one refused row into a hang; refused rows must surface as a SinkError quickly).
INSERT_RETRY_DEADLINE_SECONDS = 60.0


class BigQueryWarehouse(Warehouse):
    """Land rows in a BigQuery dataset with streaming inserts (insertAll)."""

    def __init__(
        self,
        project: str,
        dataset: str,
        *,
        endpoint: str | None = None,
        location: str | None = None,
    ):
        self.project = project
        self.dataset = dataset
        self.url = f"bigquery:{project}.{dataset}" + (f"?endpoint={endpoint}" if endpoint else "")
        if endpoint:
            self.client = bigquery.Client(
                project=project,
                credentials=AnonymousCredentials(),
                client_options=ClientOptions(api_endpoint=endpoint),
            )
        else:
            self.client = bigquery.Client(project=project)
        ds = bigquery.Dataset(f"{project}.{dataset}")
        if location:
            ds.location = location
        self.client.create_dataset(ds, exists_ok=True)

    def ensure_table(self, c: Contract) -> None:
        table = bigquery.Table.from_api_repr(table_resource(c, self.project, self.dataset))
        try:
            self.client.create_table(table)
        except Conflict:
            logger.debug("table %s exists", c.table_name)

    def insert_rows(self, table: str, rows: list[dict[str, Any]]) -> int:
        ref = f"{self.project}.{self.dataset}.{table}"
        for start in range(0, len(rows), INSERT_BATCH_ROWS):
            chunk = [bigquery_json(r) for r in rows[start : start + INSERT_BATCH_ROWS]]
            errors = self.client.insert_rows_json(
                ref, chunk, retry=Retry(deadline=INSERT_RETRY_DEADLINE_SECONDS)
            )
            if errors:
                raise SinkError(table, errors)
        return len(rows)

    def query(self, sql: str) -> list[dict[str, Any]]:
        return [dict(row.items()) for row in self.client.query(sql).result()]

    def table_ref(self, table: str) -> str:
        return f"`{self.project}.{self.dataset}.{table}`"

    def close(self) -> None:
        self.client.close()
