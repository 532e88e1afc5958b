"""Publish messages to the declared topics, pull them back and land them: the platform's smoke test.

`streamqoe platform smoke` runs it against the local platform to show that topics,
subscriptions, contracts and the warehouse fit together.

It uses the real client libraries end to end: google-cloud-pubsub's publisher (with attributes,
through streamqoe.pubsub.publisher) and a synchronous pull on the pipeline subscriptions, then
streamqoe.landing to land records and dead letters in the warehouse. The streaming Beam pipeline
replaces the pull loop in production; the accounting (published = landed + dead-lettered) is the
same.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from google.cloud import pubsub_v1

from streamqoe import samples
from streamqoe.landing import LandingCounts, decode_json_records, land_outcomes
from streamqoe.pubsub.declaration import Declaration, load_declaration
from streamqoe.pubsub.publisher import publish_messages
from streamqoe.warehouse.base import Warehouse

logger = logging.getLogger(__name__)

PULL_BATCH_MESSAGES = 500


@dataclass(frozen=True)
class Message:
    """One message to publish: topic, payload bytes and attributes."""

    topic: str
    data: bytes
    attributes: dict[str, str]


def sample_messages(declaration: Declaration | None = None) -> list[Message]:
    """The samples module's events as messages: beacons batched per view, one record otherwise."""
    declaration = declaration or load_declaration()

    def attrs(source: str) -> dict[str, str]:
        return {"schema_version": "1.0", "source": source, "content_type": "application/json"}

    events = samples.player_events()
    out = [
        Message("player-events", json.dumps(events[:4]).encode(), attrs("player-sdk")),
        Message("player-events", json.dumps(events[4:]).encode(), attrs("player-sdk")),
    ]
    out += [
        Message(
            declaration.topic_for_contract("cdn_request").name,
            json.dumps(r).encode(),
            attrs("cdn-log-shipper"),
        )
        for r in samples.cdn_requests()
    ]
    out += [
        Message(
            declaration.topic_for_contract("transcode_event").name,
            json.dumps(e).encode(),
            attrs("mediaconvert-eventbridge"),
        )
        for e in samples.transcode_events()
    ]
    out += [Message(topic, data, attrs("player-sdk")) for topic, data in samples.bad_messages()]
    return out


def publish(project: str, messages: Iterable[Message]) -> list[str]:
    """Publish messages and wait for every message id.

    Raises:
        PublishError: some message was not published.
    """
    return publish_messages(project, messages, keep_message_ids=True).message_ids


def pull_and_land(
    project: str,
    warehouse: Warehouse,
    expected_units: int,
    declaration: Declaration | None = None,
    timeout_seconds: float = 60.0,
    progress: Callable[[int], None] | None = None,
) -> LandingCounts:
    """Pull every pipeline subscription until `expected_units` units are accounted for; land them.

    A unit is a record or a dead letter (an array message holds several). Messages are acked only
    after their rows landed, so a crash redelivers rather than loses.
    """
    declaration = declaration or load_declaration()
    subscriber = pubsub_v1.SubscriberClient()
    totals = LandingCounts()
    deadline = time.monotonic() + timeout_seconds
    topic_contracts = {t.name: t.contract for t in declaration.topics if t.contract}
    try:
        while totals.total < expected_units and time.monotonic() < deadline:
            pulled_any = False
            for topic, contract_name in topic_contracts.items():
                sub = declaration.pipeline_subscription(topic)
                path = subscriber.subscription_path(project, sub.name)
                response = subscriber.pull(
                    request={"subscription": path, "max_messages": PULL_BATCH_MESSAGES},
                    timeout=5,
                )
                if not response.received_messages:
                    continue
                pulled_any = True
                received_at = datetime.now(UTC)
                outcomes = []
                for rm in response.received_messages:
                    outcomes += decode_json_records(
                        rm.message.data,
                        contract_name,
                        source=f"pubsub:{sub.name}",
                        received_at=received_at,
                        message_id=rm.message.message_id,
                        attributes=dict(rm.message.attributes),
                    )
                counts = land_outcomes(warehouse, outcomes, ingested_at=received_at)
                subscriber.acknowledge(
                    request={
                        "subscription": path,
                        "ack_ids": [rm.ack_id for rm in response.received_messages],
                    }
                )
                for table, n in counts.landed.items():
                    totals.landed[table] = totals.landed.get(table, 0) + n
                for stage, n in counts.dead_letters.items():
                    totals.dead_letters[stage] = totals.dead_letters.get(stage, 0) + n
                if progress:
                    progress(totals.total)
            if not pulled_any:
                time.sleep(0.2)
    finally:
        subscriber.close()
    return totals


def expected_units(messages: Iterable[Message]) -> int:
    """Units in a set of messages: array elements count one each, anything else one."""
    total = 0
    for m in messages:
        try:
            doc = json.loads(m.data)
        except ValueError:
            total += 1
            continue
        total += len(doc) if isinstance(doc, list) else 1
    return total


def smoke(project: str, warehouse: Warehouse, out: TextIO) -> bool:
    """Round-trip the sample messages through a running platform and print what landed.

    Returns:
        True when every published unit landed or was dead-lettered.
    """
    tables = warehouse.ensure_tables()
    before = {t: warehouse.count(t) for t in tables}
    messages = sample_messages()
    units = expected_units(messages)
    publish(project, messages)
    counts = pull_and_land(project, warehouse, units)
    print(f"{'table':<20}{'landed now':>12}{'rows in table':>15}", file=out)
    for table in tables:
        after = warehouse.count(table)
        print(f"{table:<20}{after - before[table]:>12}{after:>15}", file=out)
    print(
        f"units published {units}, landed {sum(counts.landed.values())}, "
        f"dead-lettered {sum(counts.dead_letters.values())}",
        file=out,
    )
    return counts.total == units
