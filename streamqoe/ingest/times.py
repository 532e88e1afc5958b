"""Normalize provider timestamps to RFC 3339 UTC strings ('2019-12-04T21:02:31Z').

Inputs seen in the formats: CloudFront date and time columns, epoch seconds with a fraction
(CloudFront real-time logs, Akamai reqTimeSec), epoch milliseconds (MediaConvert detail.timestamp),
RFC 3339 with nanoseconds and offsets (Cloud Logging, Pub/Sub publishTime, EventBridge time) and
protobuf Duration strings ('0.412s'). Output keeps the input's precision up to microseconds.

The formatter and the time constants are streamqoe.times' (one copy for every layer).

Left out: local time zones and leap seconds (providers log UTC).
"""

from __future__ import annotations

import functools
import logging
import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from streamqoe.ingest.outcome import IngestError
from streamqoe.times import EPOCH, MAX_EPOCH_SECONDS, rfc3339_keeping_precision

logger = logging.getLogger(__name__)

_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:?\d{2})$", re.ASCII
)
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)s$", re.ASCII)


@functools.lru_cache(maxsize=8192)
def from_date_and_time(date: str, time: str, field: str = "date/time") -> str:
    """Join CloudFront's `date` (YYYY-MM-DD) and `time` (HH:MM:SS) columns, both UTC."""
    try:
        if len(date) != 10 or len(time) != 8:
            raise ValueError("wrong length")
        moment = datetime.strptime(f"{date} {time}", "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise IngestError(
            "InvalidTimestamp", f"{field}: {date!r} {time!r} is not YYYY-MM-DD HH:MM:SS"
        ) from None
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"


def from_epoch_seconds(value: str | float | int, field: str) -> str:
    """Convert epoch seconds (a decimal string such as '1598305016.873', or a number)."""
    try:
        seconds = Decimal(str(value).strip())
        if not seconds.is_finite() or seconds < 0 or seconds > MAX_EPOCH_SECONDS:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise IngestError("InvalidTimestamp", f"{field}: {value!r} is not epoch seconds") from None
    micros = int((seconds * 1_000_000).to_integral_value())
    return rfc3339_keeping_precision(EPOCH + timedelta(microseconds=micros))


def from_epoch_millis(value: str | float | int, field: str) -> str:
    """Convert epoch milliseconds (integer or decimal string)."""
    try:
        millis = Decimal(str(value).strip())
        if not millis.is_finite() or millis < 0 or millis > MAX_EPOCH_SECONDS * 1000:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise IngestError("InvalidTimestamp", f"{field}: {value!r} is not epoch ms") from None
    micros = int((millis * 1000).to_integral_value())
    return rfc3339_keeping_precision(EPOCH + timedelta(microseconds=micros))


def from_rfc3339(value: object, field: str) -> str:
    """Normalize an RFC 3339 timestamp (any fraction length, any offset) to UTC."""
    match = _RFC3339.match(value) if isinstance(value, str) else None
    if match is None:
        raise IngestError("InvalidTimestamp", f"{field}: {value!r} is not an RFC 3339 timestamp")
    date, clock, fraction, offset = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    offset = "+00:00" if offset in ("Z", "z") else offset
    if len(offset) == 5:
        offset = offset[:3] + ":" + offset[3:]
    try:
        moment = datetime.fromisoformat(f"{date}T{clock}{offset}")
    except ValueError:
        raise IngestError("InvalidTimestamp", f"{field}: {value!r} is out of range") from None
    return rfc3339_keeping_precision(moment.replace(microsecond=micros))


def duration_ms(value: object, field: str) -> float | None:
    """Convert a protobuf Duration string ('0.412s') to milliseconds; None stays None."""
    if value is None:
        return None
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise IngestError("InvalidDuration", f"{field}: {value!r} is not a duration like '0.412s'")
    return round(float(match.group(1)) * 1000, 3)
