"""Parse Akamai DataStream 2 JSON log lines into cdn_request records.

Source: Akamai TechDocs, "DataStream 2: Log format" and "Data set parameters". One unit is one JSON
object per line; every value is a string (numbers too), fields logged as `-` or null are omitted,
and text fields with spaces or non-ASCII bytes are URL-encoded (RFC 1738; the user agent uses `+` for
spaces). Keys used: reqId, reqTimeSec (epoch seconds, may carry a fraction), cp, cliIP, country,
asn, reqMethod, proto, reqHost, reqPath, queryStr, statusCode, totalBytes (else bytes), UA, referer,
rspContentType, range, cacheStatus ("1" served from edge cache), timeToFirstByte (else
turnAroundTimeMSec), turnAroundTimeMSec + transferTimeMSec, and cmcd (the CMCD data the request
carried; otherwise a `CMCD=` argument in queryStr).

Mapping notes: distribution = CP code; pop is null (DataStream 2 logs the edge IP, not a region);
range_header keeps the logged value and range_start/end are read from `start-end`.

Left out: cookies, X-Forwarded-For, breadcrumbs, security and EdgeWorkers fields, and the structured
(space-delimited) DataStream format.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, unquote_plus

from streamqoe.ingest import fields as f
from streamqoe.ingest.cmcd import cmcd_from_query, decode_cmcd
from streamqoe.ingest.outcome import IngestError, Outcome, UnitContext, unit_parser
from streamqoe.ingest.payload import load_json_bytes, require_object
from streamqoe.ingest.privacy import truncate_ip
from streamqoe.ingest.times import from_epoch_seconds

logger = logging.getLogger(__name__)

CONTRACT = "cdn_request"
SCHEMA_VERSION = "1.0"
_RANGE = re.compile(r"^(?:bytes=)?(\d+)-(\d*)$", re.ASCII)


def _range(value: str | None) -> tuple[int | None, int | None]:
    match = _RANGE.match(value) if value else None
    if match is None:
        return None, None
    start, end = match.groups()
    return int(start), (int(end) if end else None)


def _cache_result(line: Mapping[str, Any]) -> str | None:
    status = f.text(line, "cacheStatus")
    if status is None:
        return None
    if status == "1":
        return "hit"
    if status == "0":
        return "miss"
    return "other"


def _sum_ms(*values: float | None) -> float | None:
    if any(v is None for v in values):
        return None
    return round(sum(v for v in values if v is not None), 3)


def _record(line: dict[str, Any]) -> dict[str, Any]:
    stamp = line.get("reqTimeSec")
    if stamp is None:
        raise IngestError("MissingField", "reqTimeSec is missing")
    method = f.text(line, "reqMethod")
    path = f.text(line, "reqPath")
    status = f.integer(line, "statusCode")
    if method is None or path is None or status is None:
        raise IngestError("MissingField", "a request needs reqMethod, reqPath and statusCode")
    query = f.text(line, "queryStr")
    cmcd_text = f.text(line, "cmcd")
    if cmcd_text is not None:
        cmcd = decode_cmcd(unquote(cmcd_text) if "%" in cmcd_text else cmcd_text) or None
    else:
        cmcd = cmcd_from_query(query) if query else None
    ua = f.text(line, "UA")
    referer = f.text(line, "referer")
    proto = f.text(line, "proto")
    range_value = f.text(line, "range")
    range_start, range_end = _range(range_value)
    ttfb = f.number(line, "timeToFirstByte")
    turnaround = f.number(line, "turnAroundTimeMSec")
    transfer = f.number(line, "transferTimeMSec")
    bytes_sent = f.integer(line, "totalBytes")
    return {
        "schema_version": SCHEMA_VERSION,
        "cdn": "akamai",
        "log_format": "akamai_ds2",
        "request_id": f.text(line, "reqId"),
        "request_at": from_epoch_seconds(
            stamp if isinstance(stamp, str) else str(stamp), "reqTimeSec"
        ),
        "distribution": f.text(line, "cp"),
        "pop": None,
        "client_ip": truncate_ip(f.text(line, "cliIP")),
        "client_country": f.country(f.text(line, "country")),
        "client_asn": f.integer(line, "asn"),
        "method": method,
        "protocol": proto.lower() if proto else None,
        "http_version": None,
        "host": f.text(line, "reqHost"),
        "path": unquote(path) if "%" in path else path,
        "query": query,
        "status": status,
        "bytes_sent": bytes_sent if bytes_sent is not None else f.integer(line, "bytes"),
        "bytes_received": None,
        "time_taken_ms": _sum_ms(turnaround, transfer),
        "ttfb_ms": ttfb if ttfb is not None else turnaround,
        "cache_result": _cache_result(line),
        "cache_detail": f.text(line, "cacheStatus"),
        "user_agent": unquote_plus(ua) if ua else None,
        "referer": unquote(referer) if referer else None,
        "content_type": f.text(line, "rspContentType"),
        "range_header": range_value,
        "range_start": range_start,
        "range_end": range_end,
        "cmcd": cmcd,
    }


def _build(raw: bytes, ctx: UnitContext) -> list[Outcome]:
    line = require_object(load_json_bytes(raw), "DataStream 2 line")
    return [ctx.finish(CONTRACT, _record(line), raw)]


parse_akamai_ds2 = unit_parser(
    "parse_akamai_ds2",
    CONTRACT,
    _build,
    "Parse one DataStream 2 JSON line into one outcome.",
    __name__,
)
