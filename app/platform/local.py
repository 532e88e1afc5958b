"""The local platform as one unit: what `streamqoe platform up|down|status` starts and stops.

Always: Google's Pub/Sub emulator with the declared topics and subscriptions. On request: the
BigQuery emulator and the OAuth token stub that clients needing real credentials refresh against.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from app.platform.bigquery_emulator import BigQueryEmulator, OAuthTokenStub, emulator_env
from app.platform.pubsub_admin import apply_declaration
from app.platform.pubsub_emulator import PubSubEmulator
from streamqoe.config import project_id

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlatformEndpoints:
    """Where the running emulators answer."""

    project: str
    pubsub_emulator_host: str
    bigquery_environment: dict[str, str] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        """Environment variables that point the client libraries at the emulators."""
        return {
            "PUBSUB_EMULATOR_HOST": self.pubsub_emulator_host,
            "STREAMQOE_PROJECT": self.project,
            **self.bigquery_environment,
        }


def up(bigquery: bool = False) -> PlatformEndpoints:
    """Start the Pub/Sub emulator (if needed) and create the declared topics and subscriptions.

    Args:
        bigquery: also start the BigQuery emulator (installed in its own virtualenv on first use)
            and the OAuth token stub.
    """
    project = project_id()
    record = PubSubEmulator(project=project).start()
    bigquery_env: dict[str, str] = {}
    if bigquery:
        emulator = BigQueryEmulator()
        emulator.start(project=project)
        stub = OAuthTokenStub()
        stub.start()
        bigquery_env = emulator_env(emulator.endpoint, stub.credentials_path, project)
    endpoints = PlatformEndpoints(project, record.endpoint, bigquery_env)
    os.environ.update(endpoints.environment())
    created = apply_declaration(project)
    logger.info("Pub/Sub emulator at %s; created %s", record.endpoint, created)
    return endpoints


def _services() -> dict[str, PubSubEmulator | BigQueryEmulator | OAuthTokenStub]:
    return {
        "pubsub-emulator": PubSubEmulator(),
        "bigquery-emulator": BigQueryEmulator(),
        "oauth-token-stub": OAuthTokenStub(),
    }


def down() -> list[str]:
    """Stop every local service; return the names of those that were running."""
    stopped = [name for name, service in _services().items() if service.stop()]
    os.environ.pop("PUBSUB_EMULATOR_HOST", None)
    return stopped


def status() -> dict[str, str]:
    """Name -> 'running at host:port (pid N)' or 'stopped', for each local service."""
    out = {}
    for name, service in _services().items():
        record = service.record()
        out[name] = f"running at {record.endpoint} (pid {record.pid})" if record else "stopped"
    return out


@contextmanager
def running(bigquery: bool = False) -> Iterator[PlatformEndpoints]:
    """Bring the platform up for the duration of a block, and down afterwards, whatever happens."""
    try:
        yield up(bigquery=bigquery)
    finally:
        down()
