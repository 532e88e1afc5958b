"""Build dead letters: the one place that knows the fields of schemas/dead_letter.v1.json.

Every path that gives up on an input unit (the ingest parsers, streamqoe.landing, the pipelines'
late and unreadable-file letters) builds its dead letter here, so the payload encoding (the exact
bytes, base64 in JSON), the timestamp form and the fallbacks for required fields are the same
everywhere. The raw payload is never truncated: a dead letter must replay byte for byte.

Left out: deciding the stage, class and message (the caller knows why the unit failed), the
wrapper types the parsers and landing hand around, and where dead letters are written.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

SCHEMA_VERSION = "1.0"
STAGES = ("decode", "parse", "validate", "transform", "late", "sink")
UNKNOWN_SOURCE = "unknown"
UNKNOWN_ERROR_CLASS = "Unknown"


@functools.lru_cache(maxsize=64)
def format_received_at(received_at: datetime) -> str:
    """Return `received_at` as RFC 3339 UTC ('...Z'); a naive datetime is taken as UTC."""
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=UTC)
    text = received_at.astimezone(UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


def to_bytes(unit: bytes | bytearray | memoryview | str) -> bytes:
    """Return the unit's bytes (text is encoded as UTF-8, unpaired surrogates kept escaped)."""
    if isinstance(unit, bytes):
        return unit
    if isinstance(unit, bytearray | memoryview):
        return bytes(unit)
    return str(unit).encode("utf-8", "backslashreplace")


def dead_letter(
    raw_payload: bytes | bytearray | memoryview | str,
    *,
    source: str,
    stage: str,
    error_class: str,
    error_message: str,
    received_at: datetime | str,
    contract: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """Build one dead letter (a dict satisfying schemas/dead_letter.v1.json).

    Args:
        raw_payload: the unit as received; bytes are kept byte for byte (valid UTF-8 or not),
            text is encoded as UTF-8 (see to_bytes); base64 in the letter, never truncated.
        source: where the unit came from (`pubsub:<subscription>`, `file:<path>`); empty becomes
            `unknown` (the contract requires a non-empty source).
        stage: one of STAGES.
        error_class: machine-readable reason; empty becomes `Unknown`.
        error_message: human-readable reason.
        received_at: a datetime (written as RFC 3339 UTC with `Z`, naive taken as UTC), or text
            already in the form the caller's path has always written.
        contract: the contract key the unit was meant to satisfy (`player_event.v1`), if any.
        attributes: transport attributes, copied; None stays None (an empty mapping stays empty).
        message_id: the transport id of the unit, if any.
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "source": source or UNKNOWN_SOURCE,
        "stage": stage,
        "contract": contract,
        "error_class": error_class or UNKNOWN_ERROR_CLASS,
        "error_message": error_message,
        "raw_payload": base64.b64encode(to_bytes(raw_payload)).decode("ascii"),
        "attributes": dict(attributes) if attributes is not None else None,
        "message_id": message_id,
        "received_at": (
            received_at if isinstance(received_at, str) else format_received_at(received_at)
        ),
    }
