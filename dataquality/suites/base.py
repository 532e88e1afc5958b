"""What a guarded suite is: the tables it reads, the frame it validates, and its expectations.

A suite validates one pandas frame. `frame` turns the tables it reads (plain pandas, the same on
DuckDB and BigQuery) into that frame: the rows themselves for row-level checks, or one row per
hour, day or job for the checks over aggregates (volume, rates, freshness), so every threshold is an
ordinary GX expectation with its own entry in Data Docs. Severity is GX's own
(`severity="critical"` fails the run, `"warning"` is reported).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import great_expectations as gx
import pandas as pd
from great_expectations.expectations import Expectation

from dataquality.thresholds import Thresholds

Layer = Literal["landed", "mart"]


@dataclass(frozen=True)
class Source:
    """A table a suite reads: landed (the pipelines' dataset) or a mart (dbt's schema)."""

    table: str
    layer: Layer
    columns: tuple[str, ...]
    # Read at most this many rows (a schema check needs the columns, not the whole table).
    limit: int | None = None

    @property
    def key(self) -> str:
        return f"{self.layer}:{self.table}:{','.join(self.columns)}:{self.limit}"


@dataclass(frozen=True)
class RunParams:
    """What a run fixes: the instant checks are judged at, and the thresholds."""

    as_of: datetime
    thresholds: Thresholds


Frames = Mapping[str, pd.DataFrame]


@dataclass(frozen=True)
class GuardedSuite:
    """One suite named `<table>__<purpose>` over the frame built from its sources."""

    name: str
    reads: tuple[Source, ...]
    frame: Callable[[Frames, RunParams], pd.DataFrame]
    expectations: Callable[[RunParams], list[Expectation]]
    # Columns shown beside a failing row in the summary (the row's identity).
    key_columns: tuple[str, ...] = field(default=())

    def suite(self, params: RunParams) -> gx.ExpectationSuite:
        """The GX suite for one run (thresholds and as-of are baked into the expectations)."""
        return gx.ExpectationSuite(name=self.name, expectations=self.expectations(params))

    def build_frame(self, frames: Frames, params: RunParams) -> pd.DataFrame:
        """The frame to validate, with a fresh RangeIndex (failing rows are found by position)."""
        return self.frame(frames, params).reset_index(drop=True)


def table(frames: Frames, source: Source) -> pd.DataFrame:
    """The frame read for `source`."""
    return frames[source.key]


def minutes_between(later: pd.Series, earlier: pd.Timestamp | pd.Series) -> pd.Series:
    """Minutes from `earlier` to `later` (float; NaN where either is missing)."""
    return (later - earlier).dt.total_seconds() / 60.0


def as_timestamp(at: datetime) -> pd.Timestamp:
    """`at` as a UTC pandas timestamp."""
    stamp = pd.Timestamp(at)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def hourly_baseline(counts: pd.Series, days: int, min_periods: int) -> pd.Series:
    """Per hour, the median of the same UTC hour on the trailing `days` days (never the hour
    itself), NaN (not judged) with fewer than `min_periods` of them: traffic is diurnal, so an
    hour is compared with itself on other days. `counts` has a gap-free hourly index."""
    previous_days = pd.concat([counts.shift(24 * d) for d in range(1, days + 1)], axis=1)
    enough = previous_days.notna().sum(axis=1) >= min_periods
    return previous_days.median(axis=1, skipna=True).where(enough)


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is missing or zero."""
    denominator = denominator.astype(float)
    return numerator.astype(float) / denominator.where(denominator > 0)
