"""Constants of the streaming bench: the emulator project, the simulated traffic, the pipeline's
event-time defaults (compressed by `state`) and the run's timings."""

from __future__ import annotations

import re

BENCH_PROJECT = "streamqoe-bench"
TOPIC = "player-events"
SUBSCRIPTION = "player-events-pipeline"
# The simulator's clock (independent of the wall clock: timestamps are rewritten). From 12:00 UTC
# the traffic curve is flat for hours (weights 0.85-0.95); from 12:00 to 24:00 it has the evening
# peak and the decline after it.
SIM_START = "2025-01-15T12:00:00Z"
SIM_START_HOUR = 12.0
FRESHNESS_WARMUP_HOURS = 2.0  # views run up to 3 h: warm up before measuring
# Viewers per (event/s) of natural rate in the flat afternoon after the warm-up (measured: the
# simulator's beacon traffic with cmcd_share=0, live_event_share=0 at 14:00 UTC).
VIEWERS_PER_EVENT_PER_SECOND = 205
PUBLISH_START_DELAY_SECONDS = 3.0
FUTURES_WINDOW = 2000
DRAIN_TIMEOUT_SECONDS = 120.0
STATE_DRAIN_TIMEOUT_SECONDS = 300.0
VIEWS_SETTLE_SECONDS = 45.0
GOAL_P95_SECONDS = 10.0
CLIENT_TS = re.compile(rb'"client_ts_ms":(-?\d+)')
# The pipeline's defaults (pipelines.transforms.tables.QoeSettings), compressed in `state`.
VIEW_GAP_SECONDS = 120.0
ALLOWED_LATENESS_SECONDS = 7200.0
VIEWER_SESSION_GAP_SECONDS = 1800.0
DEDUPE_TTL_SECONDS = 10800.0
EARLY_FIRING_SECONDS = 30.0
# EmitMinuteDeltasFn: expiry = latest window end + allowed lateness + 60 s
MINUTE_DELTA_EXTRA_SECONDS = 60.0
# The stateful steps the state bench follows (full labels).
VIEW_STEP = "BuildQoeTables/SessionizeViews/GroupByView/GroupByWindow"
MINUTE_DELTA_STEP = "BuildQoeTables/AggregateQoePerMinute/EmitMinuteDeltasFn"
VIEWER_STEP = "BuildQoeTables/SessionizeViewers/GroupByViewer/GroupByWindow"
