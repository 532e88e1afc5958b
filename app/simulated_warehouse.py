"""A small DuckDB warehouse with every mart, built the way production builds it: the traffic
simulator, the batch pipeline and dbt.

Used by `streamqoe lookml validate --build`, and by the tests that need real marts (LookML tiles,
the data quality suites, the marts against the simulator's ground truth). By default it leaves out
faults (every view's events arrive), so the marts match the ground truth within the tolerances of
docs/dbt.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from streamqoe.simulator.config import DEFAULT_START

DBT_SCHEMA = "analytics"


@dataclass(frozen=True)
class BuiltWarehouse:
    path: Path  # the DuckDB file (marts in schema `analytics`)
    sim_dir: Path  # the simulator's output, with truth/views.parquet and truth/jobs.parquet
    now: datetime  # the end of the simulated window: what relative filters are relative to


def build_warehouse(
    work_dir: Path,
    viewers: int = 200,
    hours: float = 3.0,
    seed: int = 15,
    *,
    simulate_flags: Sequence[str] = ("--no-faults",),
    dbt_command: str = "build",
) -> BuiltWarehouse:
    """Simulate `hours` of `viewers` from DEFAULT_START, land them, run dbt; return the file.

    Args:
        simulate_flags: extra `streamqoe simulate` flags (default: no faults).
        dbt_command: `build` (models and their tests) or `run` (models only).

    Raises:
        RuntimeError: a step failed (the message says which).
    """
    from app import simulate_cli
    from app.dbt_runner import dbt_env, run_dbt
    from pipelines import batch

    sim = work_dir / "sim"
    argv = ["simulate", "--out", str(sim), "--viewers", str(viewers), "--hours", str(hours)]
    if simulate_cli.main([*argv, "--seed", str(seed), *simulate_flags, "-q"]) != 0:
        raise RuntimeError("simulate failed")
    warehouse = work_dir / "warehouse.duckdb"
    result = batch.run(
        [
            "--input", f"{sim}/player/**/*.gz",
            "--input", f"{sim}/cmcd/**/*.cmcd",
            "--input", f"{sim}/cdn/**/*.gz",
            "--input", f"{sim}/transcode/*.jsonl",
            "--warehouse", f"duckdb:{warehouse}",
        ]
    )  # fmt: skip
    if result.state != "DONE":
        raise RuntimeError(f"batch pipeline ended {result.state}")
    with dbt_env(STREAMQOE_DUCKDB_PATH=str(warehouse), STREAMQOE_DBT_SCHEMA=DBT_SCHEMA):
        outcome = run_dbt([dbt_command, "--quiet"], "duckdb", work_dir / "dbt")
    if not outcome.success:
        raise RuntimeError(f"dbt {dbt_command} failed: {outcome.exception}")
    start = datetime.fromisoformat(DEFAULT_START.replace("Z", "+00:00"))
    return BuiltWarehouse(warehouse, sim, start + timedelta(hours=hours))
