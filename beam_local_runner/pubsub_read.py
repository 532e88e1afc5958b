"""The local runner's Pub/Sub read: drain what a subscription holds per bundle.

What Beam 2.77 does: the BundleBasedDirectRunner replaces every ReadFromPubSub by
`_DirectReadFromPubSub` (apache_beam/runners/direct/direct_runner.py:
_get_pubsub_transform_overrides), evaluated by `_PubSubReadEvaluator`
(apache_beam/runners/direct/transform_evaluator.py). Its `_read_from_pubsub` makes one
`pull(max_messages=10, timeout=30)` per bundle, which blocks up to 30 s when the subscription is
empty, and the runner sends every bundle through the whole graph before it pulls again: a few
dozen events per second. Its `finish_bundle` then sets the read's watermark hold to the wall
clock (`Timestamp.of(time.time())`, under "TODO(udim): Correct value for watermark hold") even
when messages are left behind, which makes a backlog late.

What the fix does: `DrainingPubSubReadEvaluator` pulls up to LOCAL_BUNDLE_MAX_MESSAGES per bundle
without blocking and holds its watermark at the newest publish time read while a backlog remains,
for sources that carry a LocalPull (`read_subscription`); every other read keeps Beam's
behaviour. It is registered through `TransformEvaluatorRegistry._test_evaluators_overrides`
(transform_evaluator.py: a class-level dict that TransformEvaluatorRegistry.__init__ merges over
its evaluators), process-wide, by `register_draining_read`. Dataflow uses none of this.

Upstream: apache/beam#25442 (open: the 30 s pull timeout of this evaluator stalls pipelines that
read several subscriptions); for the 10-message pulls and the wall-clock watermark hold, none
found (behaviour at transform_evaluator.py: _PubSubReadEvaluator._read_from_pubsub and
_PubSubReadEvaluator.finish_bundle).

Delete when the BundleBasedDirectRunner's Pub/Sub read neither blocks on an empty subscription
nor stops at 10 messages a bundle, and keeps its watermark behind a backlog; or when local
streaming moves to a runner that needs no fix (beam_version.py).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from apache_beam.io.gcp.pubsub import PubsubMessage, ReadFromPubSub
from apache_beam.runners.direct.direct_runner import _DirectReadFromPubSub
from apache_beam.runners.direct.transform_evaluator import (
    TransformEvaluatorRegistry,
    _PubSubReadEvaluator,
)
from apache_beam.utils.timestamp import Timestamp

from beam_local_runner.beam_version import check_beam_version

# Messages per pull request (the emulator answers with at most 100 or so), per bundle, and how
# long an empty drain sleeps once the pipeline's drains have all come back empty for
# LOCAL_IDLE_AFTER_SECONDS (the runner re-reads at once otherwise: a busy loop when idle).
LOCAL_PULL_REQUEST_MESSAGES = 1000
LOCAL_BUNDLE_MAX_MESSAGES = 5000
LOCAL_IDLE_AFTER_SECONDS = 1.0
LOCAL_IDLE_SLEEP_SECONDS = 0.05
LOCAL_PULL_ATTRIBUTE = "streamqoe_local_pull"


@dataclass(frozen=True)
class LocalPull:
    """How the local runner reads one subscription (set on the ReadFromPubSub source).

    Attributes:
        max_messages: most messages in one bundle.
        group: id shared by the reads of one pipeline (their common idle clock).
    """

    max_messages: int
    group: str


_empty_since: dict[str, float] = {}


@dataclass
class PullStats:
    """What the local runner's Pub/Sub reads of this process did: drains, pull requests,
    messages, seconds spent draining (in the runner's thread), of which pulling, acknowledging
    and sleeping while idle. For benchmarks (Beam's counters are unreliable on this runner)."""

    drains: int = 0
    pulls: int = 0
    messages: int = 0
    seconds: float = 0.0
    pull_seconds: float = 0.0
    ack_seconds: float = 0.0
    idle_seconds: float = 0.0


PULL_STATS = PullStats()


def drain_subscription(
    client: Any, subscription: str, pull: LocalPull
) -> list[tuple[Timestamp, PubsubMessage]]:
    """Pull and acknowledge what `subscription` holds, up to `pull.max_messages`, never blocking
    on an empty subscription; return (publish time, message) pairs in the order received.

    Acknowledged on receipt (one request per LOCAL_PULL_REQUEST_MESSAGES ids), as Beam's
    DirectRunner read does (it cannot re-read either). Messages are read from the raw protobuf
    (proto-plus field access costs ~25 us per message). An empty drain sleeps
    LOCAL_IDLE_SLEEP_SECONDS once every drain of the same pipeline has come back empty for
    LOCAL_IDLE_AFTER_SECONDS, so idle subscriptions neither spin the runner nor slow a busy one
    (the emulator may answer empty while messages wait: one empty answer means nothing).
    """
    started = time.monotonic()
    out: list[tuple[Timestamp, PubsubMessage]] = []
    ack_ids: list[str] = []
    while len(out) < pull.max_messages:
        asked = time.monotonic()
        with warnings.catch_warnings():
            # deprecated for Google's service (it may answer empty while messages wait); the
            # emulator honours it, and an empty answer only means "read again later" here
            warnings.simplefilter("ignore", DeprecationWarning)
            response = client.pull(
                subscription=subscription,
                max_messages=min(LOCAL_PULL_REQUEST_MESSAGES, pull.max_messages - len(out)),
                return_immediately=True,
                timeout=30,
            )
        PULL_STATS.pulls += 1
        PULL_STATS.pull_seconds += time.monotonic() - asked
        received = type(response).pb(response).received_messages
        if not received:
            break
        for item in received:
            message = item.message
            published = message.publish_time
            ack_ids.append(item.ack_id)
            out.append(
                (
                    Timestamp(seconds=published.seconds, micros=published.nanos // 1000),
                    PubsubMessage(
                        message.data,
                        dict(message.attributes),
                        message_id=message.message_id or None,
                        publish_time=published.ToDatetime(tzinfo=UTC),
                        ordering_key=message.ordering_key,
                    ),
                )
            )
    acked = time.monotonic()
    for at in range(0, len(ack_ids), LOCAL_PULL_REQUEST_MESSAGES):
        client.acknowledge(
            subscription=subscription, ack_ids=ack_ids[at : at + LOCAL_PULL_REQUEST_MESSAGES]
        )
    now = time.monotonic()
    PULL_STATS.ack_seconds += now - acked
    if out:
        _empty_since.pop(pull.group, None)
    elif now - _empty_since.setdefault(pull.group, now) > LOCAL_IDLE_AFTER_SECONDS:
        time.sleep(LOCAL_IDLE_SLEEP_SECONDS)
        PULL_STATS.idle_seconds += LOCAL_IDLE_SLEEP_SECONDS
    PULL_STATS.drains += 1
    PULL_STATS.messages += len(out)
    PULL_STATS.seconds += time.monotonic() - started
    return out


_holds: dict[tuple[str, str], Timestamp] = {}


class DrainingPubSubReadEvaluator(_PubSubReadEvaluator):
    """The BundleBasedDirectRunner's Pub/Sub read, draining the subscription (drain_subscription)
    when the source carries a LocalPull; Beam's own read (10 messages, blocking pull) otherwise.

    Overrides `_PubSubReadEvaluator._read_from_pubsub` (Beam: one blocking pull of 10) and
    extends `finish_bundle` (Beam: watermark hold = wall clock after every pull, even when
    messages are left behind, which makes them late). When a drain stops at the bundle cap, this
    one holds its watermark at the newest publish time read instead (the emulator delivers in
    publish order); it never moves back. Relies on the evaluator's private `source`,
    `_sub_name`, `_applied_ptransform` and `_get_subscriber_client` as they are in 2.77.
    """

    def _read_from_pubsub(self, timestamp_attribute: str | None) -> list[Any]:
        self._hold: Timestamp | None = None
        pull = getattr(self.source, LOCAL_PULL_ATTRIBUTE, None)
        if pull is None or timestamp_attribute:
            return super()._read_from_pubsub(timestamp_attribute)
        client = self._get_subscriber_client(self._applied_ptransform)
        data = drain_subscription(client, self._sub_name, pull)
        key = (pull.group, self._sub_name)
        hold = Timestamp.of(time.time())
        if len(data) >= pull.max_messages:
            hold = min(hold, max(timestamp for timestamp, _ in data))
        self._hold = _holds[key] = max(hold, _holds.get(key, hold))
        return data

    def finish_bundle(self) -> Any:
        result = super().finish_bundle()
        if self._hold is not None:
            result.keyed_watermark_holds[None] = self._hold
        return result


def read_subscription(path: str, local: LocalPull | None) -> ReadFromPubSub:
    """ReadFromPubSub with attributes; on the local runner its source carries `local` (an
    attribute set on the transform's private `_source`, the `_PubSubSource` that
    apache_beam/io/gcp/pubsub.py: ReadFromPubSub.__init__ builds and that
    _get_pubsub_transform_overrides hands to `_DirectReadFromPubSub`). Only the local runner
    calls this: pipelines/streaming.py uses Beam's ReadFromPubSub itself on any other."""
    read = ReadFromPubSub(subscription=path, with_attributes=True)
    if local is not None:
        setattr(read._source, LOCAL_PULL_ATTRIBUTE, local)
    return read


def register_draining_read() -> None:
    """Map the runner's replacement of ReadFromPubSub to DrainingPubSubReadEvaluator (through
    the evaluator registry's override hook, `TransformEvaluatorRegistry._test_evaluators_overrides`;
    process-wide, idempotent). Reads without a LocalPull behave as Beam's own.

    Raises:
        UnsupportedBeamVersion: Beam is not SUPPORTED_BEAM_VERSION (nothing is registered).
    """
    check_beam_version()
    TransformEvaluatorRegistry._test_evaluators_overrides[_DirectReadFromPubSub] = (
        DrainingPubSubReadEvaluator
    )
