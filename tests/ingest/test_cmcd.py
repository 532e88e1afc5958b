"""Tests for streamqoe.ingest.cmcd: the structured-field decoder, encoder and report parsers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamqoe.contracts import contract
from streamqoe.ingest.cmcd import (
    KEY_TYPES,
    CmcdError,
    cmcd_from_headers,
    cmcd_from_query,
    decode_cmcd,
    encode_cmcd,
    parse_cmcd,
    parse_cmcd_body,
    parse_cmcd_headers,
    parse_cmcd_query,
)

from .helpers import RECEIVED_AT, split

# CTA-5004 section 5 example, as a query argument.
SPEC_QUERY = (
    "https://media.example.com/seg.m4s?CMCD=bl%3D21300%2Cbr%3D3200%2Cbs%2Ccid%3D%22faec5fc2-ac30-"
    "11ea-bb37-0242ac130002%22%2Cd%3D4004%2Cdl%3D18500%2Cmtp%3D48100%2Cnor%3D%22..%252F300kbps%252F"
    "track.m4v%22%2Cnrr%3D%2212323-48763%22%2Cot%3Dv%2Cpr%3D1.08%2Crtp%3D12000%2Csf%3Dd%2Csid%3D%22"
    "6e2fb550-c457-11e9-bb97-0800200c9a66%22%2Cst%3Dv%2Csu%2Ctb%3D6000"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("br=3200", {"br": 3200}),
        ("bs", {"bs": True}),
        ("bs=?0", {"bs": False}),
        ("bs=?1,su", {"bs": True, "su": True}),
        ("pr=1.08", {"pr": 1.08}),
        ("pr=2", {"pr": 2.0}),
        ("ot=v,sf=d,st=ll", {"ot": "v", "sf": "d", "st": "ll"}),
        ('sid="a,b"', {"sid": "a,b"}),
        ('sid="q\\"uote\\\\"', {"sid": 'q"uote\\'}),
        ("br=(3200 800)", {"br": 3200, "lists": {"br": [3200, 800]}}),
        ('ec=("E1" "E2")', {"ec": "E1 E2", "lists": {"ec": ["E1", "E2"]}}),
        ("br=()", {"lists": {"br": []}}),
        ("com.example-myNumericKey=500", {"custom": {"com.example-myNumericKey": 500}}),
        ('com.x-s="v",com.x-t=tok', {"custom": {"com.x-s": "v", "com.x-t": "tok"}}),
        ("com.x-l=(1 2.5 ?0)", {"custom": {"com.x-l": [1, 2.5, False]}}),
        ("lab=1", {"custom": {"lab": 1}}),  # reserved by v2 but not a contract column
        ("br=1,br=2", {"br": 2}),  # RFC 8941: the last value wins
        (" br=1 , d=2 ", {"br": 1, "d": 2}),
        ("", {}),
        ("ltc=-500", {"ltc": -500}),
    ],
)
def test_decode_cmcd(text: str, expected: dict) -> None:
    assert decode_cmcd(text) == expected


@pytest.mark.parametrize(
    ("text", "error_class", "fragment"),
    [
        ('br="3200"', "CmcdTypeError", "br: expected integer"),
        ("sid=abc", "CmcdTypeError", "sid: expected string, got token"),
        ("bs=1", "CmcdTypeError", "bs: expected boolean"),
        ('ot="v"', "CmcdTypeError", "ot: expected token"),
        ("br=(3200 x)", "CmcdTypeError", "br: expected integer"),
        ('sid="open', "CmcdSyntaxError", "not closed"),
        ('sid="bad\\n"', "CmcdSyntaxError", "bad escape"),
        ("br=1,,d=2", "CmcdSyntaxError", "empty member"),
        ("br=1,", "CmcdSyntaxError", "empty member"),
        ("br=1.2345", "CmcdSyntaxError", "not a decimal"),
        ("br=1234567890123456", "CmcdSyntaxError", "not an integer"),
        ("br=3200;x=1", "CmcdSyntaxError", "parameters"),
        ("9br=1", "CmcdSyntaxError", "not a CMCD key"),
        ("br=(1 (2))", "CmcdSyntaxError", "nested"),
        ("br=(1 2", "CmcdSyntaxError", "not closed"),
        ("bs=?2", "CmcdSyntaxError", "not a boolean"),
        ('sid="a"x', "CmcdSyntaxError", "expected ','"),
    ],
)
def test_decode_cmcd_rejects(text: str, error_class: str, fragment: str) -> None:
    with pytest.raises(CmcdError) as caught:
        decode_cmcd(text)
    assert caught.value.error_class == error_class
    assert fragment in caught.value.message


def test_key_table_matches_the_contract() -> None:
    columns = set(contract("cmcd").schema["properties"]) - {"lists", "custom"}
    assert set(KEY_TYPES) == columns


def test_query_form_decodes_the_spec_example() -> None:
    cmcd = cmcd_from_query(SPEC_QUERY)
    assert cmcd == {
        "bl": 21300,
        "br": 3200,
        "bs": True,
        "cid": "faec5fc2-ac30-11ea-bb37-0242ac130002",
        "d": 4004,
        "dl": 18500,
        "mtp": 48100,
        "nor": "..%2F300kbps%2Ftrack.m4v",
        "nrr": "12323-48763",
        "ot": "v",
        "pr": 1.08,
        "rtp": 12000,
        "sf": "d",
        "sid": "6e2fb550-c457-11e9-bb97-0800200c9a66",
        "st": "v",
        "su": True,
        "tb": 6000,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a=1&b=2", None),
        ("CMCD=", None),
        ("XCMCD=br%3D1", None),
        ("?CMCD=br%3D1", {"br": 1}),
        ("/v/seg.m4s?x=1&CMCD=br%3D1#frag", {"br": 1}),
        ("CMCD=br%3D1&CMCD2=x", {"br": 1}),
    ],
)
def test_cmcd_from_query(query: str, expected: dict | None) -> None:
    assert cmcd_from_query(query) == expected


def test_headers_are_merged_case_insensitively() -> None:
    headers = {
        "cmcd-object": "br=3200,d=4004,ot=v",
        "CMCD-Request": "bl=21300,su",
        "CMCD-Session": 'sid="s1",v=2',
        "CMCD-Status": "bs",
        "Content-Type": "video/mp4",
    }
    assert cmcd_from_headers(headers) == {
        "br": 3200,
        "d": 4004,
        "ot": "v",
        "bl": 21300,
        "su": True,
        "sid": "s1",
        "v": 2,
        "bs": True,
    }
    assert cmcd_from_headers({"Accept": "*/*"}) is None


def test_parse_cmcd_headers_outcome() -> None:
    records, dead = split(
        parse_cmcd_headers(
            {"CMCD-Session": 'sid="s1"', "CMCD-Object": "br=800"},
            source="http:/cmcd",
            received_at=RECEIVED_AT,
            client_ip="203.0.113.77",
            user_agent="ExoPlayerLib/2.19.1",
        )
    )
    assert dead == []
    assert records[0]["transmission"] == "headers"
    assert records[0]["report_mode"] == "request"
    assert records[0]["client_ip"] == "203.0.113.0"
    assert records[0]["cmcd"] == {"sid": "s1", "br": 800}


@pytest.mark.parametrize(
    ("line", "mode", "transmission"),
    [
        (SPEC_QUERY, "request", "query"),
        ('e=ps,sid="s",sta=p,ts=1717236000000,v=2', "event", "body_text"),
        ('rc=200,sid="s",ttfb=45,url="https://x/y.m4s",v=2', "response", "body_text"),
        ('CMCD-Object: br=3200\tCMCD-Session: sid="s"', "request", "headers"),
        ('{"e": "ps", "sid": "s", "ts": 1}', "event", "body_json"),
    ],
)
def test_parse_cmcd_recognizes_the_form(line: str, mode: str, transmission: str) -> None:
    records, dead = split(parse_cmcd(line, source="t", received_at=RECEIVED_AT))
    assert dead == []
    assert (records[0]["report_mode"], records[0]["transmission"]) == (mode, transmission)


def test_report_timestamp_comes_from_ts() -> None:
    records, _ = split(parse_cmcd("e=t,ts=1717236000000", source="t", received_at=RECEIVED_AT))
    assert records[0]["report_ts_ms"] == 1717236000000
    assert records[0]["received_at"] == "2024-06-01T12:00:00Z"


def test_text_body_dead_letters_lines_alone() -> None:
    body = b'e=ps,sid="a"\nbr="x"\n\nsid="b",e=t\not=zz\n'
    records, dead = split(
        parse_cmcd_body(body, content_type="application/cmcd", source="t", received_at=RECEIVED_AT)
    )
    assert [r["cmcd"]["sid"] for r in records] == ["a", "b"]
    assert [(d.stage, d.error_class) for d in dead] == [
        ("parse", "CmcdTypeError"),
        ("validate", "ContractViolation"),
    ]
    assert dead[0].raw_payload == b'br="x"'
    assert dead[0].letter["attributes"] == {"element_index": 1}
    assert "cmcd/ot" in dead[1].error_message


def test_json_body_reports() -> None:
    body = b'[{"e": "t", "br": [3200, 128], "com.x-y": "z"}, {"br": "3200"}, 5]'
    records, dead = split(
        parse_cmcd_body(body, content_type="application/json", source="t", received_at=RECEIVED_AT)
    )
    assert records[0]["cmcd"] == {
        "e": "t",
        "br": 3200,
        "lists": {"br": [3200, 128]},
        "custom": {"com.x-y": "z"},
    }
    assert [d.error_class for d in dead] == ["CmcdTypeError", "UnexpectedShape"]


@pytest.mark.parametrize(
    ("unit", "stage", "error_class"),
    [
        (b"\xff\xfe", "decode", "UnicodeDecodeError"),
        (b"https://x/seg.m4s?a=1", "parse", "NoCmcdData"),
        (b"   \n  ", "parse", "NoCmcdData"),
        (b"[]", "parse", "EmptyBatch"),
        (b'{"br": 1,}', "decode", "JSONDecodeError"),
        (b"?CMCD=sid%3D%22%FF%22", "parse", "CmcdSyntaxError"),
    ],
)
def test_parse_cmcd_dead_letters(unit: bytes, stage: str, error_class: str) -> None:
    records, dead = split(parse_cmcd(unit, source="t", received_at=RECEIVED_AT))
    assert records == []
    assert [(d.stage, d.error_class) for d in dead] == [(stage, error_class)]
    assert dead[0].raw_payload == unit


def test_parse_cmcd_query_rejects_a_body() -> None:
    _, dead = split(parse_cmcd_query("br=1", source="t", received_at=RECEIVED_AT))
    assert dead[0].error_class == "NoCmcdData"


def test_encode_sorts_keys_and_uses_the_right_syntax() -> None:
    keys = {"sid": 'a"b', "br": 3200, "ot": "v", "bs": True, "su": False, "pr": 1.5, "d": None}
    assert encode_cmcd(keys) == 'br=3200,bs,ot=v,pr=1.5,sid="a\\"b",su=?0'


@pytest.mark.parametrize(
    "keys",
    [
        {"ot": "not a token"},
        {"custom": {"br": 1}},
        {"sid": "line\nbreak"},
        {"br": 10**16},
        {"Bad Key": 1},
    ],
)
def test_encode_refuses_what_cmcd_cannot_carry(keys: dict) -> None:
    with pytest.raises(ValueError):
        encode_cmcd(keys)


_printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20)
_custom_key = st.from_regex(r"\Acom\.[a-z]{1,6}-[a-z0-9]{1,6}\Z")
_integer = st.integers(min_value=0, max_value=10**12)
_decimal = st.integers(min_value=0, max_value=10**9).map(lambda n: n / 1000)
_VALUES = {
    "integer": _integer,
    "decimal": _decimal,
    "boolean": st.booleans(),
    "string": _printable,
    "token": st.sampled_from(["v", "a", "av", "m", "d", "h", "ll", "ps", "t"]),
}


@st.composite
def cmcd_dicts(draw: st.DrawFn) -> dict:
    keys = draw(st.lists(st.sampled_from(sorted(KEY_TYPES)), unique=True, max_size=12))
    out: dict = {}
    lists: dict = {}
    for key in keys:
        values = _VALUES[KEY_TYPES[key]]
        if key != "ec" and draw(st.booleans()) and KEY_TYPES[key] == "integer":
            items = draw(st.lists(values, min_size=1, max_size=3))
            lists[key] = items
            out[key] = items[0]
        else:
            out[key] = draw(values)
    custom = draw(
        st.dictionaries(_custom_key, st.one_of(_integer, _decimal, st.booleans(), _printable))
    )
    if lists:
        out["lists"] = lists
    if custom:
        out["custom"] = custom
    return out


@settings(max_examples=150, deadline=None)
@given(cmcd_dicts())
def test_encode_then_decode_round_trips(keys: dict) -> None:
    assert decode_cmcd(encode_cmcd(keys)) == keys
