"""Shared fixtures: a real Pub/Sub emulator and a throwaway embedded warehouse.

Tests that need the emulator are marked `integration`; the fixture starts Google's emulator on a free
port with its state in a temporary folder, and stops it (the whole process group) afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from streamqoe.platform.pubsub_admin import apply_declaration
from streamqoe.platform.pubsub_emulator import PubSubEmulator
from streamqoe.warehouse.duckdb_warehouse import DuckDBWarehouse

TEST_PROJECT = "streamqoe-local"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test's local state (warehouse, emulator records) out of the working tree."""
    monkeypatch.setenv("STREAMQOE_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(scope="session")
def pubsub_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PubSubEmulator]:
    """A running Pub/Sub emulator with the declared topics and subscriptions."""
    emulator = PubSubEmulator(state_dir=tmp_path_factory.mktemp("pubsub"), project=TEST_PROJECT)
    record = emulator.start()
    previous = os.environ.get("PUBSUB_EMULATOR_HOST")
    os.environ["PUBSUB_EMULATOR_HOST"] = record.endpoint
    try:
        apply_declaration(TEST_PROJECT)
        yield emulator
    finally:
        emulator.stop()
        if previous is None:
            os.environ.pop("PUBSUB_EMULATOR_HOST", None)
        else:
            os.environ["PUBSUB_EMULATOR_HOST"] = previous


@pytest.fixture
def pubsub_env(pubsub_emulator: PubSubEmulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """PUBSUB_EMULATOR_HOST for one test (the autouse data-dir fixture must not hide it)."""
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", pubsub_emulator.host)
    monkeypatch.setenv("STREAMQOE_PROJECT", TEST_PROJECT)
    return pubsub_emulator.host


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    """An empty embedded warehouse with every contract table created."""
    with DuckDBWarehouse(tmp_path / "warehouse.duckdb") as wh:
        wh.ensure_tables()
        yield wh
