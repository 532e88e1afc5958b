"""`fct_qoe_daily__volume`: each complete day's views against the trailing days' median.

Views per `view_date` (summed over the mart's breakdowns), for the days before the run's instant
(its own day is still filling up), against the median of the `volume_baseline_days` days before
(days without views count as zero once the history has started): a day far under its usual is an
outage of collection, not of viewing, until proven otherwise.
"""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from dataquality.suites.base import GuardedSuite, RunParams, Source, as_timestamp, ratio
from dataquality.suites.base import table as read

SOURCE = Source("fct_qoe_daily", "mart", ("view_date", "view_count"))


def frame(frames, params: RunParams) -> pd.DataFrame:
    t = params.thresholds
    daily = read(frames, SOURCE)
    days = pd.to_datetime(daily["view_date"].astype(str))
    counts = daily.groupby(days)["view_count"].sum()
    last = as_timestamp(params.as_of).tz_localize(None).normalize() - pd.Timedelta(days=1)
    counts = counts[counts.index <= last]
    if counts.empty:
        return pd.DataFrame(
            columns=["view_date", "view_count", "baseline_view_count", "volume_ratio"]
        )
    counts = counts.reindex(pd.date_range(counts.index.min(), last, freq="D"), fill_value=0)
    baseline = (
        counts.shift(1).rolling(t.volume_baseline_days, min_periods=t.min_baseline_periods).median()
    )
    return pd.DataFrame(
        {
            "view_date": counts.index.strftime("%Y-%m-%d"),
            "view_count": counts.to_numpy(),
            "baseline_view_count": baseline.to_numpy(),
            "volume_ratio": ratio(counts, baseline).to_numpy(),
        }
    )


def expectations(params: RunParams) -> list:
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="volume_ratio", min_value=params.thresholds.min_volume_ratio
        ),
    ]


SUITES = (
    GuardedSuite(
        name="fct_qoe_daily__volume",
        reads=(SOURCE,),
        frame=frame,
        expectations=expectations,
        key_columns=("view_date", "view_count", "baseline_view_count"),
    ),
)
