"""What parsing one input unit produces: records valid against a contract, or dead letters.

Every parser in this package returns a list of `Outcome`s, each either a `Record` (a plain dict that
satisfies its contract) or a `DeadLetter` (a dict that satisfies schemas/dead_letter.v1.json, with
the stage, a machine-readable class, a message naming the field or position, and the raw bytes;
built by streamqoe.dead_letters, whose `format_received_at` and `to_bytes` are re-exported here).
A parser never raises: `run_guarded` turns `IngestError` into a dead letter of its stage, and any
other exception (a bug in a parser) into a dead letter of class `ParserBug`, logged with its
traceback.

Left out: counters, routing and I/O; the pipelines and the CLI decide where outcomes go.
"""

from __future__ import annotations

import base64
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from streamqoe.contracts.conformance import check, compiled, contract_key
from streamqoe.dead_letters import dead_letter, format_received_at, to_bytes

logger = logging.getLogger(__name__)

STAGES = ("decode", "parse", "validate")
PARSER_BUG = "ParserBug"


class IngestError(Exception):
    """A unit (or one element of it) cannot become a record.

    Args:
        error_class: machine-readable reason, e.g. `CloudFrontFieldCount`.
        message: human-readable reason naming the field or position.
        stage: `decode` (bytes are not text/JSON) or `parse` (not the expected format).
    """

    def __init__(self, error_class: str, message: str, stage: str = "parse"):
        super().__init__(message)
        self.error_class = error_class
        self.message = message
        self.stage = stage


@dataclass(frozen=True, slots=True)
class Record:
    """A normalized record; `contract` is the contract name, e.g. `cdn_request`."""

    contract: str
    record: dict[str, Any]

    kind = "record"

    def to_json(self) -> dict[str, Any]:
        """Return the CLI's line shape: {"kind": "record", "contract": "x.v1", "record": {...}}."""
        return {"kind": "record", "contract": contract_key(self.contract), "record": self.record}


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A unit that did not become a record; `letter` satisfies the dead_letter contract."""

    letter: dict[str, Any]

    kind = "dead_letter"

    @property
    def stage(self) -> str:
        return self.letter["stage"]

    @property
    def error_class(self) -> str:
        return self.letter["error_class"]

    @property
    def error_message(self) -> str:
        return self.letter["error_message"]

    @property
    def raw_payload(self) -> bytes:
        return base64.b64decode(self.letter["raw_payload"])

    def to_json(self) -> dict[str, Any]:
        """Return the CLI's line shape: {"kind": "dead_letter", **letter}."""
        return {"kind": "dead_letter", **self.letter}


Outcome = Record | DeadLetter


@dataclass(slots=True)
class UnitContext:
    """Transport facts about one unit, copied into every dead letter made from it."""

    source: str
    received_at: str
    message_id: str | None = None
    attributes: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def make(
        cls,
        source: str,
        received_at: datetime,
        message_id: str | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> UnitContext:
        return cls(
            source=source,
            received_at=format_received_at(received_at),
            message_id=message_id,
            attributes=dict(attributes) if attributes is not None else None,
        )

    def dead_letter(
        self,
        raw: bytes | str,
        *,
        stage: str,
        error_class: str,
        error_message: str,
        contract: str | None,
        element_index: int | None = None,
    ) -> DeadLetter:
        """Build a dead letter for `raw` (the unit, or one element of a batch)."""
        attributes = self.attributes
        if element_index is not None:
            attributes = {**(attributes or {}), "element_index": element_index}
        return DeadLetter(
            dead_letter(
                raw,
                source=self.source,
                stage=stage,
                error_class=error_class,
                error_message=error_message,
                received_at=self.received_at,
                contract=contract_key(contract) if contract else None,
                attributes=attributes,
                message_id=self.message_id,
            )
        )

    def finish(
        self,
        contract: str,
        record: dict[str, Any],
        raw: bytes | str,
        element_index: int | None = None,
    ) -> Outcome:
        """Return `record` as a Record when it satisfies `contract`, else a validate dead letter."""
        errors = check(contract, record)
        if not errors:
            return Record(contract, record)
        shown = "; ".join(errors[:5]) + (f"; and {len(errors) - 5} more" if len(errors) > 5 else "")
        return self.dead_letter(
            raw,
            stage="validate",
            error_class="ContractViolation",
            error_message=f"{contract_key(contract)}: {shown}",
            contract=contract,
            element_index=element_index,
        )

    def guard(
        self,
        raw: bytes | str,
        contract: str,
        build: Callable[[], Iterable[Outcome]],
        element_index: int | None = None,
    ) -> list[Outcome]:
        """Run `build`, turning any exception into one dead letter for `raw`."""
        try:
            return list(build())
        except IngestError as exc:
            return [
                self.dead_letter(
                    raw,
                    stage=exc.stage,
                    error_class=exc.error_class,
                    error_message=exc.message,
                    contract=contract,
                    element_index=element_index,
                )
            ]
        except Exception as exc:  # a parser bug must still leave a dead letter, never a crash
            logger.exception("parser bug on %s (%s)", self.source, contract)
            return [
                self.dead_letter(
                    raw,
                    stage="parse",
                    error_class=PARSER_BUG,
                    error_message=f"{type(exc).__name__}: {exc}",
                    contract=contract,
                    element_index=element_index,
                )
            ]

    def each(
        self,
        items: list[Any],
        contract: str,
        build_one: Callable[[Any], dict[str, Any]],
        *,
        pure: bool = False,
    ) -> list[Outcome]:
        """Make one outcome per element of a decoded JSON batch; a bad element fails alone.

        `pure`: `build_one` never changes its element, so the element's raw bytes (json.dumps, only
        needed for a dead letter) are computed only when the element fails; the outcomes are the
        same either way.

        Raises:
            IngestError: `EmptyBatch` when there is no element (the unit still needs an outcome).
        """
        if not items:
            raise IngestError("EmptyBatch", "the batch is an empty array")
        out: list[Outcome] = []
        fast = compiled_check(contract) if pure else None
        for index, item in enumerate(items):
            if fast is not None:
                try:
                    record = build_one(item)
                    valid = fast(record)
                except Exception:  # the guarded path below words the dead letter
                    valid = False
                if valid:
                    out.append(Record(contract, record))
                    continue
            item_raw = json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()
            out.extend(
                self.guard(
                    item_raw,
                    contract,
                    lambda: [self.finish(contract, build_one(item), item_raw, index)],  # noqa: B023
                    index,
                )
            )
        return out


def compiled_check(contract: str) -> Callable[[Any], bool]:
    """Return a predicate: True when a record surely satisfies `contract` (check() is empty)."""
    fast = compiled(contract)
    if fast is not None:
        return fast
    return lambda record: not check(contract, record)


def run_guarded(
    unit: Any,
    contract: str,
    build: Callable[[bytes, UnitContext], Iterable[Outcome]],
    *,
    source: str,
    received_at: datetime,
    message_id: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> list[Outcome]:
    """Parse one unit with `build(raw_bytes, ctx)`; never raises."""
    try:
        ctx = UnitContext.make(source, received_at, message_id, attributes)
    except Exception as exc:  # bad transport arguments still leave a dead letter
        logger.exception("bad unit context for %r", source)
        ctx = UnitContext(
            source=str(source) or "unknown",
            received_at=format_received_at(datetime(1970, 1, 1, tzinfo=UTC)),
            message_id=None,
            attributes=None,
        )
        return [
            ctx.dead_letter(
                to_bytes(unit) if isinstance(unit, bytes | str) else repr(unit),
                stage="decode",
                error_class="BadUnitContext",
                error_message=f"{type(exc).__name__}: {exc}",
                contract=contract,
            )
        ]
    if not isinstance(unit, bytes | bytearray | memoryview | str):
        return [
            ctx.dead_letter(
                repr(unit),
                stage="decode",
                error_class="UnsupportedUnitType",
                error_message=f"expected bytes or str, got {type(unit).__name__}",
                contract=contract,
            )
        ]
    raw = to_bytes(unit)
    return ctx.guard(raw, contract, lambda: build(raw, ctx))


class UnitParser(Protocol):
    """The signature every parser entry point shares: one unit in, its outcomes out."""

    def __call__(
        self,
        unit: bytes | str,
        *,
        source: str,
        received_at: datetime,
        message_id: str | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> list[Outcome]: ...


def unit_parser(
    name: str,
    contract: str,
    build: Callable[[bytes, UnitContext], Iterable[Outcome]],
    doc: str,
    module: str,
) -> UnitParser:
    """Make a parser entry point `name` (in `module`, documented by `doc`) that runs `build`
    under run_guarded for `contract`: the shared body of every single-format parser."""

    def parse(
        unit: bytes | str,
        *,
        source: str,
        received_at: datetime,
        message_id: str | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> list[Outcome]:
        return run_guarded(
            unit,
            contract,
            build,
            source=source,
            received_at=received_at,
            message_id=message_id,
            attributes=attributes,
        )

    parse.__name__ = parse.__qualname__ = name
    parse.__doc__ = doc
    parse.__module__ = module
    return parse


@dataclass
class Tally:
    """Counts of outcomes: records per contract and dead letters per stage and class."""

    records: Counter[str] = field(default_factory=Counter)
    dead_letters: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: Outcome) -> None:
        if isinstance(outcome, Record):
            self.records[outcome.contract] += 1
        else:
            self.dead_letters[f"{outcome.stage}:{outcome.error_class}"] += 1

    @property
    def total(self) -> int:
        return sum(self.records.values()) + sum(self.dead_letters.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "records": sum(self.records.values()),
            "dead_letters": sum(self.dead_letters.values()),
            "records_by_contract": dict(sorted(self.records.items())),
            "dead_letters_by_reason": dict(sorted(self.dead_letters.items())),
        }


def outcome_line(outcome: Outcome) -> str:
    """Serialize an outcome as one JSON line (the CLI's output format)."""
    return json.dumps(outcome.to_json(), ensure_ascii=False, separators=(",", ":"))
