"""Shared fixtures: a real Pub/Sub emulator and a throwaway embedded warehouse.

Tests that need the emulator are marked `integration`; the fixture starts Google's emulator on a free
port with its state in a temporary folder, and stops it (the whole process group) afterwards.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.platform import bigquery_emulator as bqe
from app.platform.pubsub_admin import apply_declaration
from app.platform.pubsub_emulator import PubSubEmulator
from streamqoe.warehouse.duckdb_warehouse import DuckDBWarehouse

TEST_PROJECT = "streamqoe-local"
# Resolved once, before the autouse fixture moves STREAMQOE_DATA_DIR per test: every BigQuery
# emulator of the run shares one install (its own virtualenv, see docs/bigquery-emulator.md).
BQEMULATOR_VENV = bqe.default_venv_dir()


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test's local state (warehouse, emulator records) out of the working tree."""
    monkeypatch.setenv("STREAMQOE_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(scope="session")
def pubsub_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PubSubEmulator]:
    """A running Pub/Sub emulator shared by the whole run (started once, stopped at the end)."""
    emulator = PubSubEmulator(state_dir=tmp_path_factory.mktemp("pubsub"), project=TEST_PROJECT)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


_projects = itertools.count(1)


@pytest.fixture
def pubsub_env(pubsub_emulator: PubSubEmulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """A project of its own on the shared emulator, with the declared topics and subscriptions.

    Each test gets a fresh project id (the emulator keeps projects apart), so messages one test
    leaves behind never reach another. Sets PUBSUB_EMULATOR_HOST and STREAMQOE_PROJECT; returns
    the project id.
    """
    project = f"streamqoe-test-{next(_projects)}"
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", pubsub_emulator.host)
    monkeypatch.setenv("STREAMQOE_PROJECT", project)
    apply_declaration(project)
    return project


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    """An empty embedded warehouse with every contract table created."""
    with DuckDBWarehouse(tmp_path / "warehouse.duckdb") as wh:
        wh.ensure_tables()
        yield wh


@pytest.fixture(scope="session")
def bigquery_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bqe.BigQueryEmulator]:
    """A running BigQuery emulator (installed into its own virtualenv on first use)."""
    state = tmp_path_factory.mktemp("bigquery")
    emulator = bqe.BigQueryEmulator(
        state_dir=state, storage_dir=state / "storage", venv_dir=BQEMULATOR_VENV
    )
    bqe.ensure_installed(BQEMULATOR_VENV)
    emulator.start(project=TEST_PROJECT, ephemeral=True)
    try:
        yield emulator
    finally:
        emulator.stop()
