"""Load the contracts from schemas/ and validate records against them.

A contract file is `schemas/<name>.v<major>.json`. Files that declare an `x-table` describe a landed
table; the others (cmcd.v1.json) are shared definitions referenced with `$ref`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
"""Bounds of every JSON integer: integers land as BigQuery INTEGER / DuckDB BIGINT / Arrow int64."""


class ContractViolation(ValueError):
    """A record does not satisfy its contract; `errors` lists every violation found."""

    def __init__(self, contract_name: str, errors: list[str]):
        self.contract_name = contract_name
        self.errors = errors
        shown = "; ".join(errors[:5]) + (f"; and {len(errors) - 5} more" if len(errors) > 5 else "")
        super().__init__(f"{contract_name}: {shown}")


@dataclass(frozen=True)
class Contract:
    """One versioned contract: its JSON Schema and, for landed records, its table description."""

    name: str
    version: int
    schema: Mapping[str, Any] = field(repr=False)
    path: Path

    @property
    def key(self) -> str:
        """Name and major version, e.g. `player_event.v1`."""
        return f"{self.name}.v{self.version}"

    @property
    def id(self) -> str:
        return self.schema["$id"]

    @property
    def table(self) -> Mapping[str, Any] | None:
        """The `x-table` annotation (name, partition, clustering, derived columns), if any."""
        return self.schema.get("x-table")

    @property
    def table_name(self) -> str:
        if not self.table:
            raise KeyError(f"{self.key} describes no table")
        return self.table["name"]


def _load() -> dict[str, Contract]:
    found: dict[str, Contract] = {}
    for path in sorted(SCHEMAS_DIR.glob("*.v*.json")):
        name, _, version = path.name.removesuffix(".json").rpartition(".v")
        schema = bound_integers(json.loads(path.read_text()))
        jsonschema.Draft202012Validator.check_schema(schema)
        found[name] = Contract(name=name, version=int(version), schema=schema, path=path)
    return found


def bound_integers(schema: Any) -> Any:
    """Give every integer-typed subschema the int64 bounds it does not narrow itself (in place).

    JSON has no integer width, but every landed integer is an int64 (BigQuery INTEGER, DuckDB
    BIGINT, Arrow int64): without the bounds a record with 2**70 would pass validation and then
    fail in the sink. Returns `schema`.
    """
    if isinstance(schema, dict):
        kind = schema.get("type")
        if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
            schema.setdefault("minimum", INT64_MIN)
            schema.setdefault("maximum", INT64_MAX)
        for value in schema.values():
            bound_integers(value)
    elif isinstance(schema, list):
        for value in schema:
            bound_integers(value)
    return schema


@functools.cache
def contracts() -> dict[str, Contract]:
    """Return every contract in schemas/, by name (e.g. `player_event`)."""
    return _load()


def contract_names(landed_only: bool = False) -> list[str]:
    """List contract names; with `landed_only`, only those that describe a table."""
    return [n for n, c in contracts().items() if c.table or not landed_only]


def contract(name: str) -> Contract:
    """Return one contract by name.

    Raises:
        KeyError: no such contract, with the known names in the message.
    """
    try:
        return contracts()[name]
    except KeyError:
        raise KeyError(f"unknown contract {name!r}; known: {', '.join(contracts())}") from None


@functools.cache
def registry() -> Registry:
    """A referencing registry holding every contract by its `$id`, for cross-file `$ref`.

    The resources leave out `$schema`: jsonschema picks the validator class of a `$ref` target
    from its `$schema` (`validators.validator_for`), which would swap STRICT_INTEGERS for plain
    Draft 2020-12 below every cross-file `$ref` (a `1.0` accepted as `cmcd.br`). Without it, the
    target is checked by the referring validator's class. Every contract is Draft 2020-12.
    """
    resources = []
    for c in contracts().values():
        declared = c.schema.get("$schema", _DRAFT_2020_12)
        if declared != _DRAFT_2020_12:
            raise ValueError(f"{c.path.name}: $schema {declared!r} is not {_DRAFT_2020_12}")
        contents = {k: v for k, v in c.schema.items() if k != "$schema"}
        resources.append(
            (c.id, Resource.from_contents(contents, default_specification=DRAFT202012))
        )
    return Registry().with_resources(resources)


def _is_strict_integer(checker: Any, instance: Any) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


STRICT_INTEGERS = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", _is_strict_integer
    ),
)
"""Draft 2020-12 with one change: an integer is a JSON integer literal, not any number with a zero
fraction (`1.0`). Integers are epoch milliseconds, counts and ids that the pipelines do integer
arithmetic on and land as int64, so a `1.0` is refused with a clear reason instead of failing a
computation later."""


@functools.cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    """Return a compiled validator for one contract (formats such as date-time are checked)."""
    return STRICT_INTEGERS(
        contract(name).schema,
        registry=registry(),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def violations(name: str, record: Any) -> list[str]:
    """List every way `record` violates contract `name` ('path: message'), empty when valid.

    A checker compiled from the schema answers valid records fast; jsonschema, the authority,
    words the messages when it finds a problem (streamqoe.contracts.conformance).
    """
    from streamqoe.contracts.conformance import check

    return check(name, record)


def validate(name: str, record: Any) -> Any:
    """Return `record` unchanged when it satisfies contract `name`.

    Raises:
        ContractViolation: with every violation found.
    """
    errors = violations(name, record)
    if errors:
        raise ContractViolation(contract(name).key, errors)
    return record


def iter_properties(schema: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Yield (name, subschema) for an object schema's properties, in declaration order."""
    yield from schema.get("properties", {}).items()


def resolve(subschema: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a `$ref` (or an `anyOf` of one `$ref` and null) to the referenced schema.

    Annotations written beside the `$ref` (description) win over the target's.
    """
    target = subschema
    nullable = False
    if "anyOf" in subschema:
        refs = [s for s in subschema["anyOf"] if "$ref" in s]
        nullable = any(s.get("type") == "null" for s in subschema["anyOf"])
        if len(refs) != 1:
            raise ValueError(f"unsupported anyOf: {subschema}")
        target = refs[0]
    if "$ref" in target:
        resolved = dict(registry().resolver().lookup(target["$ref"]).contents)
        if nullable or "anyOf" not in subschema:
            types = resolved.get("type", "object")
            types = [types] if isinstance(types, str) else list(types)
            if nullable and "null" not in types:
                types.append("null")
            resolved["type"] = types
        if "description" in subschema:
            resolved["description"] = subschema["description"]
        return resolved
    return subschema
