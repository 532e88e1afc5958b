"""The figures of `freshness`, from the publisher's log (published.npz, events.parquet), the
poller's (polls.csv) and the warehouse's rows (player_events, views), joined in DuckDB.

player_events: publish time (recorded by the publisher just before `publish()`) against the time
the poller first counted its row (rows are append-only, so row number r is visible once a poll
counts more than r rows), and against `ingested_at` (the sink's write, no poll granularity).
views: how long until each event is reflected in a visible row of its view, and until a view's
first row is visible."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench.common import fmt_latency, latency_stats
from bench.streaming.harness import open_warehouse
from bench.streaming.settings import GOAL_P95_SECONDS
from bench.streaming.stream import StreamSpec


def load(con: Any, workdir: Path, warehouse: Path, pub: Any) -> None:
    """Tables landed_rows, view_rows, published, events and polls in `con`."""
    import numpy as np
    import pyarrow as pa

    wh = open_warehouse(warehouse)
    landed = wh.sql(
        "select rowid as r, view_id, sequence_number, epoch(ingested_at) as ing from player_events"
    ).to_arrow_table()
    views = wh.sql(
        "select rowid as r, view_id, event_count, is_final, epoch(ingested_at) as ing from views"
    ).to_arrow_table()
    wh.close()
    times = pub["times"]
    con.register("landed_rows", landed)
    con.register("view_rows", views)
    con.register("published", pa.table({"message": np.arange(len(times)), "published_at": times}))
    con.execute(
        f"create table events as select * from read_parquet('{workdir / 'events.parquet'}')"
    )
    con.execute(
        f"create table polls as select events as n_events, views as n_views, t, failed_opens "
        f"from read_csv('{workdir / 'polls.csv'}')"
    )


def column(con: Any, sql: str) -> list[Any]:
    return [r[0] for r in con.execute(sql).fetchall()]


def event_figures(con: Any, t0: float) -> dict[str, Any]:
    """Per published event: publish -> visible to the poller, publish -> ingested_at; missing
    and late events; the poller's opens; per 30 s of publish time."""
    n_rows, max_rowid = con.execute("select count(*), max(r) from landed_rows").fetchone()
    con.execute(
        """
        create table ev as
        select e.view_id, e.sequence_number, p.published_at,
               l.ing - p.published_at as to_ingested,
               s.t - p.published_at as to_seen, l.r
        from events e join published p using (message)
        left join landed_rows l using (view_id, sequence_number)
        asof left join (select n_events, min(t) as t from polls group by 1) s
          on l.r < s.n_events
        """
    )
    return {
        "n_rows": n_rows,
        "contiguous": n_rows == 0 or max_rowid == n_rows - 1,
        "missing": con.execute("select count(*) from ev where r is null").fetchone()[0],
        "unseen": con.execute(
            "select count(*) from ev where r is not null and to_seen is null"
        ).fetchone()[0],
        "seen": column(con, "select to_seen from ev where to_seen is not null"),
        "ingested": column(con, "select to_ingested from ev where to_ingested is not null"),
        "polls": con.execute(
            "select count(*), sum(failed_opens), max(failed_opens) from polls"
        ).fetchone(),
        # per 30-s bucket of publish time: is latency flat (keeping up) or growing?
        "buckets": con.execute(
            f"""
            select floor((published_at - {t0}) / 30) * 30 as b, count(*) as n,
                   quantile_disc(to_seen, 0.5), quantile_disc(to_seen, 0.95), max(to_seen)
            from ev where to_seen is not null group by 1 order by 1
            """
        ).fetchall(),
    }


def view_figures(con: Any) -> dict[str, Any]:
    """Each event's first visible views row that includes it (event_count >= its rank in the
    view's published events), and each view's first visible row after its first event."""
    con.execute(
        """
        create table vseen as
        select v.view_id, v.event_count, v.is_final, v.ing, s.t as seen
        from view_rows v
        asof left join (select n_views, min(t) as t from polls group by 1) s
          on v.r < s.n_views
        """
    )
    con.execute(
        """
        create table ranked as
        select view_id, sequence_number, published_at,
               row_number() over (partition by view_id order by published_at, sequence_number) as k
        from ev
        """
    )
    reflect = """
        select min(s.seen) - k.published_at
        from ranked k join vseen s on s.view_id = k.view_id and s.event_count >= k.k
        where s.seen is not null
        group by k.view_id, k.k, k.published_at
    """
    not_reflected = """
        select count(*) from ranked k where not exists (
            select 1 from vseen s where s.view_id = k.view_id and s.event_count >= k.k
              and s.seen is not null)
    """
    first_rows = """
        select min(s.seen) - min(k.published_at)
        from ranked k join vseen s using (view_id)
        where k.view_id in (select view_id from ev where sequence_number = 0)
          and s.seen is not null
        group by k.view_id
    """
    return {
        "reflect": column(con, reflect),
        "not_reflected": con.execute(not_reflected).fetchone()[0],
        "first_rows": column(con, first_rows),
        "view_counts": con.execute(
            "select count(*), count(distinct view_id), count(*) filter (where is_final) "
            "from view_rows"
        ).fetchone(),
    }


def print_figures(args: argparse.Namespace, published: int, ev: dict, vw: dict) -> None:
    polls, counts = ev["polls"], vw["view_counts"]
    print("\nplayer_events: publish -> visible to the poller (separate read-only process)")
    print(f"  {fmt_latency(ev['e2e'])}")
    print(f"  publish -> ingested_at (sink write, no poll granularity): {fmt_latency(ev['sink'])}")
    print(
        f"  landed {ev['n_rows']:,} of {published:,} published events; "
        f"{ev['missing']:,} never landed, {ev['unseen']:,} landed after the last poll; rowids "
        f"contiguous: {ev['contiguous']}"
    )
    print(
        f"  poller: {polls[0]:,} polls, {polls[1] or 0:,} opens refused while the sink wrote "
        f"(max {polls[2] or 0} in a row)"
    )
    print("  per 30 s of publish time (p50 / p95 / max, s):")
    for b, n, p50, p95, mx in ev["buckets"]:
        print(f"    {b:>5.0f}-{b + 30:<5.0f} n={n:>7,}  {p50:6.2f} {p95:6.2f} {mx:6.2f}")
    print(
        f"\nviews ({counts[0]:,} rows for {counts[1]:,} views, {counts[2]:,} final; "
        f"early panes every {args.early_firing_seconds:g} s):"
    )
    print(f"  an event is reflected in a visible views row after: {fmt_latency(vw['reflected'])}")
    print(f"    ({vw['not_reflected']:,} events not reflected by the end of the run)")
    print(f"  a view's first row is visible after its first event: {fmt_latency(vw['first'])}")


def analyse_freshness(
    args: argparse.Namespace,
    workdir: Path,
    timeline: list[dict[str, Any]],
    t0: float,
    spec: StreamSpec,
) -> dict[str, Any]:
    """Print the figures; return the summary (metric names as in earlier runs)."""
    import duckdb
    import numpy as np

    pub = np.load(workdir / "published.npz")
    times, counts = pub["times"], pub["events"]
    published = int(counts.sum())
    span = float(times[-1] - times[0]) if len(times) > 1 else 0.0
    print(
        f"\npublished {published:,} events in {len(times):,} messages over {span:.1f} s "
        f"= {counts.sum() / max(span, 1e-9):,.0f} events/s; publisher at most "
        f"{float(pub['behind']):.2f} s behind schedule; {int(pub['failures'])} failed publishes",
        flush=True,
    )
    con = duckdb.connect()
    load(con, workdir, workdir / "warehouse.duckdb", pub)
    ev, vw = event_figures(con, t0), view_figures(con)
    ev["e2e"], ev["sink"] = latency_stats(ev["seen"]), latency_stats(ev["ingested"])
    vw["reflected"], vw["first"] = latency_stats(vw["reflect"]), latency_stats(vw["first_rows"])
    print_figures(args, published, ev, vw)
    backlog_tail = [row["backlog"] for row in timeline[len(timeline) // 2 :]]
    return {
        "mode": "freshness",
        "rate_target": args.rate,
        "minutes": args.minutes,
        "viewers": spec.viewers,
        "poll_seconds": args.poll_seconds,
        "early_firing_seconds": args.early_firing_seconds,
        "published_events": published,
        "published_messages": len(times),
        "publish_rate": round(float(counts.sum()) / max(span, 1e-9), 1),
        "publisher_max_behind_s": round(float(pub["behind"]), 3),
        "landed_events": int(ev["n_rows"]),
        "missing_events": int(ev["missing"]),
        "rowids_contiguous": bool(ev["contiguous"]),
        "publish_to_visible_s": ev["e2e"],
        "publish_to_ingested_s": ev["sink"],
        "polls": int(ev["polls"][0]),
        "poll_opens_refused": int(ev["polls"][1] or 0),
        "per_30s": [
            {"from_s": b, "n": n, "p50": p50, "p95": p95, "max": mx}
            for b, n, p50, p95, mx in ev["buckets"]
        ],
        "views_event_reflected_s": vw["reflected"],
        "views_events_not_reflected": int(vw["not_reflected"]),
        "views_first_row_s": vw["first"],
        "views_rows": int(vw["view_counts"][0]),
        "timeline": timeline,
        "backlog_second_half_max": max(backlog_tail) if backlog_tail else None,
        "goal_p95_s": GOAL_P95_SECONDS,
        "goal_met": ev["e2e"]["p95"] is not None
        and ev["e2e"]["p95"] <= GOAL_P95_SECONDS
        and ev["missing"] == 0,
    }
