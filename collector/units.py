"""Split a request into units, parse each with the ingest parsers, and say what to publish.

A unit is what the pipelines parse from one Pub/Sub message: one beacon event, one CMCD report
(a body line, a JSON report, a query, a request's headers), one EventBridge event, one push, one
CloudFront real-time log line. Each unit is parsed here by the same `streamqoe.ingest` parser the
pipeline runs on the message, so a unit the collector accepts parses identically downstream; a
unit that fails is its parser's dead letter. The published payload is the unit itself in the
parser's input format (the `format` attribute names it), never a re-encoding the pipeline could
read differently, except beacon events, whose record is the event unchanged.

Left out: HTTP (collector.app), auth and publishing.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from collector import limits
from collector.errors import Rejection
from streamqoe.dead_letters import dead_letter
from streamqoe.ingest.beacon import parse_beacon
from streamqoe.ingest.cloudfront import parse_cloudfront_realtime
from streamqoe.ingest.cmcd import (
    HEADER_NAMES,
    parse_cmcd_body,
    parse_cmcd_headers,
    parse_cmcd_query,
)
from streamqoe.ingest.mediaconvert import parse_mediaconvert
from streamqoe.ingest.medialive import parse_medialive
from streamqoe.ingest.outcome import DeadLetter, IngestError, Outcome, Record
from streamqoe.ingest.payload import decode_base64, load_json_bytes
from streamqoe.ingest.transcoder import parse_transcoder

COMPACT = (",", ":")
EVENTBRIDGE_PARSERS: dict[str, tuple[str, Callable[..., list[Outcome]]]] = {
    "aws.mediaconvert": ("mediaconvert", parse_mediaconvert),
    "aws.medialive": ("medialive", parse_medialive),
}
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


@dataclass(frozen=True, slots=True)
class Request:
    """What the parsers need from the HTTP request (the client IP already truncated or None)."""

    source: str
    received_at: datetime
    client_ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class Unit:
    """One parsed unit: its outcome, and for a record the payload, format and ordering key."""

    outcome: Outcome
    payload: bytes = b""
    format: str = ""
    ordering_key: str = ""


def json_depth(data: bytes, stop_at: int = limits.MAX_JSON_DEPTH) -> int:
    """Return how deep brackets nest in a JSON text (strings skipped), stopping past `stop_at`."""
    depth = deepest = 0
    for byte in _STRING.sub(b"", data).translate(None, _NOT_BRACKETS):
        if byte in b"[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_at:
                    break
        else:
            depth -= 1
    return deepest


def check_json_depth(data: bytes) -> None:
    """Raises: Rejection 400 `TooDeep` when brackets nest past MAX_JSON_DEPTH."""
    if json_depth(data) > limits.MAX_JSON_DEPTH:
        raise Rejection(400, "TooDeep", f"JSON nests deeper than {limits.MAX_JSON_DEPTH} levels")


def gunzip(body: bytes, max_bytes: int) -> bytes:
    """Decode a gzip body, refusing one that decodes past `max_bytes`.

    Raises:
        Rejection: 413 past the limit; 400 `BadGzip` when it is not gzip.
    """
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decoder.decompress(body, max_bytes + 1)
        if len(out) <= max_bytes and not decoder.eof:
            out += decoder.flush()
    except zlib.error as exc:
        raise Rejection(
            400, "BadGzip", f"Content-Encoding is gzip but the body is not: {exc}"
        ) from None
    if len(out) > max_bytes:
        raise Rejection(413, "BodyTooLarge", f"body decodes to more than {max_bytes} bytes")
    if not decoder.eof:
        raise Rejection(400, "BadGzip", "the gzip body is truncated")
    return out


def _too_many(count: int, what: str, limit: int = limits.MAX_BATCH_UNITS) -> None:
    if count > limit:
        raise Rejection(413, "BatchTooLarge", f"{count} {what} in one request; at most {limit}")


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=COMPACT).encode()


def _records_then(outcomes: list[Outcome], payload: bytes, fmt: str, key: Callable) -> list[Unit]:
    """Units for one input unit's outcomes: its payload is published once if all are records."""
    if all(isinstance(o, Record) for o in outcomes):
        first = outcomes[0] if outcomes else None
        return [Unit(first, payload, fmt, key(first.record))] if first is not None else []
    return [Unit(o) for o in outcomes if isinstance(o, DeadLetter)]


def _view_key(record: dict[str, Any]) -> str:
    return str(record.get("view_id") or "")


def _cmcd_key(record: dict[str, Any]) -> str:
    return str((record.get("cmcd") or {}).get("sid") or "")


def _job_key(record: dict[str, Any]) -> str:
    return str(record.get("job_id") or "")


def beacon_units(body: bytes, req: Request) -> list[Unit]:
    """One unit per beacon event (the body is one event or an array of them)."""
    check_json_depth(body)
    try:
        doc = load_json_bytes(body)
    except IngestError:
        doc = None  # parse_beacon words the dead letter
    if isinstance(doc, list):
        _too_many(len(doc), "events")
    outcomes = parse_beacon(body, source=req.source, received_at=req.received_at)
    return [
        Unit(o, _dumps(o.record), "beacon", _view_key(o.record))
        if isinstance(o, Record)
        else Unit(o)
        for o in outcomes
    ]


def cmcd_body_units(body: bytes, content_type: str, req: Request) -> list[Unit]:
    """One unit per report of a CMCD v2 body: lines of application/cmcd, or JSON reports."""
    media = content_type.split(";", 1)[0].strip().lower()
    is_json = media == "application/json" or media.endswith("+json")
    parts: list[bytes]
    if is_json:
        check_json_depth(body)
        try:
            doc = load_json_bytes(body)
        except IngestError:
            doc = None
        if isinstance(doc, list) and doc:
            _too_many(len(doc), "reports")
            parts = [_dumps(item) for item in doc]
        else:
            parts = [body]
        parse_type = "application/json"
    else:
        lines = [line for line in body.splitlines() if line.strip(b" \t")]
        _too_many(len(lines), "report lines", limits.MAX_BODY_LINES)
        parts = lines or [body]
        parse_type = "application/cmcd"
    units: list[Unit] = []
    for index, part in enumerate(parts):
        outcomes = parse_cmcd_body(
            part,
            content_type=parse_type,
            source=req.source,
            received_at=req.received_at,
            attributes={"element_index": index} if len(parts) > 1 else None,
            client_ip=req.client_ip,
            user_agent=req.user_agent,
        )
        units += _records_then(outcomes, part, "cmcd", _cmcd_key)
    return units


def cmcd_query_argument(raw_query: str) -> str | None:
    """Return the raw `CMCD=...` member of a query string (still URL-encoded), if any."""
    for member in raw_query.split("&"):
        if member.startswith("CMCD="):
            return member
    return None


def cmcd_query_units(member: str, req: Request) -> list[Unit]:
    """One unit: the `CMCD=` argument (the write key and other arguments are not published)."""
    if len(member) > limits.MAX_QUERY_BYTES:
        raise Rejection(
            414, "QueryTooLong", f"the CMCD argument is over {limits.MAX_QUERY_BYTES} bytes"
        )
    payload = member.encode()
    outcomes = parse_cmcd_query(
        payload,
        source=req.source,
        received_at=req.received_at,
        client_ip=req.client_ip,
        user_agent=req.user_agent,
    )
    return _records_then(outcomes, payload, "cmcd", _cmcd_key)


def cmcd_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The request's CMCD-* headers, by their canonical names.

    Raises:
        Rejection: 431 when one is over MAX_CMCD_HEADER_BYTES.
    """
    out = {}
    for name in HEADER_NAMES:
        value = headers.get(name)
        if value is not None:
            if len(value) > limits.MAX_CMCD_HEADER_BYTES:
                raise Rejection(
                    431, "HeaderTooLarge", f"{name} is over {limits.MAX_CMCD_HEADER_BYTES} bytes"
                )
            out["-".join(p.capitalize() for p in name.split("-"))] = value
    return out


def cmcd_header_units(found: Mapping[str, str], req: Request) -> list[Unit]:
    """One unit: the request's CMCD headers, published as `Name: value` lines."""
    payload = "\r\n".join(f"{k}: {v}" for k, v in found.items()).encode()
    outcomes = parse_cmcd_headers(
        found,
        source=req.source,
        received_at=req.received_at,
        client_ip=req.client_ip,
        user_agent=req.user_agent,
    )
    return _records_then(outcomes, payload, "cmcd", _cmcd_key)


def _letter(raw: bytes, req: Request, error: IngestError, contract: str, index: int | None) -> Unit:
    return Unit(
        DeadLetter(
            dead_letter(
                raw,
                source=req.source,
                stage=error.stage,
                error_class=error.error_class,
                error_message=error.message,
                received_at=req.received_at,
                contract=f"{contract}.v1",
                attributes={"element_index": index} if index is not None else None,
            )
        )
    )


def eventbridge_units(body: bytes, req: Request) -> list[Unit]:
    """One unit per EventBridge event (an object, or an array); parser chosen by `source`."""
    check_json_depth(body)
    try:
        doc = load_json_bytes(body)
    except IngestError as exc:
        return [_letter(body, req, exc, "transcode_event", None)]
    events = doc if isinstance(doc, list) else [doc]
    _too_many(len(events), "events")
    units: list[Unit] = []
    for index, event in enumerate(events):
        raw = body if len(events) == 1 else _dumps(event)
        at = index if len(events) > 1 else None
        source = event.get("source") if isinstance(event, dict) else None
        if source not in EVENTBRIDGE_PARSERS:
            error = IngestError(
                "UnexpectedEventSource",
                f"source is {source!r}; expected one of {sorted(EVENTBRIDGE_PARSERS)}",
            )
            units.append(_letter(raw, req, error, "transcode_event", at))
            continue
        fmt, parse = EVENTBRIDGE_PARSERS[source]
        attrs = {"element_index": at} if at is not None else None
        outcomes = parse(raw, source=req.source, received_at=req.received_at, attributes=attrs)
        units += _records_then(outcomes, raw, fmt, _job_key)
    return units


def transcoder_units(body: bytes, req: Request) -> list[Unit]:
    """One unit: a Pub/Sub push of a Transcoder API job notification, published as received."""
    check_json_depth(body)
    outcomes = parse_transcoder(body, source=req.source, received_at=req.received_at)
    return _records_then(outcomes, body, "transcoder", _job_key)


def firehose_units(body: bytes, req: Request) -> list[Unit]:
    """One unit per CloudFront real-time log line of a Firehose HTTP endpoint delivery.

    Raises:
        Rejection: 400 when the body is not a Firehose request (`records` missing), 413 past
            MAX_BATCH_UNITS records.
    """
    check_json_depth(body)
    try:
        doc = load_json_bytes(body)
    except IngestError as exc:
        raise Rejection(400, exc.error_class, f"not a Firehose request: {exc.message}") from None
    records = doc.get("records") if isinstance(doc, dict) else None
    if not isinstance(records, list):
        raise Rejection(400, "NotAFirehoseRequest", "the body has no `records` array")
    _too_many(len(records), "records")
    units: list[Unit] = []
    for index, record in enumerate(records):
        raw = _dumps(record)
        try:
            data = decode_base64(record.get("data") if isinstance(record, dict) else None, "data")
        except IngestError as exc:
            units.append(_letter(raw, req, exc, "cdn_request", index))
            continue
        lines = [line for line in data.split(b"\n") if line.strip(b"\r \t")] or [data]
        for number, line in enumerate(lines, start=1):
            line = line.rstrip(b"\r")
            outcomes = parse_cloudfront_realtime(
                line,
                source=req.source,
                received_at=req.received_at,
                attributes={"element_index": index, "line": number},
            )
            units += _records_then(outcomes, line, "cloudfront-realtime", _cmcd_key)
    return units
