"""transcode_job: the row of one transcode job (MediaConvert, Transcoder API, ...) from its events.

    transcode_event_identity(event)     what makes two events the same (event_id, else job, state
                                        and time)
    transcode_job_record(events, ...)   one transcode_job.v1 record: latest state, times, outputs

Left out: grouping events per job (session windows in pipelines/transforms/transcode.py), parsing
the providers' events (streamqoe.ingest) and any I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from streamqoe.times import epoch_ms_from_rfc3339, rfc3339_from_float_epoch_ms

TRANSCODE_JOB_SCHEMA_VERSION = "1.0"
"""schema_version written on transcode_job records (schemas/transcode_job.v1.json)."""
_TERMINAL_STATES = ("complete", "error", "canceled", "stopped")
_OUTPUT_FIELDS = ("name", "width", "height", "bitrate_kbps", "codec", "duration_ms")


def transcode_event_identity(event: Mapping[str, Any]) -> tuple[str, ...]:
    """Return an event's identity: its event_id, else (job_id, provider_state, event_at)."""
    if event.get("event_id"):
        return ("id", str(event["event_id"]))
    return ("job", event["job_id"], str(event.get("provider_state")), str(event["event_at"]))


def _latest(events: list[Mapping[str, Any]], field: str) -> Any:
    for event in reversed(events):
        if event.get(field) is not None:
            return event[field]
    return None


def transcode_job_record(
    events: Iterable[Mapping[str, Any]], *, version: int, updated_at: str
) -> dict[str, Any]:
    """Build the transcode_job.v1 record of one job from its events (duplicates removed here).

    The state is the latest by event time (ties: the terminal state wins, then the later arrival);
    other fields take the latest non-null value reported.

    Raises:
        ValueError: no events.
    """
    unique: dict[tuple[str, ...], Mapping[str, Any]] = {}
    for event in events:
        unique.setdefault(transcode_event_identity(event), event)
    if not unique:
        raise ValueError("a transcode job needs at least one event")
    ordered = sorted(
        unique.values(),
        key=lambda e: (epoch_ms_from_rfc3339(e["event_at"]), e["state"] in _TERMINAL_STATES),
    )
    first, last = ordered[0], ordered[-1]
    submitted = _latest(ordered, "submitted_at")
    started = _latest(ordered, "started_at")
    finished = _latest(ordered, "finished_at")
    queue_ms = (
        epoch_ms_from_rfc3339(started) - epoch_ms_from_rfc3339(submitted)
        if submitted and started
        else None
    )
    processing_ms = (
        epoch_ms_from_rfc3339(finished) - epoch_ms_from_rfc3339(started)
        if started and finished
        else None
    )
    input_doc = _latest(ordered, "input") or {}
    input_ms = input_doc.get("duration_ms")
    outputs = _latest(ordered, "outputs") or []
    return {
        "schema_version": TRANSCODE_JOB_SCHEMA_VERSION,
        "provider": last["provider"],
        "job_id": last["job_id"],
        "state": last["state"],
        "content_id": _latest(ordered, "content_id"),
        "queue": _latest(ordered, "queue"),
        "region": _latest(ordered, "region"),
        "first_event_at": rfc3339_from_float_epoch_ms(epoch_ms_from_rfc3339(first["event_at"])),
        "last_event_at": rfc3339_from_float_epoch_ms(epoch_ms_from_rfc3339(last["event_at"])),
        "submitted_at": submitted,
        "started_at": started,
        "finished_at": finished,
        "queue_time_ms": max(queue_ms, 0) if queue_ms is not None else None,
        "processing_time_ms": max(processing_ms, 0) if processing_ms is not None else None,
        "input_duration_ms": input_ms,
        "realtime_factor": (
            input_ms / processing_ms if input_ms is not None and processing_ms else None
        ),
        "output_count": len(outputs) if outputs else None,
        "outputs": [{k: o.get(k) for k in _OUTPUT_FIELDS} for o in outputs],
        "error_code": _latest(ordered, "error_code") if last["state"] == "error" else None,
        "error_message": _latest(ordered, "error_message") if last["state"] == "error" else None,
        "event_count": len(unique),
        "version": version,
        "updated_at": updated_at,
    }


__all__ = ["TRANSCODE_JOB_SCHEMA_VERSION", "transcode_event_identity", "transcode_job_record"]
