"""Contracts accept the records the platform produces and reject what breaks them."""

from __future__ import annotations

import pytest

from streamqoe import samples
from streamqoe.contracts import ContractViolation, validate
from streamqoe.contracts.registry import INT64_MAX, bound_integers, contract, violations


@pytest.mark.parametrize(
    ("name", "records"),
    [
        ("player_event", samples.player_events()),
        ("cdn_request", samples.cdn_requests()),
        ("transcode_event", samples.transcode_events()),
    ],
)
def test_samples_satisfy_their_contracts(name, records) -> None:
    for record in records:
        assert violations(name, record) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"event_type": "teleport"}, "event_type: 'teleport' is not one of"),
        ({"client_ts_ms": -5}, "client_ts_ms: -5 is less than the minimum"),
        ({"surprise": 1}, "(record): Additional properties are not allowed ('surprise'"),
        ({"stream_type": None}, "stream_type: None is not one of"),
        ({"country": "Germany"}, "country: 'Germany' does not match"),
    ],
)
def test_player_event_violations_name_the_field(change, expected) -> None:
    record = {**samples.player_events()[0], **change}
    with pytest.raises(ContractViolation) as err:
        validate("player_event", record)
    assert any(e.startswith(expected) for e in err.value.errors), err.value.errors


def test_missing_required_field_is_reported() -> None:
    record = dict(samples.player_events()[0])
    del record["view_id"]
    assert "(record): 'view_id' is a required property" in violations("player_event", record)


def test_timestamps_are_format_checked() -> None:
    record = {**samples.transcode_events()[0], "event_at": "yesterday at noon"}
    assert any(v.startswith("event_at:") for v in violations("transcode_event", record))


def test_cmcd_unknown_keys_must_go_to_custom() -> None:
    request = samples.cdn_requests()[1]
    bad = {**request, "cmcd": {**request["cmcd"], "com.example-x": 1}}
    good = {**request, "cmcd": {**request["cmcd"], "custom": {"com.example-x": 1}}}
    assert violations("cdn_request", bad)
    assert violations("cdn_request", good) == []


def test_every_player_field_documents_its_cmcd_key_or_says_none() -> None:
    """docs/contracts.md promises a CMCD mapping for the beacon; keys named must exist in CMCD."""
    cmcd_keys = set(contract("cmcd").schema["properties"])
    for name, prop in contract("player_event").schema["properties"].items():
        if "x-cmcd" in prop:
            assert prop["x-cmcd"] in cmcd_keys, name


def test_integers_are_bounded_to_int64_where_the_schema_does_not_narrow_them() -> None:
    assert bound_integers({"type": ["integer", "null"]}) == {
        "type": ["integer", "null"],
        "minimum": -(2**63),
        "maximum": INT64_MAX,
    }
    assert bound_integers({"type": "integer", "minimum": 0})["minimum"] == 0
    event = dict(samples.player_events()[0], sequence_number=INT64_MAX)
    assert validate("player_event", event) is event
    with pytest.raises(ContractViolation, match=r"sequence_number: .* greater than the maximum"):
        validate("player_event", dict(event, sequence_number=INT64_MAX + 1))
    with pytest.raises(ContractViolation, match="asn"):
        validate("player_event", dict(event, asn=-(2**64)))


def test_an_integral_float_is_no_integer() -> None:
    event = dict(samples.player_events()[0])
    with pytest.raises(ContractViolation, match=r"client_ts_ms: .* is not of type 'integer'"):
        validate("player_event", dict(event, client_ts_ms=float(event["client_ts_ms"])))
    assert validate("player_event", dict(event, playback_rate=1)) is not None  # numbers take ints
