"""Simulated faulty input for pipeline runs, and what a run landed in a DuckDB warehouse, for
comparing two runs table by table."""

from __future__ import annotations

from pathlib import Path

import duckdb

from app import simulate_cli as simulator_cli

BROKEN = "broken/beacons-broken.jsonl.gz"
# Stamped with the run's clock: differ between two runs of the same input.
RUN_TIME_COLUMNS = {"updated_at", "ingested_at", "received_at"}


def table_rows(warehouse: Path, table: str, rename: tuple[str, str] | None = None) -> list[tuple]:
    """The table's rows without run-time stamps, sorted; `rename` (old, new) in every string."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_name = ? "
                "order by ordinal_position",
                [table],
            ).fetchall()
            if name not in RUN_TIME_COLUMNS
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        rows = con.execute(f'select {select} from "{table}"').fetchall()
    if rename:
        old, new = rename
        rows = [tuple(v.replace(old, new) if isinstance(v, str) else v for v in r) for r in rows]
    return sorted(rows, key=repr)


def landed_tables(warehouse: Path) -> list[str]:
    """The warehouse's table names, sorted."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return sorted(t for (t,) in con.execute("show tables").fetchall())


def faulty_simulation(out: Path, viewers: int, hours: int) -> Path:
    """Simulate into `out` with malformed lines, contract violations and duplicates, CDN logs and
    CMCD players, plus BROKEN: the first beacon file cut in half (an unreadable gzip stream)."""
    faults = ["malformed_json=0.02", "contract_violation=0.02", "duplicate=0.03"]
    argv = ["simulate", "--out", str(out), "--viewers", str(viewers), "--hours", str(hours)]
    argv += ["--seed", "13", "--cdn-sample", "0.3", "-q"]
    argv += [x for f in faults for x in ("--fault", f)]
    assert simulator_cli.main(argv) == 0
    broken = out / BROKEN
    broken.parent.mkdir()
    whole = next((out / "player").rglob("*.jsonl.gz")).read_bytes()
    broken.write_bytes(whole[: len(whole) // 2])
    return out
