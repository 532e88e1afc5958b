"""Fixtures for the collector tests: the ASGI app on the real Pub/Sub emulator, and a puller.

Requests go through Starlette's TestClient (the real app, in process); every message is published
to the emulator of tests/conftest.py and pulled back from the declared subscriptions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from collector.settings import Settings


@pytest.fixture
def make_client(pubsub_env: str) -> Iterator[Callable[..., Any]]:
    """Build a TestClient over a Collector whose settings are the environment's plus overrides."""
    opened: list[Any] = []

    def make(**overrides: Any) -> Any:
        from collector.app import Collector

        settings = dataclasses.replace(Settings.from_env(), **overrides)
        client = TestClient(Collector(settings).app, client=("198.51.100.77", 50000))
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., Any]) -> Any:
    return make_client()
