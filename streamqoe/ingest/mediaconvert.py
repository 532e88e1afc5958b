"""Parse AWS Elemental MediaConvert "MediaConvert Job State Change" events into transcode_event.

Source: AWS Elemental MediaConvert User Guide, "Using EventBridge with AWS Elemental MediaConvert"
(job status events: SUBMITTED, PROGRESSING, INPUT_INFORMATION, STATUS_UPDATE, COMPLETE, CANCELED,
ERROR, NEW_WARNING, QUEUE_HOP). One unit is one EventBridge event (or a JSON array of events).

Mapping: job_id = detail.jobId; provider_state = detail.status; state normalized (SUBMITTED
submitted, PROGRESSING / INPUT_INFORMATION / STATUS_UPDATE / NEW_WARNING progressing, QUEUE_HOP
queued, COMPLETE complete, ERROR error, CANCELED canceled, anything else unknown); event_at = the
envelope time; submitted_at / started_at / finished_at = event_at on SUBMITTED / PROGRESSING /
terminal events; progress_percent = detail.jobProgress.jobPercentComplete (100 on COMPLETE); queue
= detail.queue; content_id = detail.userMetadata content_id (or contentId); input from
INPUT_INFORMATION inputDetails[0] (uri, video[0] width, height, codec, frameRate); outputs from
COMPLETE outputGroupDetails[].outputDetails[] (outputFilePaths[0], durationInMs,
videoDetails.widthInPx / heightInPx / averageBitrate in bit/s -> kbps); error_code = errorCode.

Left out: warnings' details, billing fields (paymentType, billingTier), per-phase progress.
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
DETAIL_TYPE = "MediaConvert Job State Change"
STATES = {
    "SUBMITTED": "submitted",
    "QUEUE_HOP": "queued",
    "PROGRESSING": "progressing",
    "INPUT_INFORMATION": "progressing",
    "STATUS_UPDATE": "progressing",
    "NEW_WARNING": "progressing",
    "COMPLETE": "complete",
    "ERROR": "error",
    "CANCELED": "canceled",
}
CONTENT_ID_KEYS = ("content_id", "contentId", "streamqoe_content_id")


def _kbps(bits_per_second: int | None) -> int | None:
    return None if bits_per_second is None else round(bits_per_second / 1000)


def _input(detail: Mapping[str, Any]) -> dict[str, Any] | None:
    inputs = f.array(detail, "inputDetails", "detail.inputDetails")
    if not inputs:
        return None
    first = inputs[0]
    if not isinstance(first, dict):
        raise IngestError("FieldType", "detail.inputDetails[0] is not an object")
    videos = f.array(first, "video", "detail.inputDetails[0].video")
    video = videos[0] if videos and isinstance(videos[0], dict) else {}
    where = "detail.inputDetails[0].video[0]"
    return {
        "uri": f.text(first, "uri", "detail.inputDetails[0].uri"),
        "duration_ms": f.integer(first, "durationInMs", "detail.inputDetails[0].durationInMs"),
        "width": f.integer(video, "width", f"{where}.width"),
        "height": f.integer(video, "height", f"{where}.height"),
        "codec": f.text(video, "codec", f"{where}.codec"),
        "frame_rate": f.number(video, "frameRate", f"{where}.frameRate"),
        "bitrate_kbps": _kbps(f.integer(video, "bitRate", f"{where}.bitRate")),
    }


def _outputs(detail: Mapping[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for g, group in enumerate(f.array(detail, "outputGroupDetails", "detail.outputGroupDetails")):
        if not isinstance(group, dict):
            raise IngestError("FieldType", f"detail.outputGroupDetails[{g}] is not an object")
        for o, output in enumerate(f.array(group, "outputDetails")):
            where = f"detail.outputGroupDetails[{g}].outputDetails[{o}]"
            if not isinstance(output, dict):
                raise IngestError("FieldType", f"{where} is not an object")
            paths = f.array(output, "outputFilePaths", f"{where}.outputFilePaths")
            uri = paths[0] if paths and isinstance(paths[0], str) else None
            video = f.obj(output, "videoDetails", f"{where}.videoDetails")
            out.append(
                {
                    "name": uri.rsplit("/", 1)[-1] if uri else None,
                    "uri": uri,
                    "width": f.integer(video, "widthInPx", f"{where}.videoDetails.widthInPx"),
                    "height": f.integer(video, "heightInPx", f"{where}.videoDetails.heightInPx"),
                    "bitrate_kbps": _kbps(
                        f.integer(video, "averageBitrate", f"{where}.videoDetails.averageBitrate")
                    ),
                    "codec": None,
                    "duration_ms": f.integer(output, "durationInMs", f"{where}.durationInMs"),
                }
            )
    return out


def job_event(event: Any) -> dict[str, Any]:
    """Map one MediaConvert Job State Change event to a transcode_event dict (not validated)."""
    env = read_envelope(event, "aws.mediaconvert")
    if env.detail_type != DETAIL_TYPE:
        raise IngestError(
            "UnexpectedEventType", f"detail-type {env.detail_type!r} is not {DETAIL_TYPE!r}"
        )
    detail = env.detail
    job_id = f.text(detail, "jobId", "detail.jobId")
    status = f.text(detail, "status", "detail.status")
    if job_id is None or status is None:
        raise IngestError("MissingField", "detail.jobId and detail.status are required")
    state = STATES.get(status, "unknown")
    progress = f.obj(detail, "jobProgress", "detail.jobProgress")
    percent = f.number(progress, "jobPercentComplete", "detail.jobProgress.jobPercentComplete")
    metadata = f.obj(detail, "userMetadata", "detail.userMetadata")
    content_id = next(
        (metadata[k] for k in CONTENT_ID_KEYS if isinstance(metadata.get(k), str)), None
    )
    error_code = detail.get("errorCode")
    terminal = state in ("complete", "error", "canceled")
    return {
        "schema_version": SCHEMA_VERSION,
        "provider": "mediaconvert",
        "event_id": env.event_id,
        "job_id": job_id,
        "state": state,
        "provider_state": status,
        "event_at": env.time,
        "submitted_at": env.time if state == "submitted" else None,
        "started_at": env.time if status == "PROGRESSING" else None,
        "finished_at": env.time if terminal else None,
        "progress_percent": 100.0 if state == "complete" and percent is None else percent,
        "content_id": content_id,
        "queue": f.text(detail, "queue", "detail.queue"),
        "region": env.region,
        "account": env.account or f.text(detail, "accountId", "detail.accountId"),
        "input": _input(detail),
        "outputs": _outputs(detail),
        "error_code": None if error_code is None else str(error_code),
        "error_message": f.text(detail, "errorMessage", "detail.errorMessage"),
    }


def _build(raw: bytes, ctx: UnitContext) -> list[Outcome]:
    doc = load_json_bytes(raw)
    if isinstance(doc, list):
        return ctx.each(doc, CONTRACT, job_event)
    return [ctx.finish(CONTRACT, job_event(doc), raw)]


parse_mediaconvert = unit_parser(
    "parse_mediaconvert",
    CONTRACT,
    _build,
    "Parse one MediaConvert EventBridge event (or an array of them), one outcome per event.",
    __name__,
)
