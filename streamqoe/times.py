"""Time constants and epoch milliseconds <-> RFC 3339 UTC text, one copy for every layer.

Holds the platform's time constants (MINUTE_MS, DAY_MS, EPOCH, MAX_EPOCH_SECONDS), the start of an
event's minute, the parse of an RFC 3339 timestamp into epoch ms, and three formatters. The three
are kept apart on purpose, because their text differs for some inputs (each docstring says where):

    rfc3339_from_epoch_ms(ms)        integer epoch ms, always 3 fraction digits, exact integer
                                     arithmetic and cached dates (view records, minute labels)
    rfc3339_from_float_epoch_ms(ms)  any real number of ms, through float seconds and datetime
                                     (aggregate records: qoe_minute, cdn_pop_minute, transcode_job,
                                     viewer_session, and the pipelines' updated_at)
    rfc3339_keeping_precision(dt)    a datetime at its own precision: no fraction, 3 or 6 digits
                                     (provider timestamps normalised by streamqoe.ingest.times)

Left out: parsing of provider formats (epoch seconds strings, CloudFront date and time columns,
durations: streamqoe/ingest/times.py), local time zones and leap seconds (everything is UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""The Unix epoch, 1970-01-01T00:00:00Z."""
MINUTE_MS = 60_000
"""One minute in ms: the width of the live-monitoring windows of qoe_minute and cdn_pop_minute."""
DAY_MS = 86_400_000
"""One UTC day in ms."""
MAX_EPOCH_SECONDS = 253402300799  # 9999-12-31T23:59:59Z
"""The last epoch second with a four-digit year."""
_YEAR_10000_MS = 253_402_300_800_000
"""Epoch ms of 10000-01-01: below it (and from 1970 on) a date has exactly four year digits."""


def minute_start_ms(at_ms: int) -> int:
    """Return the start of the UTC minute holding `at_ms`."""
    return at_ms - at_ms % MINUTE_MS


def rfc3339_from_epoch_ms(epoch_ms: int) -> str:
    """Format epoch milliseconds as an RFC 3339 UTC timestamp with milliseconds ('...T20:00:01.180Z').

    The text of `f"{EPOCH + timedelta(milliseconds=epoch_ms):%Y-%m-%dT%H:%M:%S}"` plus the
    milliseconds; integer times from 1970 to 9999 take the time of day by integer division and the
    date from a cache, anything else goes through datetime. Differs from
    rfc3339_from_float_epoch_ms: a float or numpy integer is refused (ValueError, TypeError), a
    year below 1000 has no leading zeros, and no float rounding moves the milliseconds.
    """
    if type(epoch_ms) is int and 0 <= epoch_ms < _YEAR_10000_MS:
        days, ms_of_day = divmod(epoch_ms, DAY_MS)
        minute_of_day, ms_of_minute = divmod(ms_of_day, MINUTE_MS)
        seconds, millis = divmod(ms_of_minute, 1000)
        return f"{_utc_date(days)}T{_HH_MM[minute_of_day]}:{_DIGITS[seconds]}.{_DIGITS3[millis]}Z"
    moment = EPOCH + timedelta(milliseconds=epoch_ms)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{epoch_ms % 1000:03d}Z"


@lru_cache(maxsize=4096)
def _utc_date(days: int) -> str:
    """'YYYY-MM-DD' of the UTC day `days` after 1970-01-01 (a few distinct days per run)."""
    return f"{EPOCH + timedelta(days=days):%Y-%m-%d}"


_HH_MM = tuple(f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(24 * 60))
"""'HH:MM' of each minute of a day."""
_DIGITS = tuple(f"{n:02d}" for n in range(60))
"""'00' to '59'."""
_DIGITS3 = tuple(f"{n:03d}" for n in range(1000))
"""'000' to '999'."""


def rfc3339_minute_labels(first_minute: int, count: int) -> list[str]:
    """rfc3339_from_epoch_ms of the `count` minute starts from `first_minute` (a whole minute).

    Only the date changes from day to day; within a day the labels differ by their 'HH:MM'.
    """
    last = first_minute + (count - 1) * MINUTE_MS
    if (
        type(first_minute) is not int
        or first_minute % MINUTE_MS
        or not 0 <= first_minute <= last < _YEAR_10000_MS
    ):
        return [rfc3339_from_epoch_ms(first_minute + k * MINUTE_MS) for k in range(count)]
    labels: list[str] = []
    day, minute = divmod(first_minute // MINUTE_MS, 24 * 60)
    while len(labels) < count:
        date = _utc_date(day)
        stop = min(24 * 60, minute + count - len(labels))
        labels += [f"{date}T{hh_mm}:00.000Z" for hh_mm in _HH_MM[minute:stop]]
        day, minute = day + 1, 0
    return labels


def rfc3339_from_float_epoch_ms(epoch_ms: float) -> str:
    """Format epoch milliseconds as an RFC 3339 UTC timestamp with millisecond precision.

    Goes through float seconds (`datetime.fromtimestamp(epoch_ms / 1000)`, rounded to the
    microsecond, then cut to the millisecond), so it takes any real number (int, float, numpy
    integer) and pads the year to four digits. Kept beside rfc3339_from_epoch_ms, not replaced by it:
    for integer ms from about 1710 to 2240 both give the same text, but this one also formats floats
    and numpy integers (the aggregate records may carry either), pads years below 1000, and outside
    those years float rounding often moves it 1 ms below the exact text.
    """
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rfc3339_keeping_precision(moment: datetime) -> str:
    """Format a datetime as RFC 3339 UTC at its own precision: no fraction, milliseconds or µs.

    '2019-12-04T21:02:31Z', '...:31.180Z', '...:31.180123Z': a provider timestamp keeps the
    precision it was logged with, which the two epoch-ms formatters (always three digits) do not.
    """
    moment = moment.astimezone(UTC)
    if moment.microsecond == 0:
        text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    elif moment.microsecond % 1000 == 0:
        text = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    else:
        text = moment.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return text + "Z"


def epoch_ms_from_rfc3339(value: str | datetime) -> int:
    """Parse an RFC 3339 timestamp (or an aware datetime) into epoch milliseconds."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return round(value.timestamp() * 1000)


__all__ = [
    "DAY_MS",
    "EPOCH",
    "MAX_EPOCH_SECONDS",
    "MINUTE_MS",
    "epoch_ms_from_rfc3339",
    "minute_start_ms",
    "rfc3339_from_epoch_ms",
    "rfc3339_from_float_epoch_ms",
    "rfc3339_keeping_precision",
    "rfc3339_minute_labels",
]
