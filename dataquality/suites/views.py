"""`views__integrity`: the landed per-view rows (every version the pipelines wrote).

Keys present, one row per view and version (a few re-delivered rows are what staging
deduplicates, more is a sink bug), metrics in their physical range, start times not in the future.
The marts' ranges are dbt tests (dbt/models/marts/fct_views.yml); these guard the landed rows
before any model reads them.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from dataquality.suites.base import GuardedSuite, RunParams, Source, as_timestamp, minutes_between
from dataquality.suites.base import table as read

SOURCE = Source(
    "views",
    "landed",
    (
        "view_id",
        "version",
        "content_id",
        "started_at",
        "video_startup_time_ms",
        "rebuffer_ratio",
        "avg_bitrate_kbps",
        "pop",
        "is_final",
    ),
)


def frame(frames, params: RunParams):
    views = read(frames, SOURCE).copy()
    views["started_lead_minutes"] = minutes_between(views["started_at"], as_timestamp(params.as_of))
    return views


def expectations(params: RunParams) -> list:
    t = params.thresholds
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=t.min_row_count),
        gxe.ExpectColumnValuesToNotBeNull(column="view_id"),
        # mostly: a view whose first beacons were lost may lack its content for a while.
        gxe.ExpectColumnValuesToNotBeNull(column="content_id", mostly=t.key_null_mostly),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["view_id", "version"],
            # mostly: re-deliveries staging deduplicates are tolerated (UNIQUE_VIEW_VERSION_MOSTLY).
            mostly=t.unique_view_version_mostly,
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="video_startup_time_ms",
            min_value=t.min_video_startup_time_ms,
            max_value=t.max_video_startup_time_ms,
        ),
        gxe.ExpectColumnValuesToBeBetween(column="rebuffer_ratio", min_value=0, max_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="avg_bitrate_kbps", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(
            column="started_lead_minutes",
            max_value=t.future_tolerance_minutes,
            # mostly: skewed client clocks put a few views ahead (see FUTURE_EVENTS_MOSTLY).
            mostly=t.future_events_mostly,
            severity="warning",
        ),
    ]


SUITES = (
    GuardedSuite(
        name="views__integrity",
        reads=(SOURCE,),
        frame=frame,
        expectations=expectations,
        key_columns=("view_id", "version", "started_at"),
    ),
)
