"""Fault injection: which units to break and how, with exact counts kept by the caller.

Pure helpers on arrays and strings: choose units at a rate, cut a line short, make one beacon
event violate player_event.v1 in one of a few ways. Every choice goes through the run's generator,
so faults are as reproducible as the rest of the output.
"""

from __future__ import annotations

import numpy as np

VIOLATIONS = (
    "bad_event_type",
    "negative_client_ts",
    "missing_view_id",
    "string_sequence_number",
    "unknown_field",
)
OUT_OF_ORDER_DELAY_MS = (10_000, 120_000)
LATE_MIN_DELAY_MS = 5 * 60_000
DUPLICATE_DELAY_MS = (500, 60_000)


def choose(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Return a boolean mask selecting each of `n` units with probability `rate`."""
    if rate <= 0 or n == 0:
        return np.zeros(n, bool)
    return rng.random(n) < rate


def truncate(line: str, u: float) -> str:
    """Cut `line` short at a point chosen by `u` in [0, 1): keeps at least one character, drops one."""
    cut = 1 + int(u * max(1, len(line) - 2))
    return line[:cut]


def violate(event_json: str, kind: int) -> str:
    """Return the beacon event text changed so that it breaks player_event.v1 (kind: VIOLATIONS)."""
    name = VIOLATIONS[kind]
    if name == "bad_event_type":
        head, _, tail = event_json.partition('"event_type":"')
        return head + '"event_type":"buffering' + tail[tail.index('"') :]
    if name == "negative_client_ts":
        head, _, tail = event_json.partition('"client_ts_ms":')
        return head + '"client_ts_ms":-' + tail
    if name == "missing_view_id":
        head, _, tail = event_json.partition('"view_id":"')
        return head + tail[tail.index('"') + 2 :]
    if name == "string_sequence_number":
        head, _, tail = event_json.partition('"sequence_number":')
        end = tail.index(",")
        return head + '"sequence_number":"' + tail[:end] + '"' + tail[end:]
    return event_json[:-1] + ',"buffer_health":0.5}'


def arrival_delays(
    rng: np.random.Generator,
    n: int,
    out_of_order: np.ndarray,
    late: np.ndarray,
    late_max_hours: float,
) -> np.ndarray:
    """Return the extra delivery delay (ms) of each unit: 0, out-of-order or late."""
    delay = np.zeros(n, np.int64)
    ooo = rng.integers(*OUT_OF_ORDER_DELAY_MS, size=n)
    late_max = max(LATE_MIN_DELAY_MS + 1, int(late_max_hours * 3_600_000))
    late_d = rng.integers(LATE_MIN_DELAY_MS, late_max, size=n)
    delay = np.where(out_of_order, ooo, delay)
    return np.where(late, late_d, delay)
