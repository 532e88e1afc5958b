"""Table-driven tests of the transcode job helpers of streamqoe.qoe.transcode (no Beam)."""

from __future__ import annotations

import pytest

from streamqoe.qoe.transcode import transcode_event_identity


@pytest.mark.parametrize(
    ("event", "identity"),
    [
        ({"event_id": "e1", "job_id": "j"}, ("id", "e1")),
        (
            {"event_id": None, "job_id": "j", "provider_state": "COMPLETE", "event_at": "t"},
            ("job", "j", "COMPLETE", "t"),
        ),
    ],
)
def test_transcode_event_identity(event, identity):
    assert transcode_event_identity(event) == identity
