"""Run the dbt project (dbt/) in-process, on DuckDB or BigQuery, with settings from the environment.

dbt/profiles.yml reads every setting from environment variables (STREAMQOE_DUCKDB_PATH,
STREAMQOE_DBT_SCHEMA, STREAMQOE_BIGQUERY_ENDPOINT, ...); `dbt_env` sets them for one run and
restores them after, and `run_dbt` invokes dbt's own runner so no subprocess or shell is involved.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from streamqoe.config import REPO_ROOT

DBT_PROJECT_DIR = REPO_ROOT / "dbt"


@contextmanager
def dbt_env(**variables: str) -> Iterator[None]:
    """Set environment variables for an in-process dbt run, and restore them afterwards."""
    previous = {k: os.environ.get(k) for k in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_dbt(args: Sequence[str], target: str, work_dir: Path) -> Any:
    """Run dbt in-process on the project with its in-project profiles; return the dbtRunnerResult.

    Args:
        args: the dbt command and its flags, e.g. ["build", "--quiet"].
        target: a target of dbt/profiles.yml (duckdb, bigquery, bigquery_emulator).
        work_dir: where dbt writes its target/ and logs/ folders.
    """
    from dbt.cli.main import dbtRunner  # heavy import, only when dbt runs

    try:
        return dbtRunner().invoke(
            [
                *args,
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target",
                target,
                "--target-path",
                str(work_dir / "target"),
                "--log-path",
                str(work_dir / "logs"),
            ]
        )
    finally:
        if target.startswith("duckdb"):
            release_duckdb()


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in-process after a run.

    dbt-duckdb caches one environment (and its duckdb connection) per process; until it is closed,
    nothing else in the process can open the same file with another configuration.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None
