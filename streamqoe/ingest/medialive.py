"""Parse AWS Elemental MediaLive EventBridge events into transcode_event records.

Source: AWS Elemental MediaLive User Guide, "Monitoring with Amazon EventBridge" (event types
"MediaLive Channel State Change", "MediaLive Channel Alert", "MediaLive Multiplex State Change",
"MediaLive Multiplex Alert"). One unit is one event (or a JSON array of events).

Mapping: job_id = the channel (or multiplex) id, the last segment of detail.channel_arn /
detail.multiplex_arn; state changes map STARTING, RUNNING, STOPPING, STOPPED (and IDLE) to starting,
running, stopping, stopped, other states (CREATED, DELETED, RECOVERING, UPDATING, ...) to unknown
with provider_state keeping the raw state; alerts map alarm_state SET to alert and CLEARED to
alert_cleared, with error_code = alert_type, error_message = message, queue = the pipeline
("pipeline 0"). event_at = the envelope time.

Left out: "MediaLive Channel Input Change" and other event types (dead-lettered as
`UnexpectedEventType` so they are visible, not silently dropped).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from streamqoe.ingest import fields as f
from streamqoe.ingest.eventbridge import read_envelope
from streamqoe.ingest.outcome import IngestError, Outcome, UnitContext, unit_parser
from streamqoe.ingest.payload import load_json_bytes

logger = logging.getLogger(__name__)

CONTRACT = "transcode_event"
SCHEMA_VERSION = "1.0"
STATES = {
    "STARTING": "starting",
    "RUNNING": "running",
    "STOPPING": "stopping",
    "STOPPED": "stopped",
    "IDLE": "stopped",
}
ALARM_STATES = {"SET": "alert", "CLEARED": "alert_cleared"}
STATE_CHANGE_TYPES = ("MediaLive Channel State Change", "MediaLive Multiplex State Change")
ALERT_TYPES = ("MediaLive Channel Alert", "MediaLive Multiplex Alert")


def _resource_id(detail: Mapping[str, Any], resources: list[Any]) -> str:
    arn = f.text(detail, "channel_arn", "detail.channel_arn") or f.text(
        detail, "multiplex_arn", "detail.multiplex_arn"
    )
    if arn is None:
        arn = next((r for r in resources if isinstance(r, str)), None)
    if not arn:
        raise IngestError("MissingField", "detail.channel_arn (or multiplex_arn) is missing")
    return arn.rsplit(":", 1)[-1] or arn


def channel_event(event: Any) -> dict[str, Any]:
    """Map one MediaLive EventBridge event to a transcode_event dict (not validated)."""
    env = read_envelope(event, "aws.medialive")
    detail = env.detail
    job_id = _resource_id(detail, env.resources)
    pipeline = detail.get("pipeline")
    if env.detail_type in STATE_CHANGE_TYPES:
        raw_state = f.text(detail, "state", "detail.state")
        if raw_state is None:
            raise IngestError("MissingField", "detail.state is missing")
        state = STATES.get(raw_state, "unknown")
        provider_state = raw_state
        error_code = None
        message = f.text(detail, "message", "detail.message")
    elif env.detail_type in ALERT_TYPES:
        alarm = f.text(detail, "alarm_state", "detail.alarm_state")
        if alarm is None:
            raise IngestError("MissingField", "detail.alarm_state is missing")
        state = ALARM_STATES.get(alarm, "unknown")
        provider_state = alarm
        error_code = f.text(detail, "alert_type", "detail.alert_type")
        message = f.text(detail, "message", "detail.message")
    else:
        raise IngestError(
            "UnexpectedEventType", f"detail-type {env.detail_type!r} is not a state change or alert"
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "provider": "medialive",
        "event_id": env.event_id,
        "job_id": job_id,
        "state": state,
        "provider_state": provider_state,
        "event_at": env.time,
        "submitted_at": None,
        "started_at": env.time if state == "running" else None,
        "finished_at": env.time if state == "stopped" else None,
        "progress_percent": None,
        "content_id": None,
        "queue": None if pipeline is None else f"pipeline {pipeline}",
        "region": env.region,
        "account": env.account,
        "input": None,
        "outputs": [],
        "error_code": error_code,
        "error_message": message,
    }


def _build(raw: bytes, ctx: UnitContext) -> list[Outcome]:
    doc = load_json_bytes(raw)
    if isinstance(doc, list):
        return ctx.each(doc, CONTRACT, channel_event)
    return [ctx.finish(CONTRACT, channel_event(doc), raw)]


parse_medialive = unit_parser(
    "parse_medialive",
    CONTRACT,
    _build,
    "Parse one MediaLive EventBridge event (or an array of them), one outcome per event.",
    __name__,
)
