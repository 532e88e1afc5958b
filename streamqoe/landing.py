"""Turn received messages into contract records or dead letters, and land both.

This is the accounting core every path shares: each input unit ends as exactly one of
- a record valid against its contract (a JSON array is several units, one per element), or
- a dead letter (schemas/dead_letter.v1.json) with the stage, the reason and the raw bytes.
It raises on nothing a sender can put in a message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from streamqoe.contracts.registry import contract, violations
from streamqoe.dead_letters import dead_letter as build_dead_letter
from streamqoe.warehouse.base import Warehouse


@dataclass(frozen=True)
class Landed:
    """One record valid against `contract`, with the id of the unit it came from."""

    contract: str
    record: Mapping[str, Any]
    ingest_id: str | None


@dataclass(frozen=True)
class DeadLetter:
    """One input unit that did not become a record (fields of schemas/dead_letter.v1.json)."""

    record: Mapping[str, Any]


def dead_letter(
    *,
    source: str,
    stage: str,
    error_class: str,
    error_message: str,
    raw_payload: bytes,
    received_at: datetime,
    contract_key: str | None = None,
    attributes: Mapping[str, str] | None = None,
    message_id: str | None = None,
) -> DeadLetter:
    """Build a dead letter; the raw payload is kept byte for byte (base64 in JSON).

    Landing's letters write `received_at` as ISO 8601 with `+00:00` and treat empty attributes as
    none, as they always have; the fields themselves come from streamqoe.dead_letters.
    """
    return DeadLetter(
        build_dead_letter(
            raw_payload,
            source=source,
            stage=stage,
            error_class=error_class,
            error_message=error_message,
            received_at=received_at.astimezone(UTC).isoformat(),
            contract=contract_key,
            attributes=attributes or None,
            message_id=message_id,
        )
    )


def decode_json_records(
    payload: bytes,
    contract_name: str,
    *,
    source: str,
    received_at: datetime,
    message_id: str | None = None,
    attributes: Mapping[str, str] | None = None,
) -> Iterator[Landed | DeadLetter]:
    """Decode a JSON message holding one record or an array of records of `contract_name`.

    Each array element is its own unit: a bad element dead-letters alone, with its own bytes.
    """
    key = contract(contract_name).key

    def bad(stage: str, error: str, message: str, raw: bytes, unit_id: str | None) -> DeadLetter:
        return dead_letter(
            source=source,
            stage=stage,
            error_class=error,
            error_message=message,
            raw_payload=raw,
            received_at=received_at,
            contract_key=key,
            attributes=attributes,
            message_id=unit_id,
        )

    try:
        doc = json.loads(payload.decode("utf-8"))
    except UnicodeDecodeError as exc:
        yield bad("decode", "UnicodeDecodeError", str(exc), payload, message_id)
        return
    except json.JSONDecodeError as exc:
        yield bad("decode", "JSONDecodeError", str(exc), payload, message_id)
        return
    batch = isinstance(doc, list)
    for index, item in enumerate(doc if batch else [doc]):
        unit_id = f"{message_id}#{index}" if batch and message_id else message_id
        problems = violations(contract_name, item)
        if problems:
            raw = json.dumps(item, separators=(",", ":")).encode() if batch else payload
            yield bad("validate", "ContractViolation", "; ".join(problems), raw, unit_id)
        else:
            yield Landed(contract_name, item, unit_id)


@dataclass
class LandingCounts:
    """Rows landed per table, dead letters per stage."""

    landed: dict[str, int] = field(default_factory=dict)
    dead_letters: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.landed.values()) + sum(self.dead_letters.values())


def land_outcomes(
    warehouse: Warehouse,
    outcomes: list[Landed | DeadLetter],
    *,
    ingested_at: datetime | None = None,
) -> LandingCounts:
    """Land records in their tables and dead letters in `dead_letters`; return the counts."""
    ingested_at = ingested_at or datetime.now(UTC)
    counts = LandingCounts()
    by_contract: dict[str, list[tuple[Mapping[str, Any], str | None]]] = {}
    dead: list[tuple[Mapping[str, Any], str | None]] = []
    for outcome in outcomes:
        if isinstance(outcome, Landed):
            by_contract.setdefault(outcome.contract, []).append((outcome.record, outcome.ingest_id))
        else:
            dead.append((outcome.record, outcome.record.get("message_id")))
            stage = outcome.record["stage"]
            counts.dead_letters[stage] = counts.dead_letters.get(stage, 0) + 1
    for name, records in by_contract.items():
        table = contract(name).table_name
        counts.landed[table] = warehouse.land(name, records, ingested_at=ingested_at)
    if dead:
        warehouse.land("dead_letter", dead, ingested_at=ingested_at)
    return counts
