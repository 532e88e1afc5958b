"""Publish a request's units to Pub/Sub and wait until every one is acknowledged.

Built on google-cloud-pubsub's PublisherClient with batching (limits.BATCH_*) and message
ordering (one ordering key per view, session or job). Each message is retried with exponential
backoff for at most `deadline_seconds`; when any message of a request fails, `PublishUnavailable`
is raised and the handler answers 503 with Retry-After, so a 2xx always means every unit was
acknowledged by Pub/Sub. A failed ordering key is resumed at once (the client pauses it).

Why not streamqoe.pubsub.publisher.Publisher: that one is a single-thread, windowed publisher for
bulk streams (it waits for whole windows); a request handler must wait for exactly its own
messages, concurrently with other requests, without blocking the event loop.

Left out: what the messages hold (collector.units) and which topic a contract goes to
(infra/pubsub.yaml, through streamqoe.pubsub.declaration).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from collector import limits

logger = logging.getLogger(__name__)

WAIT_MARGIN_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Message:
    """One message: topic name, payload, attributes, ordering key ('' for none)."""

    topic: str
    data: bytes
    attributes: Mapping[str, str]
    ordering_key: str = ""


class PublishUnavailable(RuntimeError):
    """Pub/Sub did not acknowledge every message of a request within the retry budget."""


def _retry(deadline_seconds: float) -> Any:
    from google.api_core import exceptions as gexc
    from google.api_core import retry

    return retry.Retry(
        predicate=retry.if_exception_type(
            gexc.Aborted,
            gexc.Cancelled,
            gexc.DeadlineExceeded,
            gexc.InternalServerError,
            gexc.ResourceExhausted,
            gexc.ServiceUnavailable,
            gexc.Unknown,
        ),
        initial=limits.PUBLISH_RETRY_INITIAL_SECONDS,
        maximum=limits.PUBLISH_RETRY_MAX_SECONDS,
        multiplier=2.0,
        timeout=deadline_seconds,
    )


class PubSubSink:
    """Publish messages to the topics of one project; `publish` waits for their ids.

    Args:
        project: the topics' project.
        deadline_seconds: the retry budget of each message.
        observe: called with (topic, seconds) for each acknowledged message (a histogram).
    """

    def __init__(
        self,
        project: str,
        *,
        deadline_seconds: float = limits.PUBLISH_DEADLINE_SECONDS,
        observe: Callable[[str, float], None] | None = None,
    ):
        from google.cloud import pubsub_v1
        from google.cloud.pubsub_v1.types import BatchSettings, PublisherOptions

        self.project = project
        self.deadline_seconds = deadline_seconds
        self.observe = observe
        self.client = pubsub_v1.PublisherClient(
            batch_settings=BatchSettings(
                max_messages=limits.BATCH_MAX_MESSAGES,
                max_bytes=limits.BATCH_MAX_BYTES,
                max_latency=limits.BATCH_MAX_LATENCY_SECONDS,
            ),
            publisher_options=PublisherOptions(
                enable_message_ordering=True,
                retry=_retry(deadline_seconds),
                timeout=deadline_seconds,
            ),
        )
        self._paths: dict[str, str] = {}

    def topic_path(self, topic: str) -> str:
        path = self._paths.get(topic)
        if path is None:
            path = self._paths[topic] = self.client.topic_path(self.project, topic)
        return path

    async def publish(self, messages: Sequence[Message]) -> list[str]:
        """Publish `messages`, wait for all of them; return their ids in order.

        Raises:
            PublishUnavailable: some message was not acknowledged (the others may have been).
        """
        if not messages:
            return []
        started = time.perf_counter()
        budget = self.deadline_seconds + WAIT_MARGIN_SECONDS
        try:
            # The client's publish can block (its batch lock, while a commit to a peer that went
            # away is stuck), so it runs off the event loop; and its own retry deadline is not
            # always honoured (a peer that stops answering keeps the RPC open), so the whole
            # wait is bounded here.
            async with asyncio.timeout(budget):
                futures = await asyncio.to_thread(
                    self._submit, messages, asyncio.get_running_loop()
                )
                results = await asyncio.gather(*futures, return_exceptions=True)
        except TimeoutError:
            for m in messages:  # in the background: resuming takes the client's lock too
                self._background(self._resume, self.topic_path(m.topic), m.ordering_key)
            logger.warning("%d messages not acknowledged within %.1f s", len(messages), budget)
            raise PublishUnavailable(f"not acknowledged within {budget:g} s") from None
        elapsed = time.perf_counter() - started
        failures = [
            (m, r) for m, r in zip(messages, results, strict=True) if isinstance(r, BaseException)
        ]
        for m, _ in failures:
            self._background(self._resume, self.topic_path(m.topic), m.ordering_key)
        if failures:
            m, error = failures[0]
            logger.warning(
                "%d of %d messages not published (first, to %s: %s: %s)",
                len(failures),
                len(messages),
                m.topic,
                type(error).__name__,
                error,
            )
            raise PublishUnavailable(f"{type(error).__name__}: {error}")
        if self.observe is not None:
            for m in messages:
                self.observe(m.topic, elapsed)
        return [str(r) for r in results]

    @staticmethod
    def _background(function: Callable[..., Any], *args: Any) -> None:
        """Run `function` in a daemon thread (never joined: it may block on the client's lock)."""
        threading.Thread(target=function, args=args, daemon=True).start()

    async def _in_daemon_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        """Await `function(*args, loop)` run in a daemon thread, so that a call stuck on the
        client's lock neither blocks the event loop nor keeps the process from exiting (a
        ThreadPoolExecutor's workers are joined at exit)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future = loop.create_future()

        def settle(result: Any, error: BaseException | None) -> None:
            if done.cancelled():
                return
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(result)

        def run() -> None:
            try:
                result, error = function(*args, loop), None
            except BaseException as exc:  # handed to the awaiting request
                result, error = None, exc
            loop.call_soon_threadsafe(settle, result, error)

        self._background(run)
        return await done

    def _submit(
        self, messages: Sequence[Message], loop: asyncio.AbstractEventLoop
    ) -> list[asyncio.Future]:
        """Hand the messages to the client (in a worker thread); return the loop's futures."""
        futures = []
        for m in messages:
            path = self.topic_path(m.topic)
            try:
                future = self.client.publish(
                    path, m.data, ordering_key=m.ordering_key, **dict(m.attributes)
                )
            except Exception as exc:  # e.g. a paused ordering key, a stopped client
                self._resume(path, m.ordering_key)
                raise PublishUnavailable(f"{type(exc).__name__}: {exc}") from exc
            futures.append(asyncio.wrap_future(future, loop=loop))
        return futures

    def _resume(self, path: str, ordering_key: str) -> None:
        if ordering_key:
            try:
                self.client.resume_publish(path, ordering_key)
            except Exception:  # resuming a key that is not paused is harmless
                logger.debug("resume_publish(%s, %s) failed", path, ordering_key, exc_info=True)

    def close(self) -> None:
        """Send what is batched and stop the client."""
        self.client.stop()
