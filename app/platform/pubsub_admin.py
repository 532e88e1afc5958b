"""Create the declared topics and subscriptions through google-cloud-pubsub's admin clients.

Used against the local emulator (PUBSUB_EMULATOR_HOST set) by `streamqoe platform up` and the tests;
in production Terraform applies the same declaration.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from google.api_core.exceptions import AlreadyExists
from google.cloud import pubsub_v1
from google.protobuf import duration_pb2

from streamqoe.pubsub.declaration import Declaration, load_declaration

logger = logging.getLogger(__name__)


def _seconds(text: str | None) -> duration_pb2.Duration | None:
    if not text:
        return None
    duration = duration_pb2.Duration()
    duration.FromTimedelta(timedelta(seconds=float(text.rstrip("s"))))
    return duration


def apply_declaration(project: str, declaration: Declaration | None = None) -> dict[str, int]:
    """Create every declared topic and subscription that does not exist yet (idempotent).

    Returns:
        How many topics and subscriptions were created this time.
    """
    declaration = declaration or load_declaration()
    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    created = {"topics": 0, "subscriptions": 0}
    try:
        for topic in declaration.topics:
            request = {"name": publisher.topic_path(project, topic.name)}
            retention = _seconds(topic.message_retention)
            if retention:
                request["message_retention_duration"] = retention
            try:
                publisher.create_topic(request=request)
                created["topics"] += 1
            except AlreadyExists:
                logger.debug("topic %s exists", topic.name)
        for sub in declaration.subscriptions:
            request = {
                "name": subscriber.subscription_path(project, sub.name),
                "topic": publisher.topic_path(project, sub.topic),
                "ack_deadline_seconds": sub.ack_deadline_seconds,
            }
            if sub.dead_letter_topic:
                request["dead_letter_policy"] = {
                    "dead_letter_topic": publisher.topic_path(project, sub.dead_letter_topic),
                    "max_delivery_attempts": sub.max_delivery_attempts or 5,
                }
            try:
                subscriber.create_subscription(request=request)
                created["subscriptions"] += 1
            except AlreadyExists:
                logger.debug("subscription %s exists", sub.name)
    finally:
        subscriber.close()
        publisher.transport.close()
    return created


def list_resources(project: str) -> dict[str, list[str]]:
    """Names of the topics and subscriptions that exist in `project`."""
    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    try:
        topics = [
            t.name.rsplit("/", 1)[-1] for t in publisher.list_topics(project=f"projects/{project}")
        ]
        subs = [
            s.name.rsplit("/", 1)[-1]
            for s in subscriber.list_subscriptions(project=f"projects/{project}")
        ]
    finally:
        subscriber.close()
        publisher.transport.close()
    return {"topics": sorted(topics), "subscriptions": sorted(subs)}
