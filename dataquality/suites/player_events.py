"""`player_events__timeliness`: the landed beacon events arrive, and arrive with sane clocks.

Freshness: the latest event (ignoring those ahead of the run's instant, which only a skewed clock
produces) is within `freshness_max_lag_minutes` of it. Clock skew: few events may be ahead of it.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from dataquality.suites.base import GuardedSuite, RunParams, Source, as_timestamp, minutes_between
from dataquality.suites.base import table as read

SOURCE = Source("player_events", "landed", ("view_id", "sequence_number", "event_type", "event_at"))


def frame(frames, params: RunParams):
    events = read(frames, SOURCE).copy()
    t = params.thresholds
    lead = minutes_between(events["event_at"], as_timestamp(params.as_of))
    events["event_lead_minutes"] = lead
    # Minutes from each plausibly-timed event to the run's instant; the minimum is the freshness.
    events["event_lag_minutes"] = (-lead).where(lead <= t.future_tolerance_minutes)
    return events


def expectations(params: RunParams) -> list:
    t = params.thresholds
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=t.min_row_count),
        gxe.ExpectColumnMinToBeBetween(
            column="event_lag_minutes",
            max_value=t.freshness_max_lag_minutes,
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="event_lead_minutes",
            max_value=t.future_tolerance_minutes,
            # mostly: a few skewed client clocks are normal (see FUTURE_EVENTS_MOSTLY).
            mostly=t.future_events_mostly,
            severity="warning",
        ),
    ]


SUITES = (
    GuardedSuite(
        name="player_events__timeliness",
        reads=(SOURCE,),
        frame=frame,
        expectations=expectations,
        key_columns=("view_id", "sequence_number", "event_at"),
    ),
)
