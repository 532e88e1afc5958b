"""Tests for streamqoe.ingest.mediacdn: Cloud Logging LogEntry JSON for Media CDN requests."""

from __future__ import annotations

import json

import pytest

from streamqoe.ingest.mediacdn import parse_mediacdn

from .helpers import RECEIVED_AT, read, split

ENTRY = json.loads(read("mediacdn_entry.json"))


def _with(**changes: object) -> dict:
    entry = json.loads(json.dumps(ENTRY))
    for path, value in changes.items():
        node = entry
        *parents, leaf = path.split("__")
        for key in parents:
            node = node[key]
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return entry


def test_documented_entry() -> None:
    records, dead = split(
        parse_mediacdn(read("mediacdn_entry.json"), source="t", received_at=RECEIVED_AT)
    )
    assert dead == []
    (record,) = records
    assert record == {
        "schema_version": "1.0",
        "cdn": "mediacdn",
        "log_format": "mediacdn_logentry",
        "request_id": "1ryfnzqf1a2b3c",
        "request_at": "2024-06-01T10:00:00.123456Z",
        "distribution": "vod-service",
        "pop": "sin-456789",
        "client_ip": "2001:db8:85a3::",
        "client_country": "US",
        "client_asn": 15169,
        "method": "GET",
        "protocol": "https",
        "http_version": "HTTP/2",
        "host": "media.example.com",
        "path": "/vod/movie/seg_00012.m4s",
        "query": "CMCD=br%3D3200%2Cot%3Dv%2Csid%3D%226e2fb550%22",
        "status": 200,
        "bytes_sent": 1048987,
        "bytes_received": 412,
        "time_taken_ms": 412.0,
        "ttfb_ms": None,
        "cache_result": "miss",
        "cache_detail": "miss",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
        "referer": "https://player.example.com/",
        "content_type": None,
        "range_header": None,
        "range_start": None,
        "range_end": None,
        "cmcd": {"br": 3200, "ot": "v", "sid": "6e2fb550"},
    }


@pytest.mark.parametrize(
    ("changes", "column", "expected"),
    [
        ({"httpRequest__cacheHit": True}, "cache_result", "hit"),
        (
            {"httpRequest__cacheHit": True, "httpRequest__cacheValidatedWithOriginServer": True},
            "cache_result",
            "refresh",
        ),
        ({"httpRequest__cacheLookup": None}, "cache_result", "miss"),  # from the cacheStatus chain
        ({"httpRequest__status": 502}, "cache_result", "error"),
        ({"jsonPayload__cmcd": {"sid": "x", "br": 800}}, "cmcd", {"sid": "x", "br": 800}),
        ({"jsonPayload__cmcd": "sid=%22y%22"}, "cmcd", {"sid": "y"}),
        ({"timestamp": None}, "request_at", "2024-06-01T10:00:01.500Z"),
        ({"jsonPayload__clientRegionCode": "unknown"}, "client_country", None),
        ({"httpRequest__responseSize": 77}, "bytes_sent", 77),
    ],
)
def test_mapping_variants(changes: dict, column: str, expected: object) -> None:
    records, dead = split(
        parse_mediacdn(json.dumps(_with(**changes)), source="t", received_at=RECEIVED_AT)
    )
    assert dead == []
    assert records[0][column] == expected


@pytest.mark.parametrize(
    ("changes", "error_class"),
    [
        ({"httpRequest": None}, "MissingField"),
        ({"httpRequest__latency": "412ms"}, "InvalidDuration"),
        ({"httpRequest__responseSize": "many"}, "FieldType"),
        ({"timestamp": "yesterday"}, "InvalidTimestamp"),
        ({"resource__type": "edge_cache_origin"}, "NotAViewerRequest"),
        ({"jsonPayload__cmcd": 5}, "FieldType"),
    ],
)
def test_bad_entries(changes: dict, error_class: str) -> None:
    records, dead = split(
        parse_mediacdn(json.dumps(_with(**changes)), source="t", received_at=RECEIVED_AT)
    )
    assert records == []
    assert [d.error_class for d in dead] == [error_class]


def test_array_of_entries_counts_each() -> None:
    batch = [ENTRY, {"insertId": "x"}, ENTRY]
    records, dead = split(parse_mediacdn(json.dumps(batch), source="t", received_at=RECEIVED_AT))
    assert (len(records), [d.letter["attributes"] for d in dead]) == (2, [{"element_index": 1}])
