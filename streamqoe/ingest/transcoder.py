"""Parse Google Transcoder API job notifications (Pub/Sub push envelopes) into transcode_event.

Source: Google Cloud Transcoder API, "Job notifications" (pubsubDestination): when a job finishes,
Transcoder publishes `{"job": {"name": "projects/P/locations/L/jobs/ID", "state": "SUCCEEDED" |
"FAILED", "error": {...}}}`; and Pub/Sub, "Push subscriptions" (the push body `{"message": {"data":
base64, "attributes": {...}, "messageId": ..., "publishTime": ...}, "subscription": ...}`).

One unit is a push envelope, a bare Pub/Sub message (`{"data": ..., "publishTime": ...}`), or the
notification JSON itself. Mapping: job_id = last segment of job.name; region and account
(project) from the name; state PENDING queued, RUNNING progressing, SUCCEEDED complete, FAILED
error, anything else unknown; event_id = messageId; event_at = publishTime (the notification JSON
alone has no time, so then the unit's received_at); createTime / startTime / endTime when the job
carries them; content_id = job.labels content_id; error_code / error_message from job.error.

Left out: the job's config (ladder) - notifications do not include it; outputs stay empty.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from streamqoe.ingest import fields as f
from streamqoe.ingest.outcome import IngestError, Outcome, UnitContext, unit_parser
from streamqoe.ingest.payload import decode_base64, load_json, load_json_bytes, require_object
from streamqoe.ingest.times import from_rfc3339

logger = logging.getLogger(__name__)

CONTRACT = "transcode_event"
SCHEMA_VERSION = "1.0"
STATES = {
    "PENDING": "queued",
    "RUNNING": "progressing",
    "SUCCEEDED": "complete",
    "FAILED": "error",
}


def _unwrap(doc: dict[str, Any], ctx: UnitContext) -> tuple[dict[str, Any], str | None, str]:
    """Return (notification, message id, event time) from any accepted shape."""
    message = doc.get("message") if isinstance(doc.get("message"), dict) else None
    if message is None and "data" in doc:
        message = doc
    if message is None:
        return doc, None, ctx.received_at
    data = decode_base64(message.get("data"), "message.data")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(
            "UnicodeDecodeError", f"message.data is not UTF-8 at byte {exc.start}", stage="decode"
        ) from None
    notification = require_object(load_json(text), "message.data")
    message_id = f.text(message, "messageId") or f.text(message, "message_id")
    stamp = message.get("publishTime") or message.get("publish_time")
    event_at = from_rfc3339(stamp, "message.publishTime") if stamp is not None else ctx.received_at
    return notification, message_id, event_at


def _time(job: Mapping[str, Any], key: str) -> str | None:
    value = job.get(key)
    return None if value is None else from_rfc3339(value, f"job.{key}")


def _build(raw: bytes, ctx: UnitContext) -> list[Outcome]:
    doc = require_object(load_json_bytes(raw), "notification")
    notification, message_id, event_at = _unwrap(doc, ctx)
    job = f.obj(notification, "job")
    if not job:
        raise IngestError("MissingField", "job is missing: not a Transcoder API notification")
    name = f.text(job, "name", "job.name")
    if name is None:
        raise IngestError("MissingField", "job.name is missing")
    segments = name.split("/")
    names = dict(zip(segments[::2], segments[1::2], strict=False))
    raw_state = f.text(job, "state", "job.state") or "PROCESSING_STATE_UNSPECIFIED"
    error = f.obj(job, "error", "job.error")
    labels = f.obj(job, "labels", "job.labels")
    code = error.get("code")
    state = STATES.get(raw_state, "unknown")
    record = {
        "schema_version": SCHEMA_VERSION,
        "provider": "transcoder",
        "event_id": message_id or ctx.message_id,
        "job_id": segments[-1],
        "state": state,
        "provider_state": raw_state,
        "event_at": event_at,
        "submitted_at": _time(job, "createTime"),
        "started_at": _time(job, "startTime"),
        "finished_at": _time(job, "endTime"),
        "progress_percent": 100.0 if state == "complete" else None,
        "content_id": f.text(labels, "content_id", "job.labels.content_id"),
        "queue": None,
        "region": names.get("locations"),
        "account": names.get("projects"),
        "input": {"uri": f.text(job, "inputUri", "job.inputUri")} if job.get("inputUri") else None,
        "outputs": [],
        "error_code": None if code is None else str(code),
        "error_message": f.text(error, "message", "job.error.message"),
    }
    return [ctx.finish(CONTRACT, record, raw)]


parse_transcoder = unit_parser(
    "parse_transcoder",
    CONTRACT,
    _build,
    "Parse one Transcoder API job notification (push envelope, message, or bare JSON).",
    __name__,
)
