"""The one Pub/Sub publisher against the real emulator: every message arrives, failures count."""

from __future__ import annotations

import time

import pytest
from google.cloud import pubsub_v1
from google.cloud.pubsub_v1.types import BatchSettings

from streamqoe.pubsub.publisher import Publisher, PublishError, publish_messages

pytestmark = pytest.mark.integration

TOPIC = "player-events"
SUBSCRIPTION = "player-events-pipeline"


def pull_all(project: str, expected: int, timeout_seconds: float = 60.0) -> list:
    """Pull (and ack) from the pipeline subscription until `expected` messages arrived."""
    subscriber = pubsub_v1.SubscriberClient()
    path = subscriber.subscription_path(project, SUBSCRIPTION)
    got: list = []
    deadline = time.monotonic() + timeout_seconds
    try:
        while len(got) < expected and time.monotonic() < deadline:
            response = subscriber.pull(
                request={"subscription": path, "max_messages": 500}, timeout=10
            )
            if response.received_messages:
                got += [rm.message for rm in response.received_messages]
                subscriber.acknowledge(
                    request={
                        "subscription": path,
                        "ack_ids": [rm.ack_id for rm in response.received_messages],
                    }
                )
    finally:
        subscriber.close()
    return got


def test_every_published_message_is_pulled_back_with_its_attributes(pubsub_env: str) -> None:
    n, window = 250, 40
    windows: list[int] = []
    with Publisher(
        pubsub_env,
        batch_settings=BatchSettings(max_messages=25, max_latency=0.05),
        window_messages=window,
        keep_message_ids=True,
        on_window=lambda report: windows.append(report.published),
    ) as publisher:
        assert publisher.client.batch_settings.max_messages == 25
        for i in range(n):
            publisher.publish(TOPIC, f"m{i}".encode(), {"n": str(i), "source": "test"})
            assert publisher.outstanding < window  # the window bounds unacknowledged sends
    report = publisher.report
    assert (report.published, report.failed) == (n, 0)
    assert report.published_by_topic == {TOPIC: n}
    assert len(set(report.message_ids)) == n
    assert windows == [window * k for k in range(1, n // window + 1)]

    pulled = pull_all(pubsub_env, n)
    assert len(pulled) == n
    assert {m.message_id for m in pulled} == set(report.message_ids)
    assert sorted((m.data, dict(m.attributes)) for m in pulled) == sorted(
        (f"m{i}".encode(), {"n": str(i), "source": "test"}) for i in range(n)
    )


def test_publish_messages_returns_ids_in_order(pubsub_env: str) -> None:
    class Message:
        def __init__(self, i: int):
            self.topic, self.data, self.attributes = TOPIC, f"x{i}".encode(), {"i": str(i)}

    report = publish_messages(pubsub_env, [Message(i) for i in range(5)], keep_message_ids=True)
    assert report.published == 5 and len(report.message_ids) == 5
    by_id = {m.message_id: m.data for m in pull_all(pubsub_env, 5)}
    assert [by_id[i] for i in report.message_ids] == [f"x{i}".encode() for i in range(5)]


def test_a_missing_topic_raises_a_clear_error_and_is_counted(pubsub_env: str) -> None:
    publisher = Publisher(pubsub_env)
    publisher.publish(TOPIC, b"fine", {"source": "test"})
    publisher.publish("no-such-topic", b"lost", {"source": "test"})
    with pytest.raises(PublishError, match=r"1 of 2 messages failed") as info:
        publisher.close()
    report = info.value.report
    assert (report.published, report.failed) == (1, 1)
    assert report.published_by_topic == {TOPIC: 1}
    failure = report.failures[0]
    assert (failure.topic, failure.index) == ("no-such-topic", 1)
    assert "NotFound" in str(info.value) and "no-such-topic" in str(info.value)
    with pytest.raises(RuntimeError, match="closed"):
        publisher.publish(TOPIC, b"late")


def test_failures_are_only_counted_when_not_raising(pubsub_env: str) -> None:
    with Publisher(pubsub_env, raise_on_failure=False, window_messages=3) as publisher:
        for i in range(7):
            publisher.publish("no-such-topic" if i % 2 else TOPIC, b"m", {"i": str(i)})
    report = publisher.report
    assert (report.published, report.failed) == (4, 3)
    assert [f.index for f in report.failures] == [1, 3, 5]
    assert "4 published, 3 failed (first: message 1 to topic 'no-such-topic'" in report.describe()
    assert len(pull_all(pubsub_env, 4)) == 4


def test_pacing_holds_each_message_until_its_offset(pubsub_env: str) -> None:
    offsets = [0.0, 0.1, 0.2, 0.3]
    with Publisher(pubsub_env, speed=2.0, clock=time.time) as publisher:
        publisher.start_pacing(time.time())
        origin = publisher.origin
        sent = [publisher.publish(TOPIC, b"p", at_seconds=s) for s in offsets]
        late = publisher.publish(TOPIC, b"late", at_seconds=-10.0)
    assert all(t >= origin + s / 2.0 for t, s in zip(sent, offsets, strict=True))
    assert sent == sorted(sent) and late >= sent[-1]
    assert publisher.report.behind_seconds >= 5.0  # -10 s at speed 2 was due 5 s ago
    assert publisher.report.published == 5


def test_reserved_attribute_names_and_bad_arguments_are_refused(pubsub_env: str) -> None:
    with Publisher(pubsub_env) as publisher:
        with pytest.raises(ValueError, match="reserved"):
            publisher.publish(TOPIC, b"m", {"timeout": "1"})
        assert publisher.topic_path("projects/p/topics/t") == "projects/p/topics/t"
        assert publisher.topic_path(TOPIC) == f"projects/{pubsub_env}/topics/{TOPIC}"
    with pytest.raises(ValueError, match="window_messages"):
        Publisher(pubsub_env, window_messages=0)
    with pytest.raises(ValueError, match="batch_settings"):
        Publisher(pubsub_env, client=publisher.client, batch_settings=BatchSettings())


def test_create_topics_is_idempotent(pubsub_env: str) -> None:
    with Publisher(pubsub_env) as publisher:
        publisher.create_topics(["fresh-topic", TOPIC])  # TOPIC exists already
        publisher.create_topics(["fresh-topic"])
        publisher.publish("fresh-topic", b"m")
    assert publisher.report.published_by_topic == {"fresh-topic": 1}
