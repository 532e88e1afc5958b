"""Tests for streamqoe.ingest.mediaconvert: Job State Change EventBridge events."""

from __future__ import annotations

import json

import pytest

from streamqoe.ingest.mediaconvert import parse_mediaconvert

from .helpers import RECEIVED_AT, read, split

EVENTS = read("mediaconvert_events.jsonl").splitlines()


def test_complete_event_has_the_ladder() -> None:
    records, dead = split(
        parse_mediaconvert(read("mediaconvert_complete.json"), source="t", received_at=RECEIVED_AT)
    )
    assert dead == []
    (record,) = records
    assert record["state"] == "complete"
    assert record["finished_at"] == record["event_at"] == "2022-12-19T19:07:12Z"
    assert (record["content_id"], record["account"], record["region"]) == (
        "movie-42",
        "111122223333",
        "us-west-2",
    )
    assert record["outputs"] == [
        {"name": "movie_1080p.m3u8", "uri": "s3://bucket/movie-42/hls/movie_1080p.m3u8", "width": 1920,
         "height": 1080, "bitrate_kbps": 6544, "codec": None, "duration_ms": 30041},
        {"name": "movie_720p.m3u8", "uri": "s3://bucket/movie-42/hls/movie_720p.m3u8", "width": 1280,
         "height": 720, "bitrate_kbps": 3211, "codec": None, "duration_ms": 30041},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("index", "state", "provider_state", "extra"),
    [
        (0, "submitted", "SUBMITTED", {"submitted_at": "2022-12-19T19:06:58Z"}),
        (1, "progressing", "PROGRESSING", {"started_at": "2022-12-19T19:07:00Z"}),
        (2, "progressing", "INPUT_INFORMATION", {"input": {
            "uri": "s3://bucket/source/movie-42.mov", "duration_ms": None, "width": 1920,
            "height": 1080, "codec": "H_264", "frame_rate": 23.976, "bitrate_kbps": None}}),
        (3, "progressing", "STATUS_UPDATE", {"progress_percent": 7.0, "started_at": None}),
        (4, "error", "ERROR", {"error_code": "1030", "error_message":
            "Video codec [indeo4] is not a supported input video codec"}),
        (5, "canceled", "CANCELED", {"finished_at": "2022-12-19T19:10:00Z"}),
        (6, "unknown", "SOMETHING_NEW", {"finished_at": None}),
    ],
)  # fmt: skip
def test_job_states(index: int, state: str, provider_state: str, extra: dict) -> None:
    records, dead = split(parse_mediaconvert(EVENTS[index], source="t", received_at=RECEIVED_AT))
    assert dead == []
    record = records[0]
    assert (record["state"], record["provider_state"], record["provider"]) == (
        state,
        provider_state,
        "mediaconvert",
    )
    assert {k: record[k] for k in extra} == extra


@pytest.mark.parametrize(
    ("unit", "stage", "error_class", "fragment"),
    [
        (EVENTS[7], "parse", "UnexpectedEventType", "MediaConvert Queue Change"),
        (read("mediaconvert_commented.json"), "decode", "JSONDecodeError", "comments are not JSON"),
        (json.dumps({"source": "aws.s3", "detail-type": "x"}).encode(), "parse", "UnexpectedEventSource", "aws.s3"),
        (EVENTS[0].replace(b'"time":"2022-12-19T19:06:58Z"', b'"time":"19:06"'), "parse", "InvalidTimestamp", "time"),
        (EVENTS[0].replace(b'"jobId":"1671476818694-phptj0",', b""), "parse", "MissingField", "jobId"),
        (EVENTS[0].replace(b'"userMetadata":{}', b'"userMetadata":[]'), "parse", "FieldType", "userMetadata"),
    ],
)  # fmt: skip
def test_bad_events(unit: bytes, stage: str, error_class: str, fragment: str) -> None:
    records, dead = split(parse_mediaconvert(unit, source="t", received_at=RECEIVED_AT))
    assert records == []
    assert [(d.stage, d.error_class) for d in dead] == [(stage, error_class)]
    assert fragment in dead[0].error_message


def test_trailing_comma_sample_names_the_position() -> None:
    _, dead = split(
        parse_mediaconvert(b'{"source": "aws.mediaconvert",}', source="t", received_at=RECEIVED_AT)
    )
    assert "line 1 column 31 (trailing comma?)" in dead[0].error_message
