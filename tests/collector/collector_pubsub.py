"""Pull messages back from the emulator's declared subscriptions (collector tests)."""

from __future__ import annotations

import time
from typing import Any

PIPELINE_SUBSCRIPTION = {
    "player-events": "player-events-pipeline",
    "cmcd-reports": "cmcd-reports-pipeline",
    "cdn-logs": "cdn-logs-pipeline",
    "transcode-events": "transcode-events-pipeline",
    "player-events-dlq": "player-events-dlq-hold",
    "cmcd-reports-dlq": "cmcd-reports-dlq-hold",
    "cdn-logs-dlq": "cdn-logs-dlq-hold",
    "transcode-events-dlq": "transcode-events-dlq-hold",
}


def pull(project: str, topic: str, expected: int, timeout_seconds: float = 20.0) -> list[Any]:
    """Pull (and ack) messages of `topic`'s subscription until `expected` arrived or time is up;
    then one more short pull, so a surplus shows too."""
    from google.cloud import pubsub_v1

    subscriber = pubsub_v1.SubscriberClient()
    path = subscriber.subscription_path(project, PIPELINE_SUBSCRIPTION[topic])
    out: list[Any] = []
    deadline = time.monotonic() + timeout_seconds
    try:
        while time.monotonic() < deadline:
            want_more = len(out) < expected
            response = subscriber.pull(
                subscription=path,
                max_messages=500,
                timeout=5 if want_more else 1,
            )
            if response.received_messages:
                out += [m.message for m in response.received_messages]
                subscriber.acknowledge(
                    subscription=path, ack_ids=[m.ack_id for m in response.received_messages]
                )
            elif not want_more:
                break
    finally:
        subscriber.close()
    return out
