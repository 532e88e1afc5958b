"""Tests for streamqoe.ingest.akamai: DataStream 2 JSON lines."""

from __future__ import annotations

import pytest

from streamqoe.ingest.akamai import parse_akamai_ds2

from .helpers import RECEIVED_AT, read, split

LINES = read("akamai_ds2.jsonl").splitlines()


def test_documented_sample_line() -> None:
    records, dead = split(parse_akamai_ds2(LINES[0], source="t", received_at=RECEIVED_AT))
    assert dead == []
    record = records[0]
    assert {k: record[k] for k in (
        "request_id", "request_at", "distribution", "client_ip", "client_country", "client_asn",
        "protocol", "status", "bytes_sent", "time_taken_ms", "ttfb_ms", "cache_result",
        "user_agent", "referer", "range_header", "range_start", "range_end", "query", "cmcd",
    )} == {
        "request_id": "1239f220",
        "request_at": "2019-11-15T17:46:40Z",
        "distribution": "123456",
        "client_ip": "128.147.28.0",
        "client_country": "US",
        "client_asn": 12222,
        "protocol": "https",
        "status": 206,
        "bytes_sent": 5200,
        "time_taken_ms": 136.0,
        "ttfb_ms": 11.0,
        "cache_result": "hit",
        "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_3)",
        "referer": "https://test.referrer.net/en-US/docs/Web/test",
        "range_header": "37334-42356",
        "range_start": 37334,
        "range_end": 42356,
        "query": "param=value",
        "cmcd": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("index", "column", "expected"),
    [
        (1, "request_at", "2019-11-15T17:46:41.250Z"),
        (1, "client_ip", "2a02:8108:1940::"),
        (1, "cmcd", {"br": 3200, "sid": "v-1"}),
        (1, "cache_result", "miss"),
        (1, "ttfb_ms", 38.0),
        (1, "bytes_sent", 1048576),
        (2, "cmcd", {"br": 3200, "ot": "v", "sid": "v-2"}),
        (2, "time_taken_ms", None),
    ],
)
def test_fixture_lines(index: int, column: str, expected: object) -> None:
    records, dead = split(parse_akamai_ds2(LINES[index], source="t", received_at=RECEIVED_AT))
    assert dead == []
    assert records[0][column] == expected


@pytest.mark.parametrize(
    ("index", "stage", "error_class"),
    [(3, "parse", "InvalidTimestamp"), (4, "parse", "FieldType"), (5, "decode", "JSONDecodeError")],
)
def test_bad_lines(index: int, stage: str, error_class: str) -> None:
    records, dead = split(parse_akamai_ds2(LINES[index], source="t", received_at=RECEIVED_AT))
    assert records == []
    assert [(d.stage, d.error_class) for d in dead] == [(stage, error_class)]


def test_array_is_not_a_line() -> None:
    _, dead = split(parse_akamai_ds2(b"[]", source="t", received_at=RECEIVED_AT))
    assert dead[0].error_class == "UnexpectedShape"
