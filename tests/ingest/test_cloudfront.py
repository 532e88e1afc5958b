"""Tests for streamqoe.ingest.cloudfront: standard logs (headers, gzip) and real-time logs."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from streamqoe.ingest.cloudfront import (
    REALTIME_FIELDS,
    STANDARD_FIELDS,
    parse_cloudfront,
    parse_cloudfront_log,
    parse_cloudfront_realtime,
)

from .helpers import RECEIVED_AT, read, split

GZ = "E2EXAMPLE123.2019-12-04-21.a1b2c3d4.gz"


def _standard_line(**overrides: str) -> str:
    values = dict.fromkeys(STANDARD_FIELDS, "-")
    values.update(
        {
            "date": "2019-12-04",
            "time": "21:02:31",
            "x-edge-location": "LAX1",
            "sc-bytes": "392",
            "c-ip": "192.0.2.100",
            "cs-method": "GET",
            "cs(Host)": "d111111abcdef8.cloudfront.net",
            "cs-uri-stem": "/index.html",
            "sc-status": "200",
            "x-edge-result-type": "Hit",
            "x-edge-request-id": "req==",
            "cs-protocol": "https",
            "cs-bytes": "23",
            "time-taken": "0.001",
        }
    )
    values.update(overrides)
    return "\t".join(values[f] for f in STANDARD_FIELDS)


def _one(line: str) -> dict:
    records, dead = split(parse_cloudfront(line, source="t", received_at=RECEIVED_AT))
    assert dead == [], [d.letter for d in dead]
    return records[0]


@pytest.mark.parametrize(
    ("overrides", "column", "expected"),
    [
        ({"c-ip": "2001:db8:85a3:8d3:1319:8a2e:370:7348"}, "client_ip", "2001:db8:85a3::"),
        ({"c-ip": "192.0.2.100"}, "client_ip", "192.0.2.0"),
        ({"c-ip": "-"}, "client_ip", None),
        ({"sc-status": "000"}, "status", 0),
        ({"sc-status": "206"}, "status", 206),
        ({"time-taken": "0.412"}, "time_taken_ms", 412.0),
        ({"time-to-first-byte": "0.105"}, "ttfb_ms", 105.0),
        ({"time-to-first-byte": "-"}, "ttfb_ms", None),
        ({"cs(User-Agent)": "Mozilla/5.0%20(X11)"}, "user_agent", "Mozilla/5.0 (X11)"),
        ({"cs(User-Agent)": "Mozilla/5.0%2520(X11)"}, "user_agent", "Mozilla/5.0 (X11)"),
        ({"cs(User-Agent)": "-"}, "user_agent", None),
        ({"cs-uri-stem": "/a%20b.m3u8"}, "path", "/a b.m3u8"),
        ({"cs-uri-query": "-"}, "query", None),
        ({"sc-range-start": "0", "sc-range-end": "1048575"}, "range_end", 1048575),
        ({"x-edge-detailed-result-type": "OriginShieldHit"}, "cache_result", "hit"),
        ({"x-edge-result-type": "RefreshHit"}, "cache_result", "refresh"),
        ({"x-edge-result-type": "Miss"}, "cache_result", "miss"),
        ({"x-edge-result-type": "LimitExceeded"}, "cache_result", "other"),
        ({"x-edge-result-type": "Error"}, "cache_detail", "Error"),
        ({"x-host-header": "media.example.com"}, "host", "media.example.com"),
        ({}, "host", "d111111abcdef8.cloudfront.net"),
        ({}, "request_at", "2019-12-04T21:02:31Z"),
        ({"cs-uri-query": "CMCD=br%3D3200%2Csid%3D%22v1%22"}, "cmcd", {"br": 3200, "sid": "v1"}),
        ({"cs-uri-query": "a=1"}, "cmcd", None),
    ],
)
def test_standard_line_mapping(overrides: dict, column: str, expected: object) -> None:
    assert _one(_standard_line(**overrides))[column] == expected


@pytest.mark.parametrize(
    ("line", "stage", "error_class", "fragment"),
    [
        (_standard_line()[:60], "parse", "CloudFrontFieldCount", "expected 33"),
        (_standard_line() + "\textra", "parse", "CloudFrontFieldCount", "got 34"),
        (_standard_line(**{"sc-bytes": "12a"}), "parse", "CloudFrontFieldValue", "sc-bytes"),
        (_standard_line(**{"sc-status": "-"}), "parse", "CloudFrontFieldMissing", "sc-status"),
        (_standard_line(**{"time-taken": "nan"}), "parse", "CloudFrontFieldValue", "time-taken"),
        (_standard_line(date="2019-13-45"), "parse", "InvalidTimestamp", "date/time"),
        (_standard_line(**{"sc-status": "1000"}), "validate", "ContractViolation", "status"),
        (
            _standard_line(**{"cs-uri-query": "CMCD=br%3D%22x%22"}),
            "parse",
            "CmcdTypeError",
            "br: expected integer",
        ),
    ],
)
def test_standard_line_dead_letters(line: str, stage: str, error_class: str, fragment: str) -> None:
    records, dead = split(parse_cloudfront(line, source="file:x:3", received_at=RECEIVED_AT))
    assert records == []
    assert [(d.stage, d.error_class) for d in dead] == [(stage, error_class)]
    assert fragment in dead[0].error_message
    assert dead[0].raw_payload == line.encode()
    assert dead[0].letter["source"] == "file:x:3"


def test_headers_produce_no_outcome() -> None:
    assert parse_cloudfront("#Version: 1.0", source="t", received_at=RECEIVED_AT) == []
    assert parse_cloudfront("", source="t", received_at=RECEIVED_AT) == []


def test_fixture_log_follows_a_new_fields_header() -> None:
    units = [(f"u{i}", line) for i, line in enumerate(read("cloudfront_standard.log").split(b"\n"))]
    records, dead = split(list(parse_cloudfront_log(units, received_at=RECEIVED_AT)))
    assert [r["status"] for r in records] == [200, 206, 0, 200, 304]
    assert [d.error_class for d in dead] == ["CloudFrontFieldCount", "CloudFrontFieldValue"]
    # the line after the second #Fields header has 15 fields and is mapped by them
    assert records[4]["method"] == "HEAD"
    assert records[4]["cache_result"] == "refresh"
    assert records[4]["bytes_received"] is None
    assert records[1]["cmcd"]["sid"] == "6e2fb550-c457-11e9-bb97-0800200c9a66"


def test_whole_file_as_one_unit_equals_line_by_line() -> None:
    text = gzip.decompress(read(GZ))
    whole = split(parse_cloudfront(text, source="t", received_at=RECEIVED_AT))[0]
    units = [(f"u{i}", line) for i, line in enumerate(text.split(b"\n"))]
    lines = split(list(parse_cloudfront_log(units, received_at=RECEIVED_AT)))[0]
    assert whole == lines
    assert len(whole) == 5


def test_distribution_id_wins_over_the_domain() -> None:
    units = [("u1", _standard_line().encode())]
    records, _ = split(
        list(parse_cloudfront_log(units, received_at=RECEIVED_AT, distribution="E2EXAMPLE123"))
    )
    assert records[0]["distribution"] == "E2EXAMPLE123"


def test_non_utf8_line_is_a_decode_dead_letter() -> None:
    _, dead = split(parse_cloudfront(b"2019-12-04\t\xff", source="t", received_at=RECEIVED_AT))
    assert (dead[0].stage, dead[0].error_class) == ("decode", "UnicodeDecodeError")


# --- real-time logs ---------------------------------------------------------------------------


def test_realtime_fixture_lines() -> None:
    outcomes = []
    for number, line in enumerate(read("cloudfront_realtime.tsv").splitlines(), start=1):
        outcomes += parse_cloudfront_realtime(line, source=f"l{number}", received_at=RECEIVED_AT)
    records, dead = split(outcomes)
    assert [r["request_at"] for r in records] == [
        "2020-08-24T21:36:56.873Z",
        "2020-08-24T21:36:57.001Z",
        "2020-08-24T21:36:57.250Z",
    ]
    first, second, third = records
    assert first["log_format"] == "cloudfront_realtime"
    assert first["distribution"] == "E2EXAMPLE123"
    assert (first["client_country"], first["client_asn"]) == ("DE", 3320)
    assert first["cmcd"] == {"br": 3200, "ot": "v", "sid": "abc"}
    assert second["client_ip"] == "2a02:8108:1940::"
    assert (second["range_start"], second["range_end"]) == (0, 1048575)
    assert (third["status"], third["client_country"], third["client_asn"]) == (0, None, None)
    assert [d.error_class for d in dead] == ["CloudFrontFieldCount"]


def test_realtime_kinesis_lambda_event() -> None:
    records, dead = split(
        parse_cloudfront_realtime(
            read("cloudfront_realtime_kinesis.json"), source="t", received_at=RECEIVED_AT
        )
    )
    assert len(records) == 2
    assert [(d.stage, d.error_class) for d in dead] == [("decode", "Base64DecodeError")]
    assert dead[0].letter["message_id"] == "3"
    assert dead[0].letter["attributes"] == {"element_index": 2}


def test_realtime_configured_fields_and_cmcd_columns() -> None:
    fields = ("timestamp", "c-ip", "sc-status", "cs-method", "cs-uri-stem", "cmcd-session-id",
              "cmcd-encoded-bitrate", "cmcd-buffer-starvation", "cmcd-playback-rate")  # fmt: skip
    line = "1598305016.873\t192.0.2.1\t200\tGET\t/s.m4s\tview-1\t3200\ttrue\t1.5"
    data = base64.b64encode((line + "\n" + line + "\n").encode()).decode()
    unit = json.dumps({"Data": data, "SequenceNumber": "42", "PartitionKey": "p"})
    records, dead = split(
        parse_cloudfront_realtime(unit, source="t", received_at=RECEIVED_AT, fields=fields)
    )
    assert dead == []
    assert len(records) == 2
    assert records[0]["cmcd"] == {"sid": "view-1", "br": 3200, "bs": True, "pr": 1.5}


def test_realtime_default_field_count() -> None:
    assert len(REALTIME_FIELDS) == 45
    assert len(STANDARD_FIELDS) == 33
