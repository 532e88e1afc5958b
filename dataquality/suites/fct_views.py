"""`fct_views__sanity`: what dbt's range tests on fct_views cannot see.

Startup below a sane maximum (dbt checks only that it is not negative), and the view's average
bitrate within its content's ladder (dim_content, from the transcode jobs): a player reporting
bitrates its content was never encoded at is mislabelling renditions or content ids. Views of
content without a known ladder (live, or no completed job) are not judged.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from dataquality.suites.base import GuardedSuite, RunParams, Source, ratio
from dataquality.suites.base import table as read

VIEWS = Source(
    "fct_views", "mart", ("view_id", "content_id", "video_startup_time_ms", "avg_bitrate_kbps")
)
CONTENT = Source(
    "dim_content", "mart", ("content_id", "ladder_min_bitrate_kbps", "ladder_max_bitrate_kbps")
)


def frame(frames, params: RunParams):
    views = read(frames, VIEWS).merge(read(frames, CONTENT), on="content_id", how="left")
    views["bitrate_to_ladder_max"] = ratio(
        views["avg_bitrate_kbps"], views["ladder_max_bitrate_kbps"]
    )
    views["bitrate_to_ladder_min"] = ratio(
        views["avg_bitrate_kbps"], views["ladder_min_bitrate_kbps"]
    )
    return views


def expectations(params: RunParams) -> list:
    t = params.thresholds
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="video_startup_time_ms", max_value=t.max_video_startup_time_ms
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="bitrate_to_ladder_max", max_value=1 + t.ladder_tolerance_ratio
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="bitrate_to_ladder_min", min_value=1 - t.ladder_tolerance_ratio
        ),
    ]


SUITES = (
    GuardedSuite(
        name="fct_views__sanity",
        reads=(VIEWS, CONTENT),
        frame=frame,
        expectations=expectations,
        key_columns=("view_id", "content_id", "avg_bitrate_kbps", "ladder_max_bitrate_kbps"),
    ),
)
