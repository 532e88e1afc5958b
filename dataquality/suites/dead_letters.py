"""`dead_letters__rate`: the share of input the pipelines could not land, per ingest hour.

Per UTC hour of landing (`ingested_at` of landed rows, `received_at` of dead letters: both the
pipeline's clock, so batch replays and streaming agree), dead letters over everything that came in
(landed events, CDN requests, CMCD reports, transcode events, plus the dead letters), and the late
part of them (stage `late`: past the streaming pipeline's allowed lateness) over the same total.
"""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from dataquality.suites.base import GuardedSuite, RunParams, Source, ratio
from dataquality.suites.base import table as read

DEAD_LETTERS = Source("dead_letters", "landed", ("stage", "source", "received_at"))
LANDED = tuple(
    Source(t, "landed", ("ingested_at",))
    for t in ("player_events", "cdn_requests", "cmcd_reports", "transcode_events")
)


def frame(frames, params: RunParams) -> pd.DataFrame:
    dead = read(frames, DEAD_LETTERS)
    dead_hour = dead["received_at"].dt.floor("h")
    landed_hours = pd.concat(
        [read(frames, s)["ingested_at"].dt.floor("h") for s in LANDED], ignore_index=True
    )
    landed = landed_hours.value_counts()
    dead_count = dead_hour.value_counts()
    late_count = dead_hour[dead["stage"] == "late"].value_counts()
    hours = landed.index.union(dead_count.index).sort_values()
    out = pd.DataFrame(
        {
            "ingest_hour": hours,
            "landed_count": landed.reindex(hours, fill_value=0).to_numpy(),
            "dead_letter_count": dead_count.reindex(hours, fill_value=0).to_numpy(),
            "late_count": late_count.reindex(hours, fill_value=0).to_numpy(),
        }
    )
    total = out["landed_count"] + out["dead_letter_count"]
    out["dead_letter_rate"] = ratio(out["dead_letter_count"], total)
    out["late_data_rate"] = ratio(out["late_count"], total)
    return out


def expectations(params: RunParams) -> list:
    t = params.thresholds
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="dead_letter_rate", min_value=0, max_value=t.max_dead_letter_rate
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="late_data_rate", min_value=0, max_value=t.max_late_data_rate, severity="warning"
        ),
    ]


SUITES = (
    GuardedSuite(
        name="dead_letters__rate",
        reads=(DEAD_LETTERS, *LANDED),
        frame=frame,
        expectations=expectations,
        key_columns=("ingest_hour", "landed_count", "dead_letter_count", "late_count"),
    ),
)
