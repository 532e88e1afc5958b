"""A simulated day, landed by the batch pipeline and modelled by dbt, built once per session.

300 viewers over 2 hours (about 70 views, 12 000 player events, 18 000 CDN requests), with the
simulator's default faults (the background a real day has), then a week of history: the day's CDN
requests and fct_qoe_daily rows copied to each of the 7 days before (landed on those days), so the volume suites judge
the day against a baseline. Tests copy the warehouse file before changing it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from app.simulated_warehouse import build_warehouse
from dataquality.run import simulated_as_of

HISTORY_DAYS = 7


@dataclass(frozen=True)
class SimulatedDay:
    simulation: Path
    warehouse: Path
    as_of: datetime

    def copy(self, to: Path) -> Path:
        """A copy of the warehouse file to change."""
        shutil.copyfile(self.warehouse, to)
        return to


def add_history(path: Path, days: int = HISTORY_DAYS) -> None:
    """Copy the day's CDN requests and daily rollups to each of the `days` days before."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            "insert into cdn_requests select c.* replace (request_at - to_days(k::int) as request_at, "
            "ingested_at - to_days(k::int) as ingested_at)"
            f" from cdn_requests c, range(1, {days + 1}) r(k)"
        )
        con.execute(
            "insert into analytics.fct_qoe_daily select d.* replace "
            "(cast(view_date - to_days(k::int) as date) as view_date, "
            "last_ingested_at - to_days(k::int) as last_ingested_at) "
            f"from analytics.fct_qoe_daily d, range(1, {days + 1}) r(k)"
        )


@pytest.fixture(scope="session")
def simulated_day(tmp_path_factory: pytest.TempPathFactory) -> SimulatedDay:
    root = tmp_path_factory.mktemp("dq_day")
    built = build_warehouse(
        root,
        viewers=300,
        hours=2,
        seed=5,
        simulate_flags=("--cdn-sample", "0.5"),
        dbt_command="run",
    )
    sim, path = built.sim_dir, built.path
    add_history(path)
    return SimulatedDay(simulation=sim, warehouse=path, as_of=simulated_as_of(sim))
