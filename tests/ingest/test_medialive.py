"""Tests for streamqoe.ingest.medialive: channel state changes and alerts."""

from __future__ import annotations

import pytest

from streamqoe.ingest.medialive import parse_medialive

from .helpers import RECEIVED_AT, read, split

EVENTS = read("medialive_events.jsonl").splitlines()


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, {"state": "starting", "provider_state": "STARTING", "job_id": "1234567", "started_at": None}),
        (1, {"state": "running", "started_at": "2024-06-01T09:01:10Z", "error_message": "Running channel"}),
        (2, {"state": "alert", "provider_state": "SET", "error_code": "RTMP Has No Audio/Video", "queue": "pipeline 0"}),
        (3, {"state": "alert_cleared", "provider_state": "CLEARED"}),
        (4, {"state": "unknown", "provider_state": "DELETED", "region": "eu-west-1", "account": "111122223333"}),
    ],
)  # fmt: skip
def test_channel_events(index: int, expected: dict) -> None:
    records, dead = split(parse_medialive(EVENTS[index], source="t", received_at=RECEIVED_AT))
    assert dead == []
    assert {k: records[0][k] for k in expected} == expected
    assert records[0]["provider"] == "medialive"


def test_other_event_types_are_dead_lettered() -> None:
    records, dead = split(parse_medialive(EVENTS[5], source="t", received_at=RECEIVED_AT))
    assert records == []
    assert dead[0].error_class == "UnexpectedEventType"


def test_mediaconvert_event_is_not_medialive() -> None:
    _, dead = split(
        parse_medialive(read("mediaconvert_complete.json"), source="t", received_at=RECEIVED_AT)
    )
    assert dead[0].error_class == "UnexpectedEventSource"


def test_batch_of_events() -> None:
    unit = b"[" + b",".join(EVENTS) + b"]"
    records, dead = split(parse_medialive(unit, source="t", received_at=RECEIVED_AT))
    assert (len(records), len(dead)) == (5, 1)
