"""Read the Amazon EventBridge event envelope shared by MediaConvert and MediaLive events.

Source: Amazon EventBridge User Guide, "Amazon EventBridge events" (event structure): version, id,
detail-type, source, account, time (RFC 3339), region, resources, detail. This module checks the
envelope, returns its common fields and leaves `detail` to the service parser.

Left out: EventBridge delivery wrappers (SQS, SNS); a caller unwraps those first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from streamqoe.ingest import fields as f
from streamqoe.ingest.outcome import IngestError
from streamqoe.ingest.payload import kind
from streamqoe.ingest.times import from_rfc3339

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Envelope:
    """The envelope fields every EventBridge event carries."""

    event_id: str | None
    detail_type: str
    source: str
    account: str | None
    region: str | None
    time: str
    resources: list[Any]
    detail: dict[str, Any]


def read_envelope(event: Any, expected_source: str) -> Envelope:
    """Check an EventBridge event's envelope and return its fields.

    Raises:
        IngestError: not an object (`UnexpectedShape`), another service's event
            (`UnexpectedEventSource`), or a missing or mistyped envelope field.
    """
    if not isinstance(event, dict):
        raise IngestError("UnexpectedShape", f"event is a {kind(event)}, not an object")
    source = f.text(event, "source")
    if source != expected_source:
        raise IngestError(
            "UnexpectedEventSource", f"source is {source!r}, expected {expected_source!r}"
        )
    detail_type = f.text(event, "detail-type")
    if detail_type is None:
        raise IngestError("MissingField", "detail-type is missing")
    stamp = event.get("time")
    if stamp is None:
        raise IngestError("MissingField", "time is missing")
    return Envelope(
        event_id=f.text(event, "id"),
        detail_type=detail_type,
        source=source,
        account=f.text(event, "account"),
        region=f.text(event, "region"),
        time=from_rfc3339(stamp, "time"),
        resources=f.array(event, "resources"),
        detail=f.obj(event, "detail"),
    )
