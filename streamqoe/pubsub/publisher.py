"""Publish messages to Pub/Sub topics: the one publisher the simulator, the app and the bench use.

Built on google-cloud-pubsub's PublisherClient (so it honours PUBSUB_EMULATOR_HOST), with:
- batching: the client's BatchSettings, passed through;
- a bounded window of outstanding futures: once `window_messages` publishes are unacknowledged,
  `publish` waits for all of them before returning, so memory stays flat on long streams;
- pacing (optional): each message may carry its schedule offset `at_seconds`; with `speed > 0` it
  is sent no earlier than `origin + at_seconds / speed` on the publisher's clock, and how far the
  publisher fell behind that schedule is reported;
- accounting: messages acknowledged (in total and per topic, optionally with their ids) and
  messages failed, with the first few errors; by default a failure raises `PublishError` once its
  window has been waited for, or it is only counted (`raise_on_failure=False`).

A Publisher is used from one thread. Left out: which topics exist and what the messages hold
(streamqoe.pubsub.declaration, the callers), subscribing, and message ordering keys (no caller
needs them yet).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from google.cloud.pubsub_v1.types import BatchSettings

logger = logging.getLogger(__name__)

PUBLISH_WINDOW_MESSAGES = 2000
RESULT_TIMEOUT_SECONDS = 60.0
FAILURES_KEPT = 10
# Keyword arguments of PublisherClient.publish: an attribute of that name would be taken for one.
RESERVED_ATTRIBUTE_NAMES = frozenset({"ordering_key", "retry", "timeout"})


class OutgoingMessage(Protocol):
    """What `publish_messages` sends: a topic name, the payload and its attributes."""

    @property
    def topic(self) -> str: ...

    @property
    def data(self) -> bytes: ...

    @property
    def attributes(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class PublishFailure:
    """One message the service did not acknowledge: its topic, position and error."""

    topic: str
    index: int
    error: BaseException

    def __str__(self) -> str:
        error = f"{type(self.error).__name__}: {self.error}"
        return f"message {self.index} to topic {self.topic!r}: {error}"


@dataclass
class PublishReport:
    """What a Publisher has sent so far.

    Attributes:
        published: messages acknowledged by the service.
        failed: messages whose publish failed (or timed out while waiting for the result).
        published_by_topic: acknowledged messages per topic name (as passed to `publish`).
        message_ids: the acknowledged messages' ids in publish order (with `keep_message_ids`).
        failures: the first FAILURES_KEPT failures.
        behind_seconds: the most a paced message was sent after its scheduled time.
    """

    published: int = 0
    failed: int = 0
    published_by_topic: dict[str, int] = field(default_factory=dict)
    message_ids: list[str] = field(default_factory=list)
    failures: list[PublishFailure] = field(default_factory=list)
    behind_seconds: float = 0.0

    def describe(self) -> str:
        """Return a one-line summary naming the first failure, if any."""
        text = f"{self.published} published, {self.failed} failed"
        if self.failures:
            text += f" (first: {self.failures[0]})"
        return text


class PublishError(RuntimeError):
    """Some messages were not published; `report` holds the counts and the first errors."""

    def __init__(self, report: PublishReport):
        total = report.published + report.failed
        first = f" (first: {report.failures[0]})" if report.failures else ""
        super().__init__(f"{report.failed} of {total} messages failed to publish{first}")
        self.report = report


class Publisher:
    """Publish messages to topics of one project, windowed, optionally paced, with a report.

    Args:
        project: the Google Cloud project of the topics.
        client: a PublisherClient (or anything with its `topic_path`/`publish`) to use; it is not
            stopped on close. None: create one (honours PUBSUB_EMULATOR_HOST), stopped on close.
        batch_settings: the created client's BatchSettings (None: the library's defaults).
        window_messages: most publishes left unacknowledged before `publish` waits for them all.
        result_timeout_seconds: how long to wait for each message's result; None waits as long
            as the client takes (its own publish timeout and retries still apply).
        raise_on_failure: raise PublishError when a waited-for window (or `flush`) had failures;
            False: only count them in `report`.
        keep_message_ids: record every acknowledged message id in `report.message_ids`.
        speed: schedule seconds per clock second for paced messages (`publish(at_seconds=...)`);
            0: no pacing.
        clock: the pacing clock (seconds); `publish` returns its reading at each send.
        on_window: called with the report after each full window has been acknowledged.

    Raises:
        ValueError: batch_settings given together with a client, or a window below 1.
    """

    def __init__(
        self,
        project: str,
        *,
        client: Any | None = None,
        batch_settings: BatchSettings | None = None,
        window_messages: int = PUBLISH_WINDOW_MESSAGES,
        result_timeout_seconds: float | None = RESULT_TIMEOUT_SECONDS,
        raise_on_failure: bool = True,
        keep_message_ids: bool = False,
        speed: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        on_window: Callable[[PublishReport], None] | None = None,
    ):
        if window_messages < 1:
            raise ValueError(f"window_messages must be at least 1, got {window_messages}")
        if client is not None and batch_settings is not None:
            raise ValueError("batch_settings apply only to a client the Publisher creates")
        self.owns_client = client is None
        if client is None:
            from google.cloud import pubsub_v1

            client = (
                pubsub_v1.PublisherClient(batch_settings=batch_settings)
                if batch_settings is not None
                else pubsub_v1.PublisherClient()
            )
        self.client = client
        self.project = project
        self.window_messages = window_messages
        self.result_timeout_seconds = result_timeout_seconds
        self.raise_on_failure = raise_on_failure
        self.keep_message_ids = keep_message_ids
        self.speed = speed
        self.clock = clock
        self.on_window = on_window
        self.report = PublishReport()
        self.origin = clock()
        self._paths: dict[str, str] = {}
        self._outstanding: list[tuple[str, Any]] = []
        self._sent = 0
        self._closed = False

    @property
    def outstanding(self) -> int:
        """Messages sent and not yet waited for (never more than window_messages - 1 between
        calls)."""
        return len(self._outstanding)

    def topic_path(self, topic: str) -> str:
        """Return the full path of `topic` (a name, or already `projects/.../topics/...`)."""
        path = self._paths.get(topic)
        if path is None:
            path = (
                topic
                if topic.startswith("projects/")
                else self.client.topic_path(self.project, topic)
            )
            self._paths[topic] = path
        return path

    def create_topics(self, topics: Iterable[str]) -> None:
        """Create each topic that does not exist yet (for emulators; production uses Terraform)."""
        from google.api_core.exceptions import AlreadyExists

        for topic in topics:
            try:
                self.client.create_topic(name=self.topic_path(topic))
            except AlreadyExists:
                logger.debug("topic %s exists", topic)

    def start_pacing(self, origin: float | None = None) -> None:
        """Set the clock reading that schedule offset 0 maps to (default: now)."""
        self.origin = self.clock() if origin is None else origin

    def publish(
        self,
        topic: str,
        data: bytes,
        attributes: Mapping[str, str] | None = None,
        *,
        at_seconds: float | None = None,
    ) -> float:
        """Send one message (first waiting for its time when paced; then for the window if full).

        Args:
            topic: topic name in the project, or a full topic path.
            data: the payload.
            attributes: message attributes (str to str).
            at_seconds: schedule offset from the pacing origin; used when `speed > 0`.

        Returns:
            The clock reading just before the message was handed to the client.

        Raises:
            PublishError: a window waited for here had failures (with `raise_on_failure`).
            ValueError: an attribute name is one of RESERVED_ATTRIBUTE_NAMES.
            RuntimeError: the publisher is closed.
        """
        if self._closed:
            raise RuntimeError("publish on a closed Publisher")
        if at_seconds is not None and self.speed > 0:
            wait = self.origin + at_seconds / self.speed - self.clock()
            if wait > 0:
                time.sleep(wait)
            elif -wait > self.report.behind_seconds:
                self.report.behind_seconds = -wait
        attrs = attributes or {}
        if attrs and not RESERVED_ATTRIBUTE_NAMES.isdisjoint(attrs):
            raise ValueError(
                f"attribute names {sorted(RESERVED_ATTRIBUTE_NAMES & set(attrs))} are reserved "
                "by PublisherClient.publish"
            )
        path = self._paths.get(topic) or self.topic_path(topic)
        sent_at = self.clock()
        self._outstanding.append((topic, self.client.publish(path, data, **attrs)))
        if len(self._outstanding) >= self.window_messages:
            self._wait_outstanding()
            if self.on_window is not None:
                self.on_window(self.report)
        return sent_at

    def flush(self) -> PublishReport:
        """Wait for every message sent so far; return the report.

        Raises:
            PublishError: some message failed (with `raise_on_failure`).
        """
        self._wait_outstanding()
        return self.report

    def close(self) -> PublishReport:
        """Flush, then stop the client if this Publisher created it; return the report."""
        if self._closed:
            return self.report
        try:
            return self.flush()
        finally:
            self._stop()

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:  # already failing: do not wait for results, just release the client
            self._stop()

    def _stop(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.owns_client:
            self.client.stop()

    def _wait_outstanding(self) -> None:
        report = self.report
        timeout = self.result_timeout_seconds
        failed_before = report.failed
        for topic, future in self._outstanding:
            index = self._sent
            self._sent += 1
            try:
                message_id = future.result() if timeout is None else future.result(timeout=timeout)
            except Exception as exc:  # counted and reported, raised below as PublishError
                report.failed += 1
                if len(report.failures) < FAILURES_KEPT:
                    report.failures.append(PublishFailure(topic, index, exc))
                continue
            report.published += 1
            report.published_by_topic[topic] = report.published_by_topic.get(topic, 0) + 1
            if self.keep_message_ids:
                report.message_ids.append(message_id)
        self._outstanding.clear()
        if report.failed > failed_before:
            logger.warning("publish failures: %s", report.describe())
            if self.raise_on_failure:
                raise PublishError(report) from report.failures[0].error


def publish_messages(
    project: str, messages: Iterable[OutgoingMessage], **options: Any
) -> PublishReport:
    """Publish `messages` in order with a Publisher built from `options`; wait for them all.

    Raises:
        PublishError: some message failed (unless `raise_on_failure=False`).
    """
    with Publisher(project, **options) as publisher:
        for message in messages:
            publisher.publish(message.topic, message.data, message.attributes)
    return publisher.report
