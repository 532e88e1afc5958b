"""infra/pubsub.yaml is consistent with the contracts and is what Terraform reads."""

from __future__ import annotations

import pytest

from streamqoe.config import REPO_ROOT
from streamqoe.contracts.registry import contracts
from streamqoe.pubsub.declaration import load_declaration


def test_topics_carry_known_contracts_and_have_a_pipeline_subscription() -> None:
    declaration = load_declaration()
    carrying = [t for t in declaration.topics if t.contract]
    assert {t.contract for t in carrying} <= set(contracts())
    for topic in carrying:
        sub = declaration.pipeline_subscription(topic.name)
        assert sub.dead_letter_topic == topic.dead_letter_topic
        assert sub.max_delivery_attempts >= 5


def test_undeclared_references_are_rejected(tmp_path) -> None:
    bad = tmp_path / "pubsub.yaml"
    bad.write_text("topics: [{name: a}]\nsubscriptions: [{name: s, topic: b}]\n")
    with pytest.raises(ValueError, match="topic 'b' is referenced but not declared"):
        load_declaration(bad)


def test_terraform_reads_the_same_declaration() -> None:
    tf = (REPO_ROOT / "infra" / "terraform" / "pubsub.tf").read_text()
    assert 'yamldecode(file("${path.module}/../pubsub.yaml"))' in tf
