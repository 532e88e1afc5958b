"""Tests for streamqoe.contracts.conformance: the compiled contract check agrees with jsonschema."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamqoe.contracts.conformance import check, compiled, explain
from streamqoe.contracts.registry import violations
from streamqoe.ingest.beacon import parse_beacon
from streamqoe.ingest.cloudfront import parse_cloudfront
from streamqoe.ingest.mediaconvert import parse_mediaconvert
from streamqoe.ingest.outcome import Record

from .helpers import RECEIVED_AT, read


def _valid(outcomes) -> dict:
    return next(o.record for o in outcomes if isinstance(o, Record))


VALID = {
    "cdn_request": _valid(parse_cloudfront(read("cloudfront_standard.log"), source="t", received_at=RECEIVED_AT)[1:]),
    "player_event": _valid(parse_beacon(read("beacon_batch.json"), source="t", received_at=RECEIVED_AT)[1:]),
    "transcode_event": _valid(parse_mediaconvert(read("mediaconvert_complete.json"), source="t", received_at=RECEIVED_AT)),
}  # fmt: skip

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=4),
    st.sampled_from(["v", "vod", "hit", "1.0", "2024-06-01T10:00:00Z", "x" * 300, "US", "us"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(
        st.sampled_from(["sid", "br", "zz", "width", "uri"]), st.integers(), max_size=2
    ),
)


@pytest.mark.parametrize(
    "name", ["cdn_request", "cmcd_report", "player_event", "transcode_event", "dead_letter", "cmcd"]
)
def test_every_contract_compiles(name: str) -> None:
    assert compiled(name) is not None


@pytest.mark.parametrize("name", sorted(VALID))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_compiled_check_never_accepts_what_jsonschema_rejects(
    name: str, data: st.DataObject
) -> None:
    record = copy.deepcopy(VALID[name])
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        keys = [*sorted(record), "unexpected", "cmcd", "rendition", "outputs"]
        key = data.draw(st.sampled_from(keys))
        if data.draw(st.booleans()) and key in record:
            del record[key]
        else:
            record[key] = data.draw(_values)
    fast = compiled(name)
    assert fast is not None
    if fast(record):
        assert violations(name, record) == [], json.dumps(record)
    assert (check(name, record) == []) == (violations(name, record) == [])


def test_explain_looks_inside_nullable_refs() -> None:
    record = copy.deepcopy(VALID["cdn_request"])
    record["cmcd"] = {"br": "x", "zz": 1}
    assert explain("cdn_request", record) == [
        "cmcd/br: 'x' is not of type 'integer', 'null'",
        "cmcd: Additional properties are not allowed ('zz' was unexpected)",
    ]


def test_compiled_check_rejects_a_bad_date_time() -> None:
    record = copy.deepcopy(VALID["cdn_request"])
    record["request_at"] = "2024-02-30T00:00:00Z"
    assert not compiled("cdn_request")(record)  # type: ignore[misc]
