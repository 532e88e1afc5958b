"""The main job on the embedded defaults: platform up, events through Pub/Sub into DuckDB, report.

Today it round-trips the sample events of all three families (player, CDN, transcode) through the
real Pub/Sub emulator into the embedded warehouse and prints what landed, dead letters included.
The platform is torn down at the end, whatever happens.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from streamqoe.platform import local
from streamqoe.roundtrip import expected_units, publish, pull_and_land, sample_messages
from streamqoe.warehouse import open_warehouse


def _step(out: TextIO, text: str) -> float:
    print(f"==> {text}", file=out, flush=True)
    return time.monotonic()


def run(warehouse_url: str | None = None, out: TextIO = sys.stdout) -> int:
    """Run the demo; return the exit code (non-zero when units went missing)."""
    started = _step(out, "starting the local platform (Pub/Sub emulator)")
    with local.running() as endpoints:
        print(f"    Pub/Sub emulator at {endpoints.pubsub_emulator_host}", file=out)
        with open_warehouse(warehouse_url) as warehouse:
            _step(out, f"warehouse {warehouse.url}")
            tables = warehouse.ensure_tables()
            before = {t: warehouse.count(t) for t in tables}
            messages = sample_messages()
            units = expected_units(messages)
            _step(out, f"publishing {len(messages)} messages ({units} units) to Pub/Sub")
            publish(endpoints.project, messages)
            _step(out, "pulling and landing")
            counts = pull_and_land(endpoints.project, warehouse, units)
            print(f"\n{'table':<20}{'landed now':>12}{'rows in table':>15}", file=out)
            for table in tables:
                after = warehouse.count(table)
                print(f"{table:<20}{after - before[table]:>12}{after:>15}", file=out)
            rows = warehouse.query(
                "select stage, error_class, left(error_message, 90) as reason from "
                f"{warehouse.table_ref('dead_letters')} order by ingested_at desc limit 5"
            )
            if rows:
                print("\nlatest dead letters:", file=out)
                for row in rows:
                    print(f"  [{row['stage']}] {row['error_class']}: {row['reason']}", file=out)
    accounted = counts.total
    print(
        f"\nunits published {units}, landed {sum(counts.landed.values())}, "
        f"dead-lettered {sum(counts.dead_letters.values())} "
        f"({time.monotonic() - started:.1f} s; platform stopped)",
        file=out,
    )
    return 0 if accounted == units else 1
