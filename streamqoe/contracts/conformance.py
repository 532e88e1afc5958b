"""Check parsed records against their contracts, fast enough for the parse hot path.

`check(name, record)` returns the list of violations exactly as `streamqoe.contracts.violations`
words them. It first runs a checker compiled from the contract's JSON Schema into plain Python
closures (type, enum, range, length, pattern, required, additionalProperties, $ref, anyOf, items);
only when that checker finds a problem does it call the jsonschema validator, which is the authority
and words the messages. The compiled checker is never more lenient than jsonschema: it also checks
`format: date-time` (which the registry's validator skips when rfc3339-validator is not installed),
so a record it rejects may still pass jsonschema, and then it is accepted.

Left out: keywords the contracts do not use (oneOf, allOf, patternProperties, ...). A schema with any
keyword this module does not know compiles to "always ask jsonschema", so correctness never depends
on this module keeping up with the contracts; only speed does.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from streamqoe.contracts.registry import contract, registry, validator

logger = logging.getLogger(__name__)

Check = Callable[[Any], bool]

# Keywords that only describe (no effect on validity).
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "title", "description", "contentEncoding", "default", "examples", "$comment"}
)
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII
)


class UnsupportedSchema(ValueError):
    """The schema uses a keyword the compiled checker does not implement."""


@functools.lru_cache(maxsize=4096)
def _is_date_time(value: str) -> bool:
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return False
    return True


def _type_check(types: list[str]) -> Check:
    allowed = set(types)
    pytypes: list[type] = []
    if "string" in allowed:
        pytypes.append(str)
    if "object" in allowed:
        pytypes.append(dict)
    if "array" in allowed:
        pytypes.append(list)
    simple = tuple(pytypes)
    want_int = "integer" in allowed
    want_num = "number" in allowed
    want_bool = "boolean" in allowed
    want_null = "null" in allowed

    def check(value: Any) -> bool:
        if value is None:
            return want_null
        if value is True or value is False:
            return want_bool
        if simple and isinstance(value, simple):
            return True
        if isinstance(value, int):
            return want_int or want_num
        if isinstance(value, float):
            return want_num  # 1.0 is no integer here (registry.STRICT_INTEGERS)
        return False

    return check


def _enum_check(members: list[Any]) -> Check:
    if all(m is None or isinstance(m, str) for m in members):
        strings = frozenset(m for m in members if m is not None)
        allow_null = None in members
        return lambda v: (v is None and allow_null) or (type(v) is str and v in strings)
    return lambda v: any(type(v) is type(m) and v == m for m in members)


def _compile(schema: Mapping[str, Any] | bool) -> Check:
    if schema is True:
        return lambda v: True
    if schema is False:
        return lambda v: False
    checks: list[Check] = []
    keys = set(schema) - _ANNOTATIONS
    keys = {k for k in keys if not k.startswith("x-")}
    if "$ref" in keys:
        target = registry().resolver().lookup(schema["$ref"]).contents
        checks.append(_compile_cached(target))
        keys.discard("$ref")
    if "anyOf" in keys:
        alternatives = [_compile(s) for s in schema["anyOf"]]

        def any_of(v: Any) -> bool:
            for alternative in alternatives:  # noqa: SIM110 - no generator on the hot path
                if alternative(v):
                    return True
            return False

        checks.append(any_of)
        keys.discard("anyOf")
    if "type" in keys:
        t = schema["type"]
        checks.append(_type_check([t] if isinstance(t, str) else list(t)))
        keys.discard("type")
    if "enum" in keys:
        checks.append(_enum_check(list(schema["enum"])))
        keys.discard("enum")
    if "minimum" in keys or "maximum" in keys:
        lo = schema.get("minimum")
        hi = schema.get("maximum")

        def in_range(v: Any) -> bool:
            if isinstance(v, bool) or not isinstance(v, int | float):
                return True
            return (lo is None or v >= lo) and (hi is None or v <= hi)

        checks.append(in_range)
        keys -= {"minimum", "maximum"}
    if "minLength" in keys or "maxLength" in keys:
        shortest = schema.get("minLength", 0)
        longest = schema.get("maxLength")

        def length_ok(v: Any) -> bool:
            if not isinstance(v, str):
                return True
            n = len(v)
            return n >= shortest and (longest is None or n <= longest)

        checks.append(length_ok)
        keys -= {"minLength", "maxLength"}
    if "pattern" in keys:
        pattern = re.compile(schema["pattern"])
        checks.append(lambda v: not isinstance(v, str) or pattern.search(v) is not None)
        keys.discard("pattern")
    if "format" in keys:
        if schema["format"] == "date-time":
            checks.append(lambda v: not isinstance(v, str) or _is_date_time(v))
        keys.discard("format")  # other formats: jsonschema decides on the slow path
    if "items" in keys:
        item = _compile(schema["items"])
        checks.append(lambda v: not isinstance(v, list) or all(item(x) for x in v))
        keys.discard("items")
    if keys & {"properties", "required", "additionalProperties"}:
        checks.append(_object_check(schema))
        keys -= {"properties", "required", "additionalProperties"}
    if keys:
        raise UnsupportedSchema(f"keywords not compiled: {sorted(keys)}")
    return _all_of(checks)


def _all_of(checks: list[Check]) -> Check:
    """Combine checks without a generator per call (this runs once per field of every record)."""
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    first, rest = checks[0], _all_of(checks[1:])
    return lambda v: first(v) and rest(v)


_MEMO_SIZE = 50_000


def _object_check(schema: Mapping[str, Any]) -> Check:
    properties = schema.get("properties", {})
    props = {name: _compile(sub) for name, sub in properties.items()}
    # Properties that accept null whatever else they say: a None value needs no further check.
    nullable = frozenset(name for name, check in props.items() if check(None))
    required = tuple(schema.get("required", ()))
    additional = schema.get("additionalProperties", True)
    extra = _compile(additional) if isinstance(additional, Mapping) else None
    closed = additional is False

    # Verdicts on string values already seen, per property: strings repeat across records
    # (ids, names, enums) and their checks (pattern, length, enum) are the costly ones. A verdict
    # depends only on the value, so the memo changes speed, never results; it is bounded.
    seen_ok: dict[str, set[str]] = {name: set() for name in props}

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for key, item in value.items():
            if item is None and key in nullable:
                continue
            prop = props.get(key)
            if prop is None:
                if closed or (extra is not None and not extra(item)):
                    return False
            elif type(item) is str:
                ok = seen_ok[key]
                if item in ok:
                    continue
                if not prop(item):
                    return False
                if len(ok) < _MEMO_SIZE:
                    ok.add(item)
            elif not prop(item):
                return False
        for key in required:  # noqa: SIM110 - no generator on the hot path
            if key not in value:
                return False
        return True

    return check


_compiled_by_id: dict[int, Check] = {}


def _compile_cached(schema: Mapping[str, Any]) -> Check:
    key = id(schema)
    found = _compiled_by_id.get(key)
    if found is None:
        found = _compile(schema)
        _compiled_by_id[key] = found
    return found


@functools.cache
def compiled(name: str) -> Check | None:
    """Return the compiled checker of contract `name`, or None when its schema cannot be compiled."""
    try:
        return _compile(contract(name).schema)
    except UnsupportedSchema as exc:
        logger.warning("contract %s checked by jsonschema only: %s", name, exc)
        return None


def _where(error: Any) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(record)"


def explain(name: str, record: Any) -> list[str]:
    """List jsonschema's violations of contract `name`, sorted, as 'path: message'.

    Like `streamqoe.contracts.registry.violations`, except that a value failing an `anyOf` of a
    `$ref` and null (such as `cmcd`) is explained by the referenced schema's own errors instead of
    "is not valid under any of the given schemas".
    """
    out: list[str] = []
    for error in validator(name).iter_errors(record):
        inner = [
            e
            for e in error.context or ()
            if not (e.validator == "type" and e.validator_value == "null")
        ]
        if error.validator == "anyOf" and inner:
            out.extend(f"{_where(e)}: {e.message}" for e in inner)
        else:
            out.append(f"{_where(error)}: {error.message}")
    return sorted(out)


def check(name: str, record: Any) -> list[str]:
    """List every way `record` violates contract `name` ('path: message'); empty when valid."""
    fast = compiled(name)
    if fast is not None and fast(record):
        return []
    return explain(name, record)


def contract_key(name: str) -> str:
    """Return the versioned key of a contract, e.g. `cdn_request.v1`."""
    return contract(name).key
