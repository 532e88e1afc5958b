"""Parse Google Media CDN request logs (Cloud Logging LogEntry JSON) into cdn_request records.

Source: Google Cloud, "Media CDN: Request logging overview" and the Cloud Logging `LogEntry` /
`HttpRequest` reference. One unit is one LogEntry as exported to Cloud Storage, BigQuery or Pub/Sub
(JSON): `httpRequest` (requestMethod, requestUrl, status, requestSize and responseSize as int64
strings, userAgent, remoteIp, referer, protocol, latency as a Duration string such as "0.412s",
cacheLookup, cacheHit, cacheValidatedWithOriginServer) plus `jsonPayload` (cacheId and cacheStatus,
comma-separated chains where the rightmost cache is the one closest to the user, clientAsn,
clientRegionCode, cacheMode, proxyStatus, tlsVersion). An array of entries (a `gcloud logging read
--format=json` dump) yields one outcome per entry.

Mapping: request_id = insertId; request_at = timestamp (falls back to receiveTimestamp); pop =
rightmost cacheId; cache_detail = rightmost cacheStatus; cache_result from cacheHit /
cacheValidatedWithOriginServer / cacheLookup (else from cacheStatus); distribution = the
EdgeCacheService name from resource.labels; CMCD from the URL's `CMCD=` argument or a
`jsonPayload.cmcd` object/string.

Left out: cache-fill entries from EdgeCacheOrigin (they describe origin fetches, not viewer
requests: dead-lettered as `NotAViewerRequest`), backend latencies, TLS details.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from streamqoe.ingest import fields as f
from streamqoe.ingest.cmcd import cmcd_from_query, decode_cmcd, decode_cmcd_json
from streamqoe.ingest.outcome import IngestError, Outcome, UnitContext, unit_parser
from streamqoe.ingest.payload import kind, load_json_bytes
from streamqoe.ingest.privacy import truncate_ip
from streamqoe.ingest.times import duration_ms, from_rfc3339

logger = logging.getLogger(__name__)

CONTRACT = "cdn_request"
SCHEMA_VERSION = "1.0"
ORIGIN_RESOURCE_TYPES = frozenset(
    {"edge_cache_origin", "networkservices.googleapis.com/EdgeCacheOrigin"}
)
SERVICE_LABELS = ("edge_cache_service", "service_name", "resource_name", "name")
CACHE_STATUS_RESULTS = {"hit": "hit", "miss": "miss", "fetch": "miss", "revalidated": "refresh"}


def _rightmost(chain: str | None) -> str | None:
    if not chain:
        return None
    last = chain.split(",")[-1].strip()
    return last or None


def _cache_result(http: Mapping[str, Any], status_chain: str | None, status: int) -> str | None:
    hit = f.boolean(http, "cacheHit", "httpRequest.cacheHit")
    validated = f.boolean(
        http, "cacheValidatedWithOriginServer", "httpRequest.cacheValidatedWithOriginServer"
    )
    lookup = f.boolean(http, "cacheLookup", "httpRequest.cacheLookup")
    if hit:
        return "refresh" if validated else "hit"
    if lookup:
        return "error" if status >= 500 else "miss"
    last = _rightmost(status_chain)
    if last is not None:
        return CACHE_STATUS_RESULTS.get(last.lower(), "other")
    return None


def _cmcd(payload: Mapping[str, Any], query: str | None) -> dict[str, Any] | None:
    value = payload.get("cmcd")
    if isinstance(value, dict):
        return decode_cmcd_json(value) or None
    if isinstance(value, str) and value:
        return decode_cmcd(unquote(value) if "%" in value else value) or None
    if value is not None and not isinstance(value, str):
        raise IngestError("FieldType", f"jsonPayload.cmcd is a {kind(value)}")
    return cmcd_from_query(query) if query else None


def _entry_record(entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise IngestError("UnexpectedShape", f"log entry is a {kind(entry)}, not an object")
    http = f.obj(entry, "httpRequest")
    if not http:
        raise IngestError("MissingField", "httpRequest is missing: not a Media CDN request log")
    resource = f.obj(entry, "resource")
    if resource.get("type") in ORIGIN_RESOURCE_TYPES:
        raise IngestError("NotAViewerRequest", "cache-fill entry from an EdgeCacheOrigin")
    payload = f.obj(entry, "jsonPayload")
    labels = f.obj(resource, "labels", "resource.labels")

    stamp = entry.get("timestamp") or entry.get("receiveTimestamp")
    if stamp is None:
        raise IngestError("MissingField", "timestamp and receiveTimestamp are missing")
    request_at = from_rfc3339(stamp, "timestamp")

    method = f.text(http, "requestMethod", "httpRequest.requestMethod")
    url = f.text(http, "requestUrl", "httpRequest.requestUrl")
    status = f.integer(http, "status", "httpRequest.status")
    if method is None or url is None or status is None:
        raise IngestError("MissingField", "httpRequest needs requestMethod, requestUrl and status")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise IngestError("InvalidUrl", f"httpRequest.requestUrl: {exc}") from None
    query = parts.query or None

    cache_ids = f.text(payload, "cacheId", "jsonPayload.cacheId")
    cache_status = f.text(payload, "cacheStatus", "jsonPayload.cacheStatus")
    service = next((labels[k] for k in SERVICE_LABELS if isinstance(labels.get(k), str)), None)
    asn = payload.get("clientAsn")
    return {
        "schema_version": SCHEMA_VERSION,
        "cdn": "mediacdn",
        "log_format": "mediacdn_logentry",
        "request_id": f.text(entry, "insertId"),
        "request_at": request_at,
        "distribution": service,
        "pop": _rightmost(cache_ids),
        "client_ip": truncate_ip(f.text(http, "remoteIp", "httpRequest.remoteIp")),
        "client_country": f.country(
            f.text(payload, "clientRegionCode", "jsonPayload.clientRegionCode")
        ),
        "client_asn": f.integer({"a": asn}, "a", "jsonPayload.clientAsn"),
        "method": method,
        "protocol": parts.scheme or None,
        "http_version": f.text(http, "protocol", "httpRequest.protocol"),
        "host": parts.hostname,
        "path": unquote(parts.path) if parts.path else "/",
        "query": query,
        "status": status,
        "bytes_sent": f.integer(http, "responseSize", "httpRequest.responseSize"),
        "bytes_received": f.integer(http, "requestSize", "httpRequest.requestSize"),
        "time_taken_ms": duration_ms(http.get("latency"), "httpRequest.latency"),
        "ttfb_ms": None,
        "cache_result": _cache_result(http, cache_status, status),
        "cache_detail": _rightmost(cache_status),
        "user_agent": f.text(http, "userAgent", "httpRequest.userAgent"),
        "referer": f.text(http, "referer", "httpRequest.referer"),
        "content_type": None,
        "range_header": None,
        "range_start": None,
        "range_end": None,
        "cmcd": _cmcd(payload, query),
    }


def _build(raw: bytes, ctx: UnitContext) -> list[Outcome]:
    doc = load_json_bytes(raw)
    if isinstance(doc, list):
        return ctx.each(doc, CONTRACT, _entry_record)
    return [ctx.finish(CONTRACT, _entry_record(doc), raw)]


parse_mediacdn = unit_parser(
    "parse_mediacdn",
    CONTRACT,
    _build,
    "Parse one Media CDN LogEntry (or an array of them) into one outcome per entry.",
    __name__,
)
