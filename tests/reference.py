"""Plain reference forms that tests compare the project's fast paths with (shared by tests/qoe/
and tests/test_shared_helpers.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
YEAR_10000_MS = 253_402_300_800_000


def plain_rfc3339(epoch_ms: int) -> str:
    """RFC 3339 text of an epoch-ms instant through datetime, the definition the fast path equals."""
    moment = EPOCH + timedelta(milliseconds=epoch_ms)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{epoch_ms % 1000:03d}Z"


def outcome(call: Any) -> tuple[str, Any]:
    """("ok", value) or ("raises", exception type): fast and plain forms fail alike too."""
    try:
        return "ok", call()
    except Exception as error:
        return "raises", type(error)
