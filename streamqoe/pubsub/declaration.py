"""Read infra/pubsub.yaml, the one declaration of topics and subscriptions.

The same file feeds the local emulator (app.platform.pubsub_admin), the streaming pipeline's
subscription names and Terraform (infra/terraform/pubsub.tf, through yamldecode).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from streamqoe.config import REPO_ROOT

DECLARATION_PATH = REPO_ROOT / "infra" / "pubsub.yaml"


@dataclass(frozen=True)
class Topic:
    name: str
    contract: str | None
    description: str
    message_retention: str | None
    dead_letter_topic: str | None


@dataclass(frozen=True)
class Subscription:
    name: str
    topic: str
    ack_deadline_seconds: int
    max_delivery_attempts: int | None
    dead_letter_topic: str | None


@dataclass(frozen=True)
class Declaration:
    topics: tuple[Topic, ...]
    subscriptions: tuple[Subscription, ...]
    attributes: dict[str, str]

    def topic(self, name: str) -> Topic:
        for t in self.topics:
            if t.name == name:
                return t
        raise KeyError(f"topic {name!r} is not declared in {DECLARATION_PATH.name}")

    def topic_for_contract(self, contract: str) -> Topic:
        """The topic carrying a contract's records, e.g. player_event -> player-events."""
        for t in self.topics:
            if t.contract == contract:
                return t
        raise KeyError(f"no topic carries contract {contract!r}")

    def pipeline_subscription(self, topic: str) -> Subscription:
        """The subscription the streaming pipeline reads a topic through."""
        for s in self.subscriptions:
            if s.topic == topic and s.max_delivery_attempts:
                return s
        raise KeyError(f"no pipeline subscription on topic {topic!r}")


def load_declaration(path: Path = DECLARATION_PATH) -> Declaration:
    """Parse and check the declaration: every referenced topic must be declared.

    Raises:
        ValueError: a subscription or dead-letter reference names an undeclared topic.
    """
    doc = yaml.safe_load(path.read_text())
    topics = tuple(
        Topic(
            name=t["name"],
            contract=t.get("contract"),
            description=t.get("description", ""),
            message_retention=t.get("message_retention"),
            dead_letter_topic=t.get("dead_letter_topic"),
        )
        for t in doc["topics"]
    )
    subscriptions = tuple(
        Subscription(
            name=s["name"],
            topic=s["topic"],
            ack_deadline_seconds=int(s.get("ack_deadline_seconds", 10)),
            max_delivery_attempts=s.get("max_delivery_attempts"),
            dead_letter_topic=s.get("dead_letter_topic"),
        )
        for s in doc["subscriptions"]
    )
    names = {t.name for t in topics}
    for ref in [s.topic for s in subscriptions] + [
        x.dead_letter_topic for x in (*topics, *subscriptions) if x.dead_letter_topic
    ]:
        if ref not in names:
            raise ValueError(f"{path.name}: topic {ref!r} is referenced but not declared")
    return Declaration(topics, subscriptions, dict(doc.get("attributes", {})))
