"""The one dead-letter builder: every stage, every payload type, exact bytes, valid letters."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest

from streamqoe.contracts.registry import violations
from streamqoe.dead_letters import STAGES, dead_letter, format_received_at, to_bytes

NOW = datetime(2026, 11, 25, 9, 0, 1, 250000, tzinfo=UTC)


def build(raw, **overrides):
    fields = {
        "source": "pubsub:player-events-pipeline",
        "stage": "parse",
        "error_class": "SomeError",
        "error_message": "field x: bad",
        "received_at": NOW,
    }
    return dead_letter(raw, **(fields | overrides))


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_of_the_contract_builds_a_valid_letter(stage: str) -> None:
    letter = build(b"{}", stage=stage, contract="player_event.v1", message_id="m1")
    assert violations("dead_letter", letter) == []
    assert letter["stage"] == stage


def test_stages_are_the_contracts_stages() -> None:
    from streamqoe.contracts.registry import contract

    assert list(STAGES) == contract("dead_letter").schema["properties"]["stage"]["enum"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(b'{"a":1}', b'{"a":1}', id="bytes"),
        pytest.param(b"\xff\xfe\x00 not utf-8", b"\xff\xfe\x00 not utf-8", id="non-utf8-bytes"),
        pytest.param(b"", b"", id="empty"),
        pytest.param(bytearray(b"\x01\x02"), b"\x01\x02", id="bytearray"),
        pytest.param(memoryview(b"view"), b"view", id="memoryview"),
        pytest.param("héllo ✓", "héllo ✓".encode(), id="str-utf8"),
        pytest.param("lone \ud800", b"lone \\ud800", id="str-unpaired-surrogate"),
        pytest.param(b"x" * 5_000_000, b"x" * 5_000_000, id="huge-not-truncated"),
    ],
)
def test_raw_payload_is_the_exact_bytes_base64(raw, expected: bytes) -> None:
    letter = build(raw)
    assert base64.b64decode(letter["raw_payload"], validate=True) == expected
    assert to_bytes(raw) == expected


@pytest.mark.parametrize(
    ("received_at", "expected"),
    [
        pytest.param(NOW, "2026-11-25T09:00:01.250000Z", id="utc"),
        pytest.param(
            datetime(2026, 11, 25, 11, 0, tzinfo=timezone(timedelta(hours=2))),
            "2026-11-25T09:00:00Z",
            id="offset-converted",
        ),
        pytest.param(datetime(2026, 11, 25, 9, 0), "2026-11-25T09:00:00Z", id="naive-is-utc"),
        pytest.param(
            "2026-11-25T09:00:00+00:00", "2026-11-25T09:00:00+00:00", id="text-kept-as-given"
        ),
    ],
)
def test_received_at(received_at, expected: str) -> None:
    assert build(b"", received_at=received_at)["received_at"] == expected


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        pytest.param({}, "contract", None, id="no-contract"),
        pytest.param({"contract": "cdn_request.v1"}, "contract", "cdn_request.v1", id="contract"),
        pytest.param({}, "attributes", None, id="no-attributes"),
        pytest.param({"attributes": {}}, "attributes", {}, id="empty-attributes-kept"),
        pytest.param(
            {"attributes": {"source": "sdk", "element_index": 2}},
            "attributes",
            {"source": "sdk", "element_index": 2},
            id="attributes",
        ),
        pytest.param({}, "message_id", None, id="no-message-id"),
        pytest.param({"message_id": "42#1"}, "message_id", "42#1", id="message-id"),
        pytest.param({"source": ""}, "source", "unknown", id="empty-source"),
        pytest.param({"error_class": ""}, "error_class", "Unknown", id="empty-error-class"),
        pytest.param({"error_message": ""}, "error_message", "", id="empty-message-kept"),
    ],
)
def test_optional_and_fallback_fields(overrides: dict, field: str, expected) -> None:
    letter = build(b"x", **overrides)
    assert letter[field] == expected
    assert violations("dead_letter", letter) == []


def test_letter_has_exactly_the_contract_fields_and_copies_attributes() -> None:
    from streamqoe.contracts.registry import contract

    attributes = {"k": "v"}
    letter = build(b"x", attributes=attributes)
    assert set(letter) == set(contract("dead_letter").schema["properties"])
    assert letter["schema_version"] == "1.0"
    attributes["k"] = "changed"
    assert letter["attributes"] == {"k": "v"}


def test_format_received_at_is_rfc3339_z() -> None:
    assert format_received_at(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05Z"
