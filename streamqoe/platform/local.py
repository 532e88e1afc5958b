"""The local platform as one unit: what `streamqoe platform up|down|status` starts and stops."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from streamqoe.config import project_id
from streamqoe.platform.pubsub_admin import apply_declaration
from streamqoe.platform.pubsub_emulator import PubSubEmulator

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlatformEndpoints:
    """Where the running emulators answer."""

    project: str
    pubsub_emulator_host: str

    def environment(self) -> dict[str, str]:
        """Environment variables that point the client libraries at the emulators."""
        return {
            "PUBSUB_EMULATOR_HOST": self.pubsub_emulator_host,
            "STREAMQOE_PROJECT": self.project,
        }


def up() -> PlatformEndpoints:
    """Start the Pub/Sub emulator (if needed) and create the declared topics and subscriptions."""
    project = project_id()
    emulator = PubSubEmulator(project=project)
    record = emulator.start()
    endpoints = PlatformEndpoints(project, record.endpoint)
    os.environ.update(endpoints.environment())
    created = apply_declaration(project)
    logger.info("Pub/Sub emulator at %s; created %s", record.endpoint, created)
    return endpoints


def down() -> list[str]:
    """Stop every local emulator; return the names of those that were running."""
    stopped = []
    if PubSubEmulator().stop():
        stopped.append("pubsub-emulator")
    os.environ.pop("PUBSUB_EMULATOR_HOST", None)
    return stopped


def status() -> dict[str, str]:
    """Name -> 'running at host:port (pid N)' or 'stopped', for each local service."""
    record = PubSubEmulator().record()
    return {
        "pubsub-emulator": f"running at {record.endpoint} (pid {record.pid})"
        if record
        else "stopped"
    }


@contextmanager
def running() -> Iterator[PlatformEndpoints]:
    """Bring the platform up for the duration of a block, and down afterwards, whatever happens."""
    try:
        yield up()
    finally:
        down()
