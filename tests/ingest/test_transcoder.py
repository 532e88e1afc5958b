"""Tests for streamqoe.ingest.transcoder: Transcoder API notifications via Pub/Sub push."""

from __future__ import annotations

import base64
import json

import pytest

from streamqoe.ingest.transcoder import parse_transcoder

from .helpers import RECEIVED_AT, read, split

LINES = read("transcoder_push.jsonl").splitlines()


def test_succeeded_job() -> None:
    records, dead = split(parse_transcoder(LINES[0], source="t", received_at=RECEIVED_AT))
    assert dead == []
    assert {k: records[0][k] for k in ("job_id", "state", "provider_state", "event_id", "event_at", "region", "account", "content_id")} == {
        "job_id": "6d1c4b2a-job",
        "state": "complete",
        "provider_state": "SUCCEEDED",
        "event_id": "9001",
        "event_at": "2024-06-01T11:00:00.123Z",
        "region": "us-central1",
        "account": "123456789",
        "content_id": "movie-42",
    }  # fmt: skip


def test_failed_job_carries_the_error() -> None:
    records, _ = split(parse_transcoder(LINES[1], source="t", received_at=RECEIVED_AT))
    assert (records[0]["state"], records[0]["error_code"]) == ("error", "3")
    assert records[0]["error_message"] == "Input file is not a supported media file"


def test_bare_notification_uses_received_at() -> None:
    unit = json.dumps({"job": {"name": "projects/p/locations/l/jobs/j1", "state": "RUNNING"}})
    records, _ = split(parse_transcoder(unit, source="t", received_at=RECEIVED_AT, message_id="m"))
    assert (records[0]["event_at"], records[0]["state"], records[0]["event_id"]) == (
        "2024-06-01T12:00:00Z",
        "progressing",
        "m",
    )


def test_bare_pubsub_message() -> None:
    data = base64.b64encode(
        b'{"job": {"name": "projects/p/locations/l/jobs/j2", "state": "PENDING"}}'
    )
    unit = json.dumps(
        {"data": data.decode(), "messageId": "7", "publishTime": "2024-06-01T10:00:00Z"}
    )
    records, _ = split(parse_transcoder(unit, source="t", received_at=RECEIVED_AT))
    assert (records[0]["job_id"], records[0]["state"], records[0]["event_id"]) == (
        "j2",
        "queued",
        "7",
    )


@pytest.mark.parametrize(
    ("unit", "stage", "error_class"),
    [
        (LINES[2], "decode", "Base64DecodeError"),
        (LINES[3], "parse", "MissingField"),
        (json.dumps({"message": {"data": base64.b64encode(b"\xff").decode()}}).encode(), "decode", "UnicodeDecodeError"),
        (json.dumps({"message": {"data": base64.b64encode(b"[1]").decode()}}).encode(), "parse", "UnexpectedShape"),
        (b"[]", "parse", "UnexpectedShape"),
    ],
)  # fmt: skip
def test_bad_notifications(unit: bytes, stage: str, error_class: str) -> None:
    records, dead = split(parse_transcoder(unit, source="t", received_at=RECEIVED_AT))
    assert records == []
    assert [(d.stage, d.error_class) for d in dead] == [(stage, error_class)]
