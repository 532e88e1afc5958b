"""The streaming entry module end to end: Pub/Sub emulator -> pipeline -> DuckDB warehouse.

Beacons are published with event times a few minutes before now, so that the DirectRunner's
Pub/Sub watermark (wall clock) has already passed each view's inactivity gap: the views close
while the test runs (accelerated), without waiting in real time.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest
from beam_fixtures import beacon_line, simple_view
from google.cloud import pubsub_v1

from pipelines import streaming

RUN_SECONDS = 15


@pytest.mark.integration
def test_streaming_pipeline_lands_views_and_dead_letters(pubsub_env: str, tmp_path: Path):
    project = pubsub_env  # a fresh project with the declared topics and subscriptions
    now_ms = int(time.time() * 1000)
    start_ms = now_ms - 5 * 60_000
    publisher = pubsub_v1.PublisherClient()
    topic = publisher.topic_path(project, "player-events")
    views = [simple_view(f"stream-v{i}", start_ms + i * 1000, viewer_id=f"sv{i}") for i in range(3)]
    messages = [beacon_line(events) for events in views]
    messages.append(messages[0])  # a redelivered beacon
    messages.append(b'{"cut short')
    for data in messages:
        publisher.publish(topic, data, schema_version="1.0", source="test").result(timeout=30)

    path = tmp_path / "warehouse.duckdb"
    result = streaming.run(
        [
            "--warehouse", f"duckdb:{path}",
            "--pubsub_project", project,
            "--subscriptions", "player-events-pipeline",
            "--view_gap_seconds", "15",
            "--early_firing_seconds", "1",
            "--max_run_seconds", str(RUN_SECONDS),
        ]
    )  # fmt: skip
    assert result.state in ("CANCELLED", "DONE")
    with duckdb.connect(str(path), read_only=True) as con:
        finals = con.execute(
            "select view_id, max(playing_time_ms), bool_or(is_final), count(*) from views "
            "group by view_id order by view_id"
        ).fetchall()
        events = con.execute("select count(*) from player_events").fetchone()[0]
        letters = con.execute("select stage, error_class from dead_letters").fetchall()
        attempts = con.execute(
            "select sum(play_attempts) from ("
            " select * from qoe_minute where dimension = 'all'"
            " qualify row_number() over (partition by window_start order by version desc) = 1)"
        ).fetchone()[0]
    assert [(v, p, f) for v, p, f, _ in finals] == [
        (f"stream-v{i}", 29_000, True) for i in range(3)
    ]
    assert events == sum(len(v) for v in views) + len(views[0])  # raw table keeps the redelivery
    assert letters == [("decode", "JSONDecodeError")]
    assert attempts == 3
