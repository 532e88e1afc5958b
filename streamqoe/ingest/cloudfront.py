"""Parse Amazon CloudFront access logs into cdn_request records.

Two documented formats (Amazon CloudFront Developer Guide):

- Standard logs (legacy), "Standard logging reference" / "Log file fields": gzip files of
  tab-separated lines under `#Version: 1.0` and `#Fields: ...` header lines; 33 fields by default.
  Columns are mapped by the names in the latest `#Fields` line (a new `#Fields` line in the middle
  of a file switches the mapping), `-` is null, the user agent is URL-encoded (sometimes twice:
  `%2520`), `sc-status` 000 means the viewer closed the connection (status 0), `time-taken` and
  `time-to-first-byte` are seconds (converted to ms).
- Real-time logs, "Real-time log configuration fields": tab-separated records without a header, the
  fields chosen in the real-time log configuration in the documented order (configurable here,
  default `REALTIME_FIELDS`), `timestamp` in epoch seconds with milliseconds. They arrive in Kinesis
  Data Streams; a Kinesis record envelope (a Lambda event `{"Records": [{"kinesis": {"data": ...}}]}`,
  a Firehose transformation event, or a single `{"data": ...}` / `{"Data": ...}` record) is unwrapped
  and each base64 payload's lines parsed.

CMCD in the query string (`CMCD=`) is decoded into `cmcd`; real-time CMCD fields (`cmcd-*`), when
configured, are decoded too. Client IPs are truncated (IPv4 /24, IPv6 /48) here.

Dead-lettered: a line whose field count differs from the header (`CloudFrontFieldCount`, e.g. a
truncated line), a non-numeric number, a bad date, broken CMCD, and records failing the contract.
Left out: `cs(Cookie)`, `x-forwarded-for` and TLS fields (not in the contract; the cookie and
forwarded addresses are personal data), and the standard logging v2 formats (JSON, Parquet).
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from streamqoe.contracts.conformance import check
from streamqoe.ingest.cmcd import KEY_TYPES, cmcd_from_query
from streamqoe.ingest.outcome import (
    PARSER_BUG,
    IngestError,
    Outcome,
    Record,
    UnitContext,
    format_received_at,
    run_guarded,
)
from streamqoe.ingest.payload import decode_base64, decode_text, kind, load_json
from streamqoe.ingest.privacy import truncate_ip
from streamqoe.ingest.times import from_date_and_time, from_epoch_millis, from_epoch_seconds

logger = logging.getLogger(__name__)

CONTRACT = "cdn_request"
SCHEMA_VERSION = "1.0"

STANDARD_FIELDS: tuple[str, ...] = (
    "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)",
    "cs-uri-stem", "sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)",
    "x-edge-result-type", "x-edge-request-id", "x-host-header", "cs-protocol", "cs-bytes",
    "time-taken", "x-forwarded-for", "ssl-protocol", "ssl-cipher", "x-edge-response-result-type",
    "cs-protocol-version", "fle-status", "fle-encrypted-fields", "c-port", "time-to-first-byte",
    "x-edge-detailed-result-type", "sc-content-type", "sc-content-len", "sc-range-start",
    "sc-range-end",
)  # fmt: skip

REALTIME_FIELDS: tuple[str, ...] = (
    "timestamp", "c-ip", "time-to-first-byte", "sc-status", "sc-bytes", "cs-method",
    "cs-protocol", "cs-host", "cs-uri-stem", "cs-bytes", "x-edge-location", "x-edge-request-id",
    "x-host-header", "time-taken", "cs-protocol-version", "c-ip-version", "cs-user-agent",
    "cs-referer", "cs-cookie", "cs-uri-query", "x-edge-response-result-type", "x-forwarded-for",
    "ssl-protocol", "ssl-cipher", "x-edge-result-type", "fle-encrypted-fields", "fle-status",
    "sc-content-type", "sc-content-len", "sc-range-start", "sc-range-end", "c-port",
    "x-edge-detailed-result-type", "c-country", "cs-accept-encoding", "cs-accept",
    "cache-behavior-path-pattern", "cs-headers", "cs-header-names", "cs-headers-count",
    "primary-distribution-id", "primary-distribution-dns-name", "origin-fbl", "origin-lbl", "asn",
)  # fmt: skip

# Real-time log CMCD fields -> CMCD key.
REALTIME_CMCD_FIELDS: dict[str, str] = {
    "cmcd-encoded-bitrate": "br",
    "cmcd-buffer-length": "bl",
    "cmcd-buffer-starvation": "bs",
    "cmcd-content-id": "cid",
    "cmcd-object-duration": "d",
    "cmcd-deadline": "dl",
    "cmcd-measured-throughput": "mtp",
    "cmcd-next-object-request": "nor",
    "cmcd-next-range-request": "nrr",
    "cmcd-object-type": "ot",
    "cmcd-playback-rate": "pr",
    "cmcd-requested-maximum-throughput": "rtp",
    "cmcd-streaming-format": "sf",
    "cmcd-session-id": "sid",
    "cmcd-stream-type": "st",
    "cmcd-startup": "su",
    "cmcd-top-bitrate": "tb",
    "cmcd-version": "v",
}

# x-edge-result-type (and detailed type) -> normalized cache_result.
CACHE_RESULTS: dict[str, str] = {
    "Hit": "hit",
    "OriginShieldHit": "hit",
    "RefreshHit": "refresh",
    "Miss": "miss",
    "Error": "error",
    "LimitExceeded": "other",
    "CapacityExceeded": "other",
    "Redirect": "other",
}

# Each contract column and the log fields it may come from (standard name first).
_SOURCES: dict[str, tuple[str, ...]] = {
    "date": ("date",),
    "time": ("time",),
    "timestamp": ("timestamp",),
    "timestamp_ms": ("timestamp(ms)",),
    "pop": ("x-edge-location",),
    "bytes_sent": ("sc-bytes",),
    "client_ip": ("c-ip",),
    "method": ("cs-method",),
    "cf_host": ("cs(Host)", "cs-host"),
    "distribution": ("primary-distribution-id",),
    "path": ("cs-uri-stem",),
    "status": ("sc-status",),
    "referer": ("cs(Referer)", "cs-referer"),
    "user_agent": ("cs(User-Agent)", "cs-user-agent"),
    "query": ("cs-uri-query",),
    "result_type": ("x-edge-result-type",),
    "request_id": ("x-edge-request-id",),
    "host": ("x-host-header",),
    "protocol": ("cs-protocol",),
    "bytes_received": ("cs-bytes",),
    "time_taken": ("time-taken",),
    "http_version": ("cs-protocol-version",),
    "ttfb": ("time-to-first-byte",),
    "detailed": ("x-edge-detailed-result-type",),
    "content_type": ("sc-content-type",),
    "range_start": ("sc-range-start",),
    "range_end": ("sc-range-end",),
    "country": ("c-country",),
    "asn": ("asn",),
}
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


@dataclass(frozen=True, slots=True)
class FieldPlan:
    """Where each contract column sits in a tab-separated line, compiled once per #Fields list."""

    fields: tuple[str, ...]
    log_format: str
    at: Mapping[str, int]
    cmcd_fields: tuple[tuple[int, str], ...]

    @classmethod
    def build(cls, fields: Sequence[str], log_format: str) -> FieldPlan:
        names = tuple(fields)
        index = {name: i for i, name in enumerate(names)}
        at = {
            column: next((index[n] for n in candidates if n in index), -1)
            for column, candidates in _SOURCES.items()
        }
        cmcd = tuple((index[f], key) for f, key in REALTIME_CMCD_FIELDS.items() if f in index)
        plan = cls(names, log_format, at, cmcd)
        missing = plan.missing_required()
        if missing:
            logger.warning("%s fields lack %s; every line will dead-letter", log_format, missing)
        return plan

    def missing_required(self) -> list[str]:
        """Name the required columns this field list cannot fill."""
        at = self.at
        missing = [c for c in ("method", "path", "status") if at[c] < 0]
        has_time = (at["date"] >= 0 and at["time"] >= 0) or at["timestamp"] >= 0
        if not has_time and at["timestamp_ms"] < 0:
            missing.append("date+time or timestamp")
        return missing


STANDARD_PLAN = FieldPlan.build(STANDARD_FIELDS, "cloudfront_standard")
REALTIME_PLAN = FieldPlan.build(REALTIME_FIELDS, "cloudfront_realtime")


def _bad(field: str, value: str, what: str) -> IngestError:
    return IngestError("CloudFrontFieldValue", f"{field}: {value[:60]!r} is not {what}")


def _int(value: str | None, field: str) -> int | None:
    if value is None:
        return None
    if value.isdigit() and value.isascii():
        return int(value)
    raise _bad(field, value, "a non-negative integer")


def _seconds_to_ms(value: str | None, field: str) -> float | None:
    if value is None:
        return None
    if value[:1].isdigit() and value.isascii():
        try:
            seconds = float(value)
        except ValueError:
            seconds = math.nan
        if math.isfinite(seconds):
            return round(seconds * 1000, 3)
    raise _bad(field, value, "a duration in seconds")


@functools.lru_cache(maxsize=4096)
def _decode_ua(value: str | None) -> str | None:
    """URL-decode a user agent, twice when CloudFront double-encoded it (%2520 -> %20 -> ' ')."""
    if value is None or "%" not in value:
        return value
    once = unquote(value)
    if "%" in once and _PERCENT_ESCAPE.search(once):
        return unquote(once)
    return once


def _realtime_cmcd(parts: list[str], plan: FieldPlan) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for i, key in plan.cmcd_fields:
        value = parts[i]
        if value == "-" or value == "":
            continue
        expected = KEY_TYPES[key]
        if expected == "boolean":
            lowered = value.lower()
            if lowered in ("true", "1"):
                out[key] = True
            elif lowered in ("false", "0"):
                out[key] = False
            else:
                raise _bad(plan.fields[i], value, "a boolean")
        elif expected == "integer":
            out[key] = _int(value, plan.fields[i])
        elif expected == "decimal":
            try:
                out[key] = float(value)
            except ValueError:
                raise _bad(plan.fields[i], value, "a decimal") from None
        else:
            out[key] = unquote(value) if "%" in value else value
    return out or None


def _getter(parts: list[str], plan: FieldPlan) -> Any:
    """Return column -> value ('-' and '' as None; None for fields the plan lacks)."""
    values = {
        column: (None if i < 0 or parts[i] == "-" or parts[i] == "" else parts[i])
        for column, i in plan.at.items()
    }
    return values.get


def _line_record(line: str, plan: FieldPlan, distribution: str | None) -> dict[str, Any]:
    """Map one tab-separated line to a cdn_request dict (not yet validated)."""
    parts = line.split("\t")
    if len(parts) != len(plan.fields):
        raise IngestError(
            "CloudFrontFieldCount",
            f"expected {len(plan.fields)} tab-separated fields, got {len(parts)}",
        )
    at = plan.at
    get = _getter(parts, plan)

    if at["date"] >= 0 and at["time"] >= 0:
        request_at = from_date_and_time(parts[at["date"]], parts[at["time"]])
    elif at["timestamp"] >= 0:
        request_at = from_epoch_seconds(parts[at["timestamp"]], "timestamp")
    elif at["timestamp_ms"] >= 0:
        request_at = from_epoch_millis(parts[at["timestamp_ms"]], "timestamp(ms)")
    else:
        raise IngestError("CloudFrontFieldMissing", "no date/time or timestamp field")

    method = get("method")
    path = get("path")
    status_text = get("status")
    if method is None or path is None or status_text is None:
        missing = [n for n, v in (("cs-method", method), ("cs-uri-stem", path)) if v is None]
        if status_text is None:
            missing.append("sc-status")
        raise IngestError("CloudFrontFieldMissing", f"no value for {', '.join(missing)}")
    status = _int(status_text, "sc-status")

    result_type = get("result_type")
    detailed = get("detailed")
    cache_result = CACHE_RESULTS.get(detailed or "") or CACHE_RESULTS.get(result_type or "")
    if cache_result is None and (detailed or result_type):
        cache_result = "error" if result_type == "Error" else "other"

    query = get("query")
    cmcd = None
    if query is not None and "CMCD=" in query:
        cmcd = cmcd_from_query(query)
    if cmcd is None and plan.cmcd_fields:
        cmcd = _realtime_cmcd(parts, plan)

    country = get("country")
    referer = get("referer")
    if referer is not None and "%" in referer:
        referer = unquote(referer)
    return {
        "schema_version": SCHEMA_VERSION,
        "cdn": "cloudfront",
        "log_format": plan.log_format,
        "request_id": get("request_id"),
        "request_at": request_at,
        "distribution": get("distribution") or distribution or get("cf_host"),
        "pop": get("pop"),
        "client_ip": truncate_ip(get("client_ip")),
        "client_country": country.upper() if country else None,
        "client_asn": _int(get("asn"), "asn"),
        "method": method,
        "protocol": get("protocol"),
        "http_version": get("http_version"),
        "host": get("host") or get("cf_host"),
        "path": unquote(path) if "%" in path else path,
        "query": query,
        "status": status,
        "bytes_sent": _int(get("bytes_sent"), "sc-bytes"),
        "bytes_received": _int(get("bytes_received"), "cs-bytes"),
        "time_taken_ms": _seconds_to_ms(get("time_taken"), "time-taken"),
        "ttfb_ms": _seconds_to_ms(get("ttfb"), "time-to-first-byte"),
        "cache_result": cache_result,
        "cache_detail": detailed or result_type,
        "user_agent": _decode_ua(get("user_agent")),
        "referer": referer,
        "content_type": get("content_type"),
        "range_header": None,
        "range_start": _int(get("range_start"), "sc-range-start"),
        "range_end": _int(get("range_end"), "sc-range-end"),
        "cmcd": cmcd,
    }


def fields_from_header(line: str) -> tuple[str, ...] | None:
    """Return the field names of a `#Fields:` line, or None for any other line."""
    if not line.startswith("#Fields:"):
        return None
    return tuple(line[len("#Fields:") :].split())


class StandardLogParser:
    """Parse the lines of one CloudFront standard log, following its `#Fields` headers.

    Args:
        received_at: when the file was received (copied into dead letters).
        distribution: the distribution id when known (the log file name starts with it), else the
            record carries the distribution's domain name (`cs(Host)`).
        fields: the field list to assume until a `#Fields` line says otherwise.
    """

    def __init__(
        self,
        *,
        received_at: datetime,
        distribution: str | None = None,
        fields: Sequence[str] = STANDARD_FIELDS,
    ):
        self.received_at = format_received_at(received_at)
        self.distribution = distribution
        self.plan = STANDARD_PLAN if tuple(fields) == STANDARD_FIELDS else self._plan(fields)

    @staticmethod
    def _plan(fields: Sequence[str]) -> FieldPlan:
        return FieldPlan.build(fields, "cloudfront_standard")

    def line(
        self,
        raw: bytes,
        source: str,
        message_id: str | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> Outcome | None:
        """Parse one line; None for a header or blank line. Never raises."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return self._dead(raw, source, message_id, attributes, "decode", "UnicodeDecodeError",
                              f"not UTF-8 at byte {exc.start}: {exc.reason}")  # fmt: skip
        except AttributeError:
            text = str(raw)
        text = text.rstrip("\r\n")
        if not text.strip():
            return None
        if text[0] == "#":
            fields = fields_from_header(text)
            if fields is not None:
                self.plan = STANDARD_PLAN if fields == STANDARD_FIELDS else self._plan(fields)
            return None
        try:
            record = _line_record(text, self.plan, self.distribution)
        except IngestError as exc:
            return self._dead(raw, source, message_id, attributes, exc.stage, exc.error_class,
                              exc.message)  # fmt: skip
        except Exception as exc:  # a parser bug must still leave a dead letter
            logger.exception("parser bug on %s", source)
            return self._dead(raw, source, message_id, attributes, "parse", PARSER_BUG,
                              f"{type(exc).__name__}: {exc}")  # fmt: skip
        errors = check(CONTRACT, record)
        if not errors:
            return Record(CONTRACT, record)
        ctx = UnitContext(source, self.received_at, message_id, attributes)
        return ctx.finish(CONTRACT, record, raw)

    def _dead(
        self,
        raw: bytes,
        source: str,
        message_id: str | None,
        attributes: dict[str, Any] | None,
        stage: str,
        error_class: str,
        message: str,
    ) -> Outcome:
        ctx = UnitContext(source, self.received_at, message_id, attributes)
        return ctx.dead_letter(
            raw, stage=stage, error_class=error_class, error_message=message, contract=CONTRACT
        )


def parse_cloudfront_log(
    units: Iterable[tuple[str, bytes]],
    *,
    received_at: datetime,
    distribution: str | None = None,
    fields: Sequence[str] = STANDARD_FIELDS,
) -> Iterator[Outcome]:
    """Parse a standard log given as (unit id, line bytes) pairs; headers switch the field map."""
    parser = StandardLogParser(received_at=received_at, distribution=distribution, fields=fields)
    for unit_id, raw in units:
        outcome = parser.line(raw, unit_id, unit_id)
        if outcome is not None:
            yield outcome


def parse_cloudfront(
    unit: bytes | str,
    *,
    source: str,
    received_at: datetime,
    message_id: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    distribution: str | None = None,
    fields: Sequence[str] = STANDARD_FIELDS,
) -> list[Outcome]:
    """Parse one unit of a CloudFront standard log: a line, or several lines with their headers.

    Returns one outcome per data line; `#Version`/`#Fields` lines and blank lines produce none.
    """

    def build(raw: bytes, ctx: UnitContext) -> list[Outcome]:
        parser = StandardLogParser(
            received_at=received_at, distribution=distribution, fields=fields
        )
        lines = raw.split(b"\n")
        single = sum(1 for line in lines if line.strip()) <= 1
        out: list[Outcome] = []
        for index, line in enumerate(lines):
            attrs = ctx.attributes if single else {**(ctx.attributes or {}), "line": index + 1}
            outcome = parser.line(line, source, message_id, attrs)
            if outcome is not None:
                out.append(outcome)
        return out

    return run_guarded(
        unit,
        CONTRACT,
        build,
        source=source,
        received_at=received_at,
        message_id=message_id,
        attributes=attributes,
    )


# --- real-time logs --------------------------------------------------------------------------


def _realtime_lines(
    raw: bytes, ctx: UnitContext, plan: FieldPlan, index_attrs: dict[str, Any] | None
) -> list[Outcome]:
    text = decode_text(raw)
    lines = [line for line in text.split("\n") if line.strip("\r \t")]
    if not lines:
        raise IngestError("EmptyRecord", "no log line in the record")
    out: list[Outcome] = []
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r")
        line_raw = raw if len(lines) == 1 else line.encode("utf-8")
        attrs = index_attrs if len(lines) == 1 else {**(index_attrs or {}), "line": number}
        line_ctx = UnitContext(ctx.source, ctx.received_at, ctx.message_id, attrs)

        def build(line: str = line, line_raw: bytes = line_raw, c: UnitContext = line_ctx):
            return [c.finish(CONTRACT, _line_record(line, plan, None), line_raw)]

        out.extend(line_ctx.guard(line_raw, CONTRACT, build))
    return out


def _kinesis_records(doc: Any) -> list[tuple[dict[str, Any], str | None]]:
    """Return (record, sequence number) pairs from any of the Kinesis envelope shapes."""
    if not isinstance(doc, dict):
        raise IngestError("UnexpectedShape", f"expected a Kinesis record envelope, got {kind(doc)}")
    batch = doc.get("Records", doc.get("records"))
    items = batch if isinstance(batch, list) else [doc]
    if not items:
        raise IngestError("EmptyBatch", "the Kinesis event holds no records")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise IngestError("UnexpectedShape", f"Kinesis record is a {kind(item)}")
        inner = item.get("kinesis") if isinstance(item.get("kinesis"), dict) else item
        seq = inner.get("sequenceNumber") or inner.get("SequenceNumber") or item.get("recordId")
        out.append((inner, str(seq) if seq is not None else None))
    return out


def parse_cloudfront_realtime(
    unit: bytes | str,
    *,
    source: str,
    received_at: datetime,
    message_id: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    fields: Sequence[str] = REALTIME_FIELDS,
) -> list[Outcome]:
    """Parse CloudFront real-time log lines, bare or inside a Kinesis record envelope.

    Returns one outcome per log line (a Kinesis record may hold several lines); a record whose
    base64 `data` is broken is one dead letter.
    """
    plan = (
        REALTIME_PLAN
        if tuple(fields) == REALTIME_FIELDS
        else FieldPlan.build(fields, "cloudfront_realtime")
    )

    def build(raw: bytes, ctx: UnitContext) -> list[Outcome]:
        if raw.lstrip()[:1] != b"{":
            return _realtime_lines(raw, ctx, plan, ctx.attributes)
        records = _kinesis_records(load_json(decode_text(raw)))
        out: list[Outcome] = []
        for index, (record, seq) in enumerate(records):
            attrs = {**(ctx.attributes or {}), "element_index": index}
            rec_ctx = UnitContext(ctx.source, ctx.received_at, seq or ctx.message_id, attrs)
            data = record.get("data", record.get("Data"))

            def one(data: Any = data, rec_ctx: UnitContext = rec_ctx) -> list[Outcome]:
                payload = decode_base64(data, "data")
                return _realtime_lines(payload, rec_ctx, plan, rec_ctx.attributes)

            record_raw = json.dumps(record, ensure_ascii=False).encode()
            out.extend(rec_ctx.guard(record_raw, CONTRACT, one))
        return out

    return run_guarded(
        unit,
        CONTRACT,
        build,
        source=source,
        received_at=received_at,
        message_id=message_id,
        attributes=attributes,
    )
