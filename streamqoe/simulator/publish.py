"""Publish a simulation as a real-time (or accelerated) stream to Pub/Sub topics.

Messages go out in order of their delivery time across all chunks (a heap merges chunks: a chunk
can only add messages later than its first view's start), paced so that one simulated second takes
1/speed wall seconds (`speed=0`: as fast as possible). Publishing goes through
streamqoe.pubsub.publisher (google-cloud-pubsub's PublisherClient, which honours
PUBSUB_EMULATOR_HOST). Topics and attributes follow infra/pubsub.yaml: every message
carries schema_version, source and content_type. CDN lines are published one per message (as a
real-time log bridge does); CloudFront lines are tab-separated text, Media CDN lines LogEntry JSON.

`simulate_and_publish` writes the batch files and publishes from the same simulation: the
publisher is a `run.ChunkConsumer`, fed each chunk's outputs in order as the workers finish them
(no second simulation). `publish` streams without writing files.
"""

from __future__ import annotations

import base64
import heapq
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from streamqoe.config import REPO_ROOT, project_id
from streamqoe.pubsub.publisher import Publisher
from streamqoe.simulator.config import SimConfig
from streamqoe.simulator.run import (
    ChunkOutput,
    ProgressCallback,
    RunSummary,
    World3,
    iter_chunk_outputs,
    prepare,
    simulate,
    transcode_outputs,
)

logger = logging.getLogger(__name__)

TOPICS_FILE = REPO_ROOT / "infra" / "pubsub.yaml"
PLAYER_TOPIC, CMCD_TOPIC, CDN_TOPIC, TRANSCODE_TOPIC = (
    "player-events",
    "cmcd-reports",
    "cdn-logs",
    "transcode-events",
)
FUTURES_IN_FLIGHT = 5000


@dataclass(order=True)
class Message:
    """One message to publish at simulated time `at_ms`."""

    at_ms: int
    seq: int
    topic: str
    data: bytes
    attributes: dict[str, str]


def declared_topics(path: Path = TOPICS_FILE) -> set[str]:
    """Return the topic names declared in infra/pubsub.yaml."""
    return {t["name"] for t in yaml.safe_load(path.read_text())["topics"]}


def _attrs(schema_version: str, source: str, content_type: str, **extra: str) -> dict[str, str]:
    return {
        "schema_version": schema_version,
        "source": source,
        "content_type": content_type,
        **extra,
    }


def chunk_messages(out: ChunkOutput, seq0: int) -> list[Message]:
    """Turn one chunk's outputs into messages with their delivery times."""
    msgs: list[Message] = []
    s = seq0
    beacon_attrs = _attrs("1.0", "player-sdk", "application/json")
    for line, at in zip(out.beacons.lines, out.beacons.arrival_ms.tolist(), strict=True):
        msgs.append(Message(at, s, PLAYER_TOPIC, line.encode(), beacon_attrs))
        s += 1
    cmcd_attrs = _attrs("1.0", "cmcd-player", "application/cmcd", cmcd_mode="event")
    for line, at in zip(out.cmcd.lines, out.cmcd.arrival_ms.tolist(), strict=True):
        msgs.append(Message(at, s, CMCD_TOPIC, line.encode(), cmcd_attrs))
        s += 1
    cf_attrs = _attrs("1.0", "cloudfront", "text/plain", log_format="cloudfront_standard")
    for line, at in zip(out.cloudfront.lines(), out.cloudfront.req.t.tolist(), strict=True):
        msgs.append(Message(at + 2000, s, CDN_TOPIC, line.encode(), cf_attrs))
        s += 1
    mc_attrs = _attrs("1.0", "mediacdn", "application/json", log_format="mediacdn_logentry")
    for line, at in zip(out.mediacdn.lines(), out.mediacdn.req.t.tolist(), strict=True):
        msgs.append(Message(at + 2000, s, CDN_TOPIC, line.encode(), mc_attrs))
        s += 1
    return msgs


class MessageMerger:
    """Merge transcode events and chunk outputs into one stream in delivery-time order.

    A chunk only adds messages at or after its first view's start, so everything earlier than the
    next chunk's first view can be released once a chunk has been added.
    """

    def __init__(self, cfg: SimConfig, w3: World3, mediaconvert: list, transcoder: list):
        self.cfg = cfg
        self.starts = w3.sched.start_ms
        self.heap: list[Message] = []
        self.seq = 0
        for at, event in mediaconvert:
            self._push(at, event_json(event), _attrs("1.0", "mediaconvert", "application/json"))
        for at, env in transcoder:
            self._push(
                at,
                base64.b64decode(env["message"]["data"]),
                _attrs("1.0", "transcoder", "application/json", **env["message"]["attributes"]),
            )
        heapq.heapify(self.heap)

    def _push(self, at: int, data: bytes, attrs: dict[str, str]) -> None:
        self.heap.append(Message(at, self.seq, TRANSCODE_TOPIC, data, attrs))
        self.seq += 1

    def add_chunk(self, out: ChunkOutput) -> Iterator[Message]:
        """Add one chunk's messages; yield every message that no later chunk can precede."""
        for m in chunk_messages(out, self.seq):
            heapq.heappush(self.heap, m)
        self.seq += 10_000_000
        nxt = out.chunk * self.cfg.chunk_views + self.cfg.chunk_views
        horizon = int(self.starts[nxt]) if nxt < len(self.starts) else None
        while self.heap and (horizon is None or self.heap[0].at_ms < horizon):
            yield heapq.heappop(self.heap)

    def drain(self) -> Iterator[Message]:
        """Yield whatever is left, in order."""
        while self.heap:
            yield heapq.heappop(self.heap)


def event_json(event: dict) -> bytes:
    """Return a transcode event's message body."""
    return json.dumps(event).encode()


def iter_messages(cfg: SimConfig, w3=None) -> Iterator[Message]:
    """Yield every message of a run in delivery-time order, holding only messages still pending."""
    w3 = w3 or prepare(cfg)
    mc, tc, _ = transcode_outputs(w3, cfg.seed)
    merger = MessageMerger(cfg, w3, mc, tc)
    for out in iter_chunk_outputs(cfg, w3):
        yield from merger.add_chunk(out)
    yield from merger.drain()


class Sender:
    """Publish messages to the declared topics, paced to `speed` simulated seconds per second.

    A thin adapter over streamqoe.pubsub.publisher.Publisher: a message's delivery time, relative
    to the run's start, is its pacing offset; `counts` is the report's messages per topic.
    """

    def __init__(
        self,
        cfg: SimConfig,
        speed: float = 0.0,
        publisher=None,
        create_topics: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ):
        topics = declared_topics()
        for name in (PLAYER_TOPIC, CMCD_TOPIC, CDN_TOPIC, TRANSCODE_TOPIC):
            if name not in topics:
                raise ValueError(f"topic {name} is not declared in {TOPICS_FILE}")
        self.publisher = Publisher(
            project_id(),
            client=publisher,
            window_messages=FUTURES_IN_FLIGHT,
            result_timeout_seconds=None,
            speed=speed,
            on_window=(lambda report: progress(report.published, 0)) if progress else None,
        )
        if create_topics:
            self.publisher.create_topics((PLAYER_TOPIC, CMCD_TOPIC, CDN_TOPIC, TRANSCODE_TOPIC))
        self.sim0 = cfg.start_ms

    @property
    def counts(self) -> dict[str, int]:
        """Messages acknowledged per topic."""
        return self.publisher.report.published_by_topic

    def start_pacing(self) -> None:
        """Make the next message's pacing count from now (the run's start is due now)."""
        self.publisher.start_pacing()

    def send(self, messages: Iterator[Message]) -> None:
        """Publish `messages` (in order), waiting as pacing requires."""
        publish, sim0 = self.publisher.publish, self.sim0
        for m in messages:
            publish(m.topic, m.data, m.attributes, at_seconds=(m.at_ms - sim0) / 1000.0)

    def flush(self) -> None:
        """Wait until every message sent so far is acknowledged.

        Raises:
            PublishError: some message was not published.
        """
        self.publisher.flush()

    def close(self) -> None:
        """Flush, then release the client if the Sender created it."""
        self.publisher.close()


class ChunkPublisher:
    """A run.ChunkConsumer that publishes a run while `simulate` writes it."""

    def __init__(self, cfg: SimConfig, sender: Sender):
        self.cfg = cfg
        self.sender = sender
        self.merger: MessageMerger | None = None

    def begin(self, w3: World3, mediaconvert: list, transcoder: list) -> None:
        self.merger = MessageMerger(self.cfg, w3, mediaconvert, transcoder)
        # Pacing starts with the first message, not with the world's preparation.
        self.sender.start_pacing()

    def chunk(self, out: ChunkOutput) -> None:
        assert self.merger is not None
        self.sender.send(self.merger.add_chunk(out))

    def end(self) -> None:
        assert self.merger is not None
        self.sender.send(self.merger.drain())
        self.sender.flush()


def simulate_and_publish(
    cfg: SimConfig,
    out_dir: str | Path,
    speed: float = 0.0,
    publisher=None,
    create_topics: bool = False,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
) -> tuple[RunSummary, dict[str, int]]:
    """Write a run under `out_dir` and publish the same run; return (summary, messages per topic).

    One simulation feeds both: the files (written by the workers) and the stream (published from
    each chunk's outputs in chunk order). With pacing, the workers run at most a few chunks ahead.
    """
    sender = Sender(cfg, speed, publisher, create_topics)
    summary = simulate(
        cfg, out_dir, progress=progress, workers=workers, consumer=ChunkPublisher(cfg, sender)
    )
    sender.close()
    logger.info("published %s", sender.counts)
    return summary, sender.counts


def publish(
    cfg: SimConfig,
    speed: float = 0.0,
    publisher=None,
    create_topics: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Publish a run to Pub/Sub; return messages published per topic.

    Args:
        speed: simulated seconds per wall second (60 = one hour in a minute); 0 = no pacing.
        publisher: a PublisherClient (created when None; honours PUBSUB_EMULATOR_HOST).
        create_topics: create any missing declared topic first (for emulators).
    """
    sender = Sender(cfg, speed, publisher, create_topics, progress)
    sender.send(iter_messages(cfg))
    sender.close()
    logger.info("published %s", sender.counts)
    return sender.counts
