"""The poller child: an analyst's view of the warehouse. Every `interval` s it opens the DuckDB
file read-only (retrying while the sink holds it), counts player_events and views rows (and final
views), closes, and logs (time, counts, failed opens) to polls.csv."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any


def count_rows(path: str, sql: str, stop: Any) -> tuple[Any, int] | None:
    """(the counts, failed opens before them); None when stopped meanwhile."""
    import duckdb

    failed = 0
    while not stop.is_set():
        try:
            with duckdb.connect(path, read_only=True) as con:
                return con.execute(sql).fetchone(), failed
        except duckdb.Error:
            failed += 1
            time.sleep(0.05)
    return None


def poller_main(path: str, interval: float, out_csv: str, shared: dict, count_final: bool) -> None:
    """Poll until shared["stop"] is set; publish the latest counts in shared landed/final_views."""
    sql = "select (select count(*) from player_events), (select count(*) from views)"
    if count_final:
        sql += ", (select count(distinct view_id) from views where is_final)"
    stop = shared["stop"]
    with open(out_csv, "w") as log:
        log.write("t,events,views,final_views,failed_opens\n")
        next_at = time.time()
        while not stop.is_set():
            counted = count_rows(path, sql, stop)
            if counted is None:
                break
            row, failed = counted
            seen = time.time()
            shared["landed"].value = row[0]
            finals = row[2] if count_final else -1
            shared["final_views"].value = finals
            log.write(f"{seen:.3f},{row[0]},{row[1]},{finals},{failed}\n")
            log.flush()
            next_at += interval
            pause = next_at - time.time()
            if pause > 0:
                stop.wait(pause)
            else:
                next_at = time.time()


def start_poller(
    ctx: Any, path: Path, interval: float, workdir: Path, count_final: bool
) -> tuple[Any, dict[str, Any]]:
    """Start the poller child; return it and its shared values (stop, landed, final_views)."""
    shared = {
        "stop": ctx.Event(),
        "landed": ctx.Value("q", 0, lock=False),
        "final_views": ctx.Value("q", -1, lock=False),
    }
    args = (str(path), interval, str(workdir / "polls.csv"), shared, count_final)
    proc = ctx.Process(target=poller_main, args=args, name="poller")
    proc.start()
    return proc, shared
