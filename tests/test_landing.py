"""Every received unit becomes a record or a dead letter: exact accounting, raw bytes kept."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from streamqoe import samples
from streamqoe.landing import DeadLetter, Landed, decode_json_records, land_outcomes

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def decode(payload: bytes, contract: str = "player_event"):
    return list(
        decode_json_records(payload, contract, source="test", received_at=NOW, message_id="m1")
    )


def test_a_batch_lands_element_by_element_and_a_bad_element_dead_letters_alone() -> None:
    events = samples.player_events()[:3]
    broken = {**events[1], "sequence_number": "one"}
    out = decode(json.dumps([events[0], broken, events[2]]).encode())
    assert [type(o) for o in out] == [Landed, DeadLetter, Landed]
    assert [o.ingest_id for o in out if isinstance(o, Landed)] == ["m1#0", "m1#2"]
    dead = out[1].record
    assert dead["stage"] == "validate" and dead["message_id"] == "m1#1"
    assert json.loads(base64.b64decode(dead["raw_payload"])) == broken
    assert "sequence_number: 'one' is not of type 'integer'" in dead["error_message"]


@pytest.mark.parametrize(
    ("payload", "stage", "error_class"),
    [
        (b"\xff\xfe not utf-8", "decode", "UnicodeDecodeError"),
        (b'{"view_id": ', "decode", "JSONDecodeError"),
        (b"42", "validate", "ContractViolation"),
        (b"[]", None, None),
    ],
)
def test_undecodable_payloads(payload, stage, error_class) -> None:
    out = decode(payload)
    if stage is None:
        assert out == []  # an empty batch holds no unit
        return
    assert len(out) == 1 and isinstance(out[0], DeadLetter)
    assert (out[0].record["stage"], out[0].record["error_class"]) == (stage, error_class)
    assert base64.b64decode(out[0].record["raw_payload"]) == payload


def test_dead_letters_satisfy_their_own_contract() -> None:
    from streamqoe.contracts.registry import violations

    for payload in (b"\xff", b"{", b'{"a": 1}'):
        for outcome in decode(payload):
            assert violations("dead_letter", outcome.record) == []


def test_landing_counts_match_rows(warehouse) -> None:
    events = samples.player_events()
    payloads = [json.dumps(events).encode(), b"not json", json.dumps(events[0] | {"x": 1}).encode()]
    outcomes = [o for p in payloads for o in decode(p)]
    counts = land_outcomes(warehouse, outcomes, ingested_at=NOW)
    units = len(events) + 2
    assert counts.total == units
    assert warehouse.count("player_events") == len(events) == counts.landed["player_events"]
    assert warehouse.count("dead_letters") == 2
    assert counts.dead_letters == {"decode": 1, "validate": 1}
