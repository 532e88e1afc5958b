"""Every threshold a suite uses: a named default with its reason, overridable from a TOML file.

`load_thresholds(path)` reads a flat TOML table (`[thresholds]`, keys as the field names in lower
case) over the defaults; an unknown key is an error, so a typo cannot silently keep a default.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path

# A player reporting more than 2 minutes to first frame is broken or the metric is (p99.9 of real
# VOD startup is well under a minute).
MAX_VIDEO_STARTUP_TIME_MS = 120_000
# Startup is measured from play request; a negative value is a clock or state-machine bug.
MIN_VIDEO_STARTUP_TIME_MS = 0
# A null in a key column breaks joins and breakdowns; the pipeline never writes one on purpose.
KEY_NULL_MOSTLY = 0.99
# At-least-once delivery re-lands a few view rows (staging keeps one); beyond 1 % it is a sink bug.
UNIQUE_VIEW_VERSION_MOSTLY = 0.99
# The simulator skews 2 % of client clocks by up to 3 h, as real fleets do; more than 5 % of events
# in the future is a fleet-wide clock or parsing problem.
FUTURE_EVENTS_MOSTLY = 0.95
# Events may carry a client timestamp slightly ahead of the server (NTP drift, batching).
FUTURE_TOLERANCE_MINUTES = 10
# Streaming tables land within a minute or two; 30 minutes without a new event is an outage.
FRESHNESS_MAX_LAG_MINUTES = 30
# A few dead letters per hour are expected (malformed beacons); 2 % of units is a bad deploy.
MAX_DEAD_LETTER_RATE = 0.02
# Late data (past the streaming pipeline's allowed lateness) above 1 % skews the minute rollups.
MAX_LATE_DATA_RATE = 0.01
# A day (hour) under half of its trailing median is an outage, not a quiet Tuesday.
MIN_VOLUME_RATIO = 0.5
# Trailing days the volume baseline is the median of (a week evens out weekday effects).
VOLUME_BASELINE_DAYS = 7
# Baselines need enough history: below this many trailing periods the check is not judged.
MIN_BASELINE_PERIODS = 1
# A PoP serving at least this many requests per hour on average is expected to keep serving.
SILENT_POP_MIN_HOURLY_REQUESTS = 200
# A PoP under a tenth of its usual hourly requests has gone silent (not just a quiet hour).
SILENT_POP_MIN_RATIO = 0.1
# Cloud transcode jobs of a few hours of content finish in under an hour; 6 h in PROGRESSING is stuck.
STUCK_JOB_HOURS = 6.0
# Player average bitrate may sit slightly above the top rung (encoder overshoot, rounding).
LADDER_TOLERANCE_RATIO = 0.05
# Fewer rows than this in a guarded table means nothing landed.
MIN_ROW_COUNT = 1


@dataclass(frozen=True)
class Thresholds:
    """The thresholds of one run (defaults above; see docs/data-quality.md)."""

    max_video_startup_time_ms: int = MAX_VIDEO_STARTUP_TIME_MS
    min_video_startup_time_ms: int = MIN_VIDEO_STARTUP_TIME_MS
    key_null_mostly: float = KEY_NULL_MOSTLY
    unique_view_version_mostly: float = UNIQUE_VIEW_VERSION_MOSTLY
    future_events_mostly: float = FUTURE_EVENTS_MOSTLY
    future_tolerance_minutes: float = FUTURE_TOLERANCE_MINUTES
    freshness_max_lag_minutes: float = FRESHNESS_MAX_LAG_MINUTES
    max_dead_letter_rate: float = MAX_DEAD_LETTER_RATE
    max_late_data_rate: float = MAX_LATE_DATA_RATE
    min_volume_ratio: float = MIN_VOLUME_RATIO
    volume_baseline_days: int = VOLUME_BASELINE_DAYS
    min_baseline_periods: int = MIN_BASELINE_PERIODS
    silent_pop_min_hourly_requests: int = SILENT_POP_MIN_HOURLY_REQUESTS
    silent_pop_min_ratio: float = SILENT_POP_MIN_RATIO
    stuck_job_hours: float = STUCK_JOB_HOURS
    ladder_tolerance_ratio: float = LADDER_TOLERANCE_RATIO
    min_row_count: int = MIN_ROW_COUNT


def load_thresholds(path: str | Path | None = None) -> Thresholds:
    """Return the defaults, overridden by the `[thresholds]` table of a TOML file when given.

    Raises:
        ValueError: the file names a threshold that does not exist.
    """
    if path is None:
        return Thresholds()
    table = tomllib.loads(Path(path).read_text()).get("thresholds", {})
    known = {f.name for f in dataclasses.fields(Thresholds)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ValueError(f"unknown thresholds {unknown}; known: {sorted(known)}")
    return dataclasses.replace(Thresholds(), **table)
