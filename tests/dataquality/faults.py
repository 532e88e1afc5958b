"""The faults that break real analytics pipelines, each injected into a copy of the simulated day.

Each fault is SQL against the landed tables (or the marts, for a day's traffic) of the DuckDB
warehouse, reproducing what the failure leaves behind: the rows a broken collector, sink, CDN log
shipper or transcode provider would (not) have landed. The simulator supplies the day and its
background faults; the selection is deterministic (hashes of ids), so the detection table is
stable run to run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    inject: Callable[[duckdb.DuckDBPyConnection, datetime], None]


def _ts(at: datetime) -> str:
    return f"timestamptz '{at.isoformat()}'"


def null_spike(con, as_of):
    con.execute("update views set content_id = null where hash(view_id) % 10 < 3")


def duplicated_views(con, as_of):
    con.execute("insert into views select * from views where hash(view_id) % 10 < 3")


def _busiest_pop_hour(con, as_of) -> tuple[str, datetime]:
    day = as_of.replace(hour=0, minute=0, second=0, microsecond=0)
    return con.execute(
        "select pop, date_trunc('hour', request_at) as h from cdn_requests "
        f"where request_at >= {_ts(day)} group by all order by count(*) desc, pop limit 1"
    ).fetchone()


def silent_pop(con, as_of):
    pop, hour = _busiest_pop_hour(con, as_of)
    con.execute(
        "delete from cdn_requests where pop = ? and request_at >= ? "
        "and request_at < ? + interval 1 hour",
        [pop, hour, hour],
    )


def clock_skew(con, as_of):
    con.execute(
        "update player_events set event_at = event_at + interval 4 hour "
        "where hash(viewer_id) % 10 < 3"
    )


def truncated_cdn_hour(con, as_of):
    _, hour = _busiest_pop_hour(con, as_of)
    con.execute(
        "delete from cdn_requests where request_at >= ? and request_at < ? + interval 1 hour "
        "and hash(coalesce(request_id, '') || cast(request_at as varchar)) % 10 < 9",
        [hour, hour],
    )


def stuck_transcode_job(con, as_of):
    stuck_since = as_of - timedelta(hours=12)
    con.execute(
        "insert into transcode_jobs select * replace ("
        "'job-stuck-1' as job_id, 'progressing' as state, ? as last_event_at, "
        "null as finished_at, 0 as version) from transcode_jobs order by job_id limit 1",
        [stuck_since],
    )


def dead_letter_burst(con, as_of):
    con.execute(
        "insert into dead_letters select d.* replace ("
        "d.ingest_id || '-burst-' || cast(k as varchar) as ingest_id) "
        "from (select * from dead_letters limit 1) d, range(1000) r(k)"
    )


def fifth_of_a_day(con, as_of):
    day = (as_of - timedelta(days=1)).date()
    con.execute(
        "delete from analytics.fct_qoe_daily where view_date = ? and hash(qoe_daily_key) % 5 <> 0",
        [day],
    )


FAULTS = (
    Fault("null spike in a key column", "views.content_id set to null on 30 % of rows", null_spike),
    Fault(
        "duplicated views", "30 % of the landed view rows landed a second time", duplicated_views
    ),
    Fault("a PoP going silent", "the busiest PoP's requests removed for one hour", silent_pop),
    Fault(
        "client clock skew of hours",
        "player events of 30 % of viewers 4 h ahead",
        clock_skew,
    ),
    Fault(
        "a truncated CDN log hour",
        "90 % of the busiest hour's CDN requests removed",
        truncated_cdn_hour,
    ),
    Fault(
        "a transcode job stuck in PROGRESSING",
        "a job whose last event, PROGRESSING, is 12 h old",
        stuck_transcode_job,
    ),
    Fault("a dead-letter burst", "1000 dead letters in the run's ingest hour", dead_letter_burst),
    Fault(
        "a day with a fifth of its usual traffic",
        "4 in 5 of the previous day's fct_qoe_daily rows removed",
        fifth_of_a_day,
    ),
)
