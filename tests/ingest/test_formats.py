"""Tests for streamqoe.ingest.formats: detection, accounting per format, and fuzzing every parser."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamqoe.ingest.cmcd import parse_cmcd_body, parse_cmcd_headers, parse_cmcd_query
from streamqoe.ingest.formats import FORMATS, detect_format, format_names, get_format
from streamqoe.ingest.outcome import PARSER_BUG, DeadLetter
from streamqoe.ingest.read import parse_file, read_head

from .helpers import FIXTURES, RECEIVED_AT, split

# fixture -> (format, records, dead letters): every input unit (log line, event, report) is one
# or the other; these counts were checked by hand against the fixture files.
ACCOUNTING = {
    "E2EXAMPLE123.2019-12-04-21.a1b2c3d4.gz": ("cloudfront", 5, 2),
    "cloudfront_standard.log": ("cloudfront", 5, 2),
    "cloudfront_realtime.tsv": ("cloudfront-realtime", 3, 1),
    "cloudfront_realtime_kinesis.json": ("cloudfront-realtime", 2, 1),
    "beacon_batch.json": ("beacon", 3, 2),
    "beacon_single.json": ("beacon", 1, 0),
    "cmcd_lines.txt": ("cmcd", 6, 3),
    "cmcd_body.json": ("cmcd", 2, 1),
    "mediacdn_entry.json": ("mediacdn", 1, 0),
    "mediacdn_entries.jsonl": ("mediacdn", 1, 2),
    "akamai_ds2.jsonl": ("akamai-ds2", 3, 3),
    "mediaconvert_complete.json": ("mediaconvert", 1, 0),
    "mediaconvert_events.jsonl": ("mediaconvert", 7, 1),
    "mediaconvert_commented.json": ("mediaconvert", 0, 1),
    "medialive_events.jsonl": ("medialive", 5, 1),
    "transcoder_push.jsonl": ("transcoder", 2, 2),
}


def test_every_fixture_is_accounted_for() -> None:
    assert sorted(ACCOUNTING) == sorted(p.name for p in FIXTURES.iterdir() if p.is_file())


@pytest.mark.parametrize(("name", "expected"), sorted(ACCOUNTING.items()))
def test_detection(name: str, expected: tuple[str, int, int]) -> None:
    assert detect_format(read_head(str(FIXTURES / name))) == expected[0]


@pytest.mark.parametrize(("name", "expected"), sorted(ACCOUNTING.items()))
def test_accounting(name: str, expected: tuple[str, int, int]) -> None:
    fmt, n_records, n_dead = expected
    records, dead = split(list(parse_file(str(FIXTURES / name), fmt, received_at=RECEIVED_AT)))
    assert (len(records), len(dead)) == (n_records, n_dead)
    assert all(d.error_class != PARSER_BUG for d in dead)
    contract = get_format(fmt).contract
    assert all(d.letter["contract"] == f"{contract}.v1" for d in dead)
    assert all(d.letter["received_at"] == "2024-06-01T12:00:00Z" for d in dead)
    assert all(d.letter["source"].startswith(f"file:{FIXTURES / name}:") for d in dead)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'br=3200,bs,sid="x"\n', "cmcd"),
        (b"", None),
        (b"hello world\n", None),
        (b'{"unrelated": {"deeply": "nested object"}}', None),
    ],
)
def test_detection_edge_cases(head: bytes, expected: str | None) -> None:
    assert detect_format(head) == expected


def test_registry_names() -> None:
    assert format_names() == [
        "beacon", "cmcd", "cloudfront", "cloudfront-realtime", "mediacdn", "akamai-ds2",
        "mediaconvert", "medialive", "transcoder",
    ]  # fmt: skip
    with pytest.raises(KeyError, match="known: beacon"):
        get_format("csv")


# --- every parser, arbitrary input ------------------------------------------------------------

PARSERS = {name: fmt.parse for name, fmt in FORMATS.items()}
PARSERS["cmcd-query"] = parse_cmcd_query
PARSERS["cmcd-body-text"] = lambda unit, **kw: parse_cmcd_body(
    unit, content_type="application/cmcd", **kw
)
PARSERS["cmcd-body-json"] = lambda unit, **kw: parse_cmcd_body(
    unit, content_type="application/json", **kw
)

_payloads = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200),
    st.lists(st.sampled_from(['{', '}', '[', ']', '"', ',', ':', '1', 'null', '"data"', '"job"',
        '"httpRequest"', '"Records"', '"detail"', "\t", "\n", "#Fields: date time", "CMCD=",
        "%22", "br=", "(", ")", "-", "2019-12-04", "000", "=", "?0", "\\"]), max_size=40).map("".join),
)  # fmt: skip


def _expected_minimum(name: str) -> int:
    # a CloudFront standard-log unit holding only headers or blank lines has no data line
    return 0 if name == "cloudfront" else 1


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=_payloads)
def test_parsers_never_raise_and_account_for_input(name: str, payload: bytes | str) -> None:
    outcomes = PARSERS[name](payload, source="fuzz", received_at=RECEIVED_AT, message_id="m")
    assert len(outcomes) >= _expected_minimum(name)
    records, dead = split(outcomes)
    assert len(records) + len(dead) == len(outcomes)
    for letter in dead:
        assert letter.error_class != PARSER_BUG, letter.error_message
        assert letter.stage in ("decode", "parse", "validate")
    if name == "cloudfront":
        raw = payload if isinstance(payload, bytes) else payload.encode("utf-8", "backslashreplace")
        assert len(outcomes) == sum(_is_data_line(line) for line in raw.split(b"\n"))


def _is_data_line(line: bytes) -> bool:
    try:
        text = line.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        return True
    return bool(text.strip()) and not text.startswith("#")


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.text(max_size=40), max_size=5))
def test_header_parser_never_raises(headers: dict[str, str]) -> None:
    outcomes = parse_cmcd_headers(headers, source="fuzz", received_at=RECEIVED_AT)
    assert len(outcomes) == 1
    split(outcomes)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_odd_arguments_still_leave_a_dead_letter(name: str) -> None:
    outcomes = PARSERS[name](12345, source="t", received_at=RECEIVED_AT)  # type: ignore[arg-type]
    assert [o.error_class for o in outcomes if isinstance(o, DeadLetter)] == ["UnsupportedUnitType"]
    naive = PARSERS[name]("x", source="t", received_at=datetime(2024, 6, 1, 12, 0))
    assert all(
        o.letter["received_at"] == "2024-06-01T12:00:00Z"
        for o in naive
        if isinstance(o, DeadLetter)
    )
