"""The real Pub/Sub emulator: declared resources, a publish/pull round trip, and a clean stop."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest
from google.cloud import pubsub_v1

from app.platform.process import group_members, pid_alive
from app.platform.pubsub_admin import apply_declaration, list_resources
from app.platform.pubsub_emulator import PubSubEmulator
from streamqoe import samples
from streamqoe.landing import decode_json_records, land_outcomes
from streamqoe.pubsub.declaration import load_declaration

pytestmark = pytest.mark.integration


def test_declared_topics_and_subscriptions_exist(pubsub_env) -> None:
    project = pubsub_env
    declaration = load_declaration()
    resources = list_resources(project)
    assert resources["topics"] == sorted(t.name for t in declaration.topics)
    assert set(resources["subscriptions"]) == {s.name for s in declaration.subscriptions}
    assert apply_declaration(project) == {"topics": 0, "subscriptions": 0}  # idempotent


def test_dead_letter_policy_is_applied(pubsub_env) -> None:
    project = pubsub_env
    subscriber = pubsub_v1.SubscriberClient()
    try:
        sub = subscriber.get_subscription(
            subscription=subscriber.subscription_path(project, "player-events-pipeline")
        )
    finally:
        subscriber.close()
    assert sub.dead_letter_policy.dead_letter_topic.endswith("/topics/player-events-dlq")
    assert sub.dead_letter_policy.max_delivery_attempts == 5


def test_publish_pull_and_land_with_attributes(pubsub_env, warehouse) -> None:
    project = pubsub_env
    publisher = pubsub_v1.PublisherClient()
    topic = publisher.topic_path(project, "transcode-events")
    events = samples.transcode_events()
    bad = b'{"provider": "mediaconvert", "job_id": "x", "state": "melted"}'
    ids = [
        publisher.publish(
            topic, json.dumps(e).encode(), schema_version="1.0", source="mediaconvert-eventbridge"
        ).result(timeout=30)
        for e in events
    ] + [publisher.publish(topic, bad, schema_version="1.0", source="test").result(timeout=30)]
    publisher.stop()

    subscriber = pubsub_v1.SubscriberClient()
    path = subscriber.subscription_path(project, "transcode-events-pipeline")
    received = []
    try:
        while len(received) < len(ids):
            response = subscriber.pull(
                request={"subscription": path, "max_messages": 10}, timeout=10
            )
            received += response.received_messages
            if response.received_messages:
                subscriber.acknowledge(
                    request={
                        "subscription": path,
                        "ack_ids": [m.ack_id for m in response.received_messages],
                    }
                )
    finally:
        subscriber.close()

    assert sorted(m.message.message_id for m in received) == sorted(ids)
    assert all(m.message.attributes["schema_version"] == "1.0" for m in received)
    now = datetime.now(UTC)
    outcomes = [
        o
        for m in received
        for o in decode_json_records(
            m.message.data,
            "transcode_event",
            source="pubsub:transcode-events-pipeline",
            received_at=now,
            message_id=m.message.message_id,
            attributes=dict(m.message.attributes),
        )
    ]
    counts = land_outcomes(warehouse, outcomes, ingested_at=now)
    # every message accounted for: 2 records + 1 dead letter = 3 published
    assert counts.landed == {"transcode_events": 2}
    assert counts.dead_letters == {"validate": 1}
    rows = warehouse.query(
        "select job_id, state, ingest_id from transcode_events order by event_at"
    )
    assert [r["state"] for r in rows] == ["progressing", "complete"]
    assert {r["ingest_id"] for r in rows} <= set(ids)
    dead = warehouse.query("select raw_payload, attributes, error_message from dead_letters")
    assert dead[0]["raw_payload"] == bad
    assert json.loads(dead[0]["attributes"]) == {"schema_version": "1.0", "source": "test"}
    assert "state: 'melted' is not one of" in dead[0]["error_message"]


def test_emulator_stops_without_leaving_a_process(tmp_path) -> None:
    emulator = PubSubEmulator(state_dir=tmp_path, project="streamqoe-local")
    record = emulator.start()
    pgid = os.getpgid(record.pid)
    assert pid_alive(record.pid) and group_members(pgid)
    assert emulator.stop() is True
    assert not pid_alive(record.pid)
    assert group_members(pgid) == []
    assert emulator.record() is None
    assert emulator.stop() is False
