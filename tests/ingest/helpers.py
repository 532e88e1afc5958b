"""Shared test helpers: fixture paths, a fixed receive time, and outcome splitting."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from streamqoe.contracts.registry import violations
from streamqoe.ingest.outcome import DeadLetter, Outcome, Record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
RECEIVED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def split(outcomes: list[Outcome]) -> tuple[list[dict], list[DeadLetter]]:
    """Return (records, dead letters), asserting each is valid against its contract."""
    records, dead = [], []
    for outcome in outcomes:
        if isinstance(outcome, Record):
            assert violations(outcome.contract, outcome.record) == [], outcome.record
            records.append(outcome.record)
        else:
            assert isinstance(outcome, DeadLetter)
            assert violations("dead_letter", outcome.letter) == [], outcome.letter
            dead.append(outcome)
    return records, dead


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
