"""`transcode_jobs__progress`: no transcode job hangs in SUBMITTED or PROGRESSING.

The latest landed version of each job (highest `version`, then `updated_at`); a job still open
`stuck_job_hours` after its last event is stuck (the provider lost it, or we lost its events), and
its content never gets a ladder.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from dataquality.suites.base import GuardedSuite, RunParams, Source, as_timestamp
from dataquality.suites.base import table as read

SOURCE = Source(
    "transcode_jobs",
    "landed",
    ("provider", "job_id", "content_id", "state", "last_event_at", "version", "updated_at"),
)
OPEN_STATES = ("submitted", "progressing")


def frame(frames, params: RunParams):
    jobs = read(frames, SOURCE).sort_values(["provider", "job_id", "version", "updated_at"])
    latest = jobs.drop_duplicates(["provider", "job_id"], keep="last").copy()
    idle = (as_timestamp(params.as_of) - latest["last_event_at"]).dt.total_seconds() / 3600.0
    latest["open_hours"] = idle.where(latest["state"].isin(OPEN_STATES))
    return latest


def expectations(params: RunParams) -> list:
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="job_id"),
        gxe.ExpectColumnValuesToBeBetween(
            column="open_hours", max_value=params.thresholds.stuck_job_hours, severity="warning"
        ),
    ]


SUITES = (
    GuardedSuite(
        name="transcode_jobs__progress",
        reads=(SOURCE,),
        frame=frame,
        expectations=expectations,
        key_columns=("provider", "job_id", "state", "last_event_at"),
    ),
)
