"""Tests for streamqoe.ingest.beacon: single events, batches, element-level dead letters."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamqoe.ingest.beacon import parse_beacon

from .helpers import RECEIVED_AT, read, split

EVENT = json.loads(read("beacon_single.json"))


def test_single_event() -> None:
    records, dead = split(
        parse_beacon(read("beacon_single.json"), source="t", received_at=RECEIVED_AT)
    )
    assert dead == []
    assert records == [EVENT]


def test_batch_dead_letters_bad_elements_alone() -> None:
    records, dead = split(
        parse_beacon(read("beacon_batch.json"), source="http:/beacon", received_at=RECEIVED_AT)
    )
    assert [r["sequence_number"] for r in records] == [0, 1, 3]
    assert [(d.stage, d.error_class, d.letter["attributes"]) for d in dead] == [
        ("validate", "ContractViolation", {"element_index": 2}),
        ("parse", "UnexpectedShape", {"element_index": 3}),
    ]
    assert "event_type: 'buffering' is not one of" in dead[0].error_message
    assert json.loads(dead[1].raw_payload) == "not an event"


@pytest.mark.parametrize(
    ("unit", "stage", "error_class"),
    [
        (b"[]", "parse", "EmptyBatch"),
        (b"42", "parse", "UnexpectedShape"),
        (b'{"view_id": NaN}', "decode", "JSONDecodeError"),
        (b'{"a": 1,}', "decode", "JSONDecodeError"),
        (b"\xc3\x28", "decode", "UnicodeDecodeError"),
        (b"{}", "validate", "ContractViolation"),
    ],
)
def test_bad_beacons(unit: bytes, stage: str, error_class: str) -> None:
    records, dead = split(
        parse_beacon(
            unit, source="t", received_at=RECEIVED_AT, message_id="m1", attributes={"a": "b"}
        )
    )
    assert records == []
    assert [(d.stage, d.error_class) for d in dead] == [(stage, error_class)]
    assert dead[0].letter["message_id"] == "m1"
    assert dead[0].letter["attributes"] == {"a": "b"}
    assert dead[0].raw_payload == unit


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_json, st.just(EVENT)), min_size=1, max_size=6))
def test_batch_accounting(batch: list) -> None:
    outcomes = parse_beacon(json.dumps(batch), source="t", received_at=RECEIVED_AT)
    records, dead = split(outcomes)
    assert len(records) + len(dead) == len(batch)
    assert len(records) == sum(1 for item in batch if item == EVENT)
