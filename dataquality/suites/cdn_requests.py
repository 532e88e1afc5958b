"""`cdn_requests__volume` and `cdn_requests__pop_volume`: the CDN logs keep arriving, whole.

Per complete UTC hour (hours before the run's instant), the requests landed against the hour's
baseline (`hourly_baseline`: the same hour on the trailing days): a truncated
or missing log hour falls far under it. Per PoP and hour, the same ratio for PoPs busy enough to
judge: a PoP that stops logging (or serving) drops to nothing while the others carry on.
"""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from dataquality.suites.base import (
    GuardedSuite,
    RunParams,
    Source,
    as_timestamp,
    hourly_baseline,
    ratio,
)
from dataquality.suites.base import table as read

SOURCE = Source("cdn_requests", "landed", ("cdn", "pop", "request_at"))


def _hours(requests: pd.DataFrame, params: RunParams) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    """Requests with their hour, and every complete hour from the first to the last."""
    hour = requests["request_at"].dt.floor("h")
    last = as_timestamp(params.as_of).floor("h") - pd.Timedelta(hours=1)
    requests = requests.assign(request_hour=hour)[hour <= last]
    if requests.empty:
        return requests, pd.DatetimeIndex([], tz="UTC")
    return requests, pd.date_range(requests["request_hour"].min(), last, freq="h")


def hourly_frame(frames, params: RunParams) -> pd.DataFrame:
    t = params.thresholds
    requests, hours = _hours(read(frames, SOURCE), params)
    counts = requests.groupby("request_hour").size().reindex(hours, fill_value=0)
    baseline = hourly_baseline(counts, t.volume_baseline_days, t.min_baseline_periods)
    return pd.DataFrame(
        {
            "request_hour": hours,
            "request_count": counts.to_numpy(),
            "baseline_request_count": baseline.to_numpy(),
            "volume_ratio": ratio(counts, baseline).to_numpy(),
        }
    )


def pop_frame(frames, params: RunParams) -> pd.DataFrame:
    t = params.thresholds
    requests, hours = _hours(read(frames, SOURCE), params)
    rows = []
    for (cdn, pop), group in requests.groupby(["cdn", "pop"], dropna=True):
        counts = group.groupby("request_hour").size().reindex(hours, fill_value=0)
        baseline = hourly_baseline(counts, t.volume_baseline_days, t.min_baseline_periods)
        judged = baseline.where(baseline >= t.silent_pop_min_hourly_requests)
        rows.append(
            pd.DataFrame(
                {
                    "cdn": cdn,
                    "pop": pop,
                    "request_hour": hours,
                    "request_count": counts.to_numpy(),
                    "baseline_request_count": baseline.to_numpy(),
                    "pop_volume_ratio": ratio(counts, judged).to_numpy(),
                }
            )
        )
    columns = [
        "cdn",
        "pop",
        "request_hour",
        "request_count",
        "baseline_request_count",
        "pop_volume_ratio",
    ]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)


def hourly_expectations(params: RunParams) -> list:
    t = params.thresholds
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=t.min_row_count),
        gxe.ExpectColumnValuesToBeBetween(column="volume_ratio", min_value=t.min_volume_ratio),
    ]


def pop_expectations(params: RunParams) -> list:
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="pop_volume_ratio",
            min_value=params.thresholds.silent_pop_min_ratio,
            severity="warning",
        ),
    ]


SUITES = (
    GuardedSuite(
        name="cdn_requests__volume",
        reads=(SOURCE,),
        frame=hourly_frame,
        expectations=hourly_expectations,
        key_columns=("request_hour", "request_count", "baseline_request_count"),
    ),
    GuardedSuite(
        name="cdn_requests__pop_volume",
        reads=(SOURCE,),
        frame=pop_frame,
        expectations=pop_expectations,
        key_columns=("cdn", "pop", "request_hour", "request_count", "baseline_request_count"),
    ),
)
