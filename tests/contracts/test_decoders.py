"""The generated msgspec decoders accept exactly what jsonschema accepts, and return json.loads' record.

The reference is the current path: `streamqoe.ingest.payload.load_json_bytes` (strict json.loads)
then the registry's validator (Draft 2020-12, strict integers, int64 bounds, format checks). For
every contract, hypothesis draws valid records from the schema (a small schema -> strategy
generator below) and mutated ones (wrong type, out of range, int64 overflow, `1.0`/`1e3` for an
integer, missing required property, unknown property, enum and pattern violations, huge strings,
null where not nullable, a bad array element, repeated keys), serializes them to bytes with raw
number literals where needed, and asserts both sides agree; when they accept, the decoded record
equals json.loads' record in keys, values and types.

Two documented differences (streamqoe.contracts.decoders) are pinned by their own tests instead:
`1e400` (json.loads: infinity) and lone surrogate escapes.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

pytest.importorskip("msgspec", reason="msgspec is not installed (run with --with msgspec)")

from streamqoe.contracts import decoders
from streamqoe.contracts.conformance import UnsupportedSchema
from streamqoe.contracts.decoder_source import (
    DECODERS_PATH,
    SUPPORTED_KEYWORDS,
    render_decoders,
    render_module,
)
from streamqoe.contracts.formats import FORMAT_CHECKER
from streamqoe.contracts.registry import (
    INT64_MAX,
    INT64_MIN,
    STRICT_INTEGERS,
    bound_integers,
    contract,
    contract_names,
    registry,
    validator,
)
from streamqoe.ingest.outcome import IngestError
from streamqoe.ingest.payload import load_json_bytes

CONTRACTS = contract_names()
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# -- serializing with raw literals and repeated keys ----------------------------------------------


@dataclass(frozen=True)
class Lit:
    """A raw JSON token written as is, e.g. `1.0`, `1e3`, `-0`."""

    text: str


@dataclass(frozen=True)
class Pairs:
    """A JSON object written member by member, so a key may repeat."""

    items: tuple[tuple[str, Any], ...]


def dump(value: Any, ascii_only: bool = True) -> str:
    if isinstance(value, Lit):
        return value.text
    if isinstance(value, Pairs):
        inner = ",".join(f"{json.dumps(k)}:{dump(v, ascii_only)}" for k, v in value.items)
        return "{" + inner + "}"
    if isinstance(value, dict):
        return dump(Pairs(tuple(value.items())), ascii_only)
    if isinstance(value, list):
        return "[" + ",".join(dump(v, ascii_only) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


def reference(name: str, payload: bytes, check: Any = None) -> tuple[bool, Any]:
    """The current path: strict json.loads, then jsonschema. Returns (accepted, document)."""
    try:
        doc = load_json_bytes(payload)
    except IngestError:
        return False, None
    return (check or validator(name)).is_valid(doc), doc


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (1 is not 1.0, -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a == b


def outcome(name: str, payload: bytes, decode: Any = None) -> tuple[bool, Any]:
    try:
        return True, (decode or decoders.decode)(name, payload)
    except decoders.DecodeError as exc:
        assert exc.path.startswith("$"), exc
        return False, exc


def assert_agree(name: str, payload: bytes, decode: Any = None, check: Any = None) -> None:
    accepted, doc = reference(name, payload, check)
    ok, got = outcome(name, payload, decode)
    assert ok == accepted, (payload[:600], got)
    if ok:
        assert same(got, doc), (got, doc)


# -- schema -> strategy -------------------------------------------------------------------------


def resolved(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    if "$ref" in schema:
        return registry().resolver().lookup(schema["$ref"]).contents
    return schema


def types_of(schema: Mapping[str, Any]) -> list[str]:
    t = schema.get("type", [])
    return [t] if isinstance(t, str) else list(t)


def _date_time_parts(draw: Any) -> str:
    year = draw(st.sampled_from(["0000", "0001", "1970", "2024", "2026", "9999"]))
    month = draw(st.sampled_from(["01", "02", "12", "00", "13"]))
    day = draw(st.sampled_from(["01", "28", "29", "30", "31", "00", "32"]))
    hour = draw(st.sampled_from(["00", "23", "24"]))
    minute = draw(st.sampled_from(["00", "59", "60"]))
    second = draw(st.sampled_from(["00", "59", "60", "61"]))
    frac = draw(st.sampled_from(["", ".5", ".123456789", "."]))
    tz = draw(st.sampled_from(["Z", "z", "+00:00", "-05:30", "+23:59", "+24:00", ""]))
    sep = draw(st.sampled_from(["T", "t", " "]))
    end = draw(st.sampled_from(["", "", "", "\n", " "]))
    return f"{year}-{month}-{day}{sep}{hour}:{minute}:{second}{frac}{tz}{end}"


@st.composite
def date_times(draw: Any) -> str:
    """Mostly valid RFC 3339 timestamps, and near misses (both sides share the checker)."""
    if draw(st.sampled_from(range(10))) < 9:  # integers() would favour 0
        moment = draw(st.datetimes(timezones=st.just(UTC)))
        text = moment.isoformat(timespec=draw(st.sampled_from(["seconds", "milliseconds"])))
        return text.replace("+00:00", "Z") if draw(st.booleans()) else text
    return _date_time_parts(draw)


def _int_range(schema: Mapping[str, Any]) -> tuple[int | None, int | None]:
    lo = schema.get("minimum")
    hi = schema.get("maximum")
    if "exclusiveMinimum" in schema:
        lo = max(lo if lo is not None else -math.inf, math.floor(schema["exclusiveMinimum"]) + 1)
    if "exclusiveMaximum" in schema:
        hi = min(hi if hi is not None else math.inf, math.ceil(schema["exclusiveMaximum"]) - 1)
    lo = None if lo is None else math.ceil(lo)
    hi = None if hi is None else math.floor(hi)
    return lo, hi


def _integers(schema: Mapping[str, Any]) -> st.SearchStrategy[int]:
    lo, hi = _int_range(schema)
    if lo is not None and hi is not None and lo > hi:
        return st.nothing()
    edges = [v for v in (lo, hi) if v is not None]
    small = st.integers(-1000, 10**6)
    choices = [st.integers(lo, hi), st.sampled_from(edges)] if edges else [st.integers(lo, hi)]
    if (lo is None or lo <= 10**6) and (hi is None or hi >= -1000):
        choices.append(small.filter(lambda v: (lo is None or v >= lo) and (hi is None or v <= hi)))
    return st.one_of(choices)


def _numbers(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    floats = st.floats(
        min_value=schema.get("exclusiveMinimum", lo),
        max_value=schema.get("exclusiveMaximum", hi),
        exclude_min="exclusiveMinimum" in schema,
        exclude_max="exclusiveMaximum" in schema,
        allow_nan=False,
        allow_infinity=False,
    )
    return st.one_of(floats, _integers(schema))


ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**80), 2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def values(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """Values the schema accepts (mostly: patterns and formats may produce near misses)."""
    schema = resolved(schema)
    if "anyOf" in schema:
        return st.one_of([values(s) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    kinds = types_of(schema)
    if not kinds:
        return ANY_JSON
    return st.one_of([_value_of_kind(k, schema) for k in kinds])


def _value_of_kind(kind: str, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return _integers(schema)
    if kind == "number":
        return _numbers(schema)
    if kind == "string":
        return _strings(schema)
    if kind == "array":
        item = values(schema["items"]) if "items" in schema else ANY_JSON
        low = schema.get("minItems", 0)
        return st.lists(item, min_size=low, max_size=min(schema.get("maxItems", low + 3), low + 3))
    properties = schema.get("properties")
    if not properties:
        if schema.get("additionalProperties") is False:
            return st.just({})
        return st.dictionaries(st.text(max_size=8), ANY_JSON, max_size=4)
    required = set(schema.get("required", ()))
    return st.fixed_dictionaries(
        {k: values(v) for k, v in properties.items() if k in required},
        optional={k: values(v) for k, v in properties.items() if k not in required},
    )


def _strings(schema: Mapping[str, Any]) -> st.SearchStrategy[str]:
    low = schema.get("minLength", 0)
    high = schema.get("maxLength")
    if schema.get("format") == "date-time":
        return date_times()
    if "pattern" in schema:
        base = st.from_regex(schema["pattern"], fullmatch=False)
        return base.filter(lambda s: len(s) >= low and (high is None or len(s) <= high))
    top = min(high, low + 20) if high is not None else low + 20
    choices = [st.text(min_size=low, max_size=top)]
    if high is not None:
        choices.append(st.text(min_size=high, max_size=high))
    return st.one_of(choices)


# -- mutations ----------------------------------------------------------------------------------

WRONG_TYPES = [None, True, False, "1", "", 0, -1, 1.5, [], {}, Lit("1.0"), Lit("1e3"), Lit("-0.0")]
NUMBER_EDGES = [
    Lit("1.0"),
    Lit("1e3"),
    Lit("1E+2"),
    Lit("-0"),
    Lit("0.0"),
    Lit("1e-400"),
    Lit("123456789012345678901234567890"),
    INT64_MAX,
    INT64_MAX + 1,
    INT64_MIN,
    INT64_MIN - 1,
    2**64,
    2**70,
    -1,
    -(10**-300),
    1e300,
    0.5,
    1,
    100,
    101,
    999,
    1000,
]


def _slots(schema: Mapping[str, Any], value: Any, out: list[tuple[Any, Any, Any]]) -> None:
    """Collect (container, key, subschema) for every present value, and (object, None, schema)."""
    schema = resolved(schema)
    if "anyOf" in schema:
        for alternative in schema["anyOf"]:
            alternative = resolved(alternative)
            if isinstance(value, dict) and "object" in types_of(alternative):
                schema = alternative
    if isinstance(value, dict) and "properties" in schema:
        out.append((value, None, schema))
        for key, item in value.items():
            if key in schema["properties"]:
                sub = schema["properties"][key]
                out.append((value, key, sub))
                _slots(sub, item, out)
    elif isinstance(value, list) and "items" in schema:
        out.append((value, None, schema))
        for index, item in enumerate(value):
            out.append((value, index, schema["items"]))
            _slots(schema["items"], item, out)


def _replacements(sub: Mapping[str, Any]) -> list[Any]:
    sub = resolved(sub)
    found: list[Any] = list(WRONG_TYPES)
    kinds = types_of(sub)
    if "integer" in kinds or "number" in kinds:
        found += NUMBER_EDGES
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if key in sub:
                bound = sub[key]
                found += [bound, bound - 1, bound + 1, bound - 0.5, bound + 0.5, Lit(f"{bound}.0")]
    if "string" in kinds or "enum" in sub:
        longest = sub.get("maxLength", 64)
        found += ["x" * (longest + 1), "é" * longest, "y" * 10_000, "\u0000", "Ab", "ZZ", "1.x"]
        found += ["1.0\n", "2026-02-30T00:00:00Z", "yesterday", "2026-01-01T00:00:60Z"]
    for member in sub.get("enum", ()):
        if isinstance(member, str):
            found += [member.upper(), member + " ", member[:-1]]
    if "array" in kinds:
        found += [[1], [None], [{"bogus": 1}], [[]]]
    return found


@st.composite
def mutated(draw: Any, name: str) -> bytes:
    schema = contract(name).schema
    record = copy.deepcopy(draw(values(schema)))
    slots: list[tuple[Any, Any, Any]] = []
    _slots(schema, record, slots)
    for _ in range(draw(st.integers(1, 2))):
        container, key, sub = draw(st.sampled_from(slots))
        kind = draw(st.sampled_from(["replace", "drop", "extra", "repeat", "element"]))
        if isinstance(container, dict) and key is not None and kind == "replace":
            container[key] = draw(st.sampled_from(_replacements(sub)))
        elif isinstance(container, dict) and kind == "drop" and container:
            del container[draw(st.sampled_from(sorted(container)))]
        elif isinstance(container, dict) and kind == "extra":
            extra = draw(st.sampled_from(["zz_extra", "Schema_version", "__proto__", "cmcd", "v"]))
            container[extra] = draw(st.sampled_from(WRONG_TYPES))
        elif isinstance(container, dict) and key is not None and kind == "repeat":
            other = draw(st.sampled_from(_replacements(sub)))
            first = draw(st.booleans())
            pairs = []
            for k, v in container.items():
                if k == key and first:
                    pairs.append((k, other))
                pairs.append((k, v))
                if k == key and not first:
                    pairs.append((k, other))
            slot_value = Pairs(tuple(pairs))
            return dump(_replace_object(record, container, slot_value)).encode()
        elif isinstance(container, list) and kind == "element":
            container.insert(
                draw(st.integers(0, len(container))), draw(st.sampled_from(WRONG_TYPES))
            )
        elif isinstance(container, list) and key is not None:
            container[key] = draw(st.sampled_from(_replacements(sub)))
    return dump(record, ascii_only=draw(st.booleans())).encode()


def _replace_object(tree: Any, target: Any, replacement: Any) -> Any:
    if tree is target:
        return replacement
    if isinstance(tree, dict):
        return {k: _replace_object(v, target, replacement) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_replace_object(v, target, replacement) for v in tree]
    return tree


# -- equivalence on the contracts ---------------------------------------------------------------


@pytest.mark.parametrize("name", CONTRACTS)
@SETTINGS
@given(data=st.data())
def test_valid_records_decode_to_json_loads_record(name: str, data: Any) -> None:
    record = data.draw(values(contract(name).schema))
    payload = dump(record, ascii_only=data.draw(st.booleans())).encode()
    assert_agree(name, payload)


@pytest.mark.parametrize("name", CONTRACTS)
@settings(SETTINGS, max_examples=150)
@given(data=st.data())
def test_mutated_records_are_judged_as_jsonschema_judges_them(name: str, data: Any) -> None:
    assert_agree(name, data.draw(mutated(name)))


def _top_level_properties(name: str) -> list[tuple[str, Mapping[str, Any]]]:
    return [(k, resolved(v)) for k, v in contract(name).schema["properties"].items()]


@functools.cache
def _valid_record(name: str) -> str:
    found = find(
        values(contract(name).schema),
        validator(name).is_valid,
        settings=settings(
            max_examples=2000,
            database=None,
            deadline=None,
            derandomize=True,
            phases=[Phase.generate],
        ),
    )
    return json.dumps(found)


def _a_valid_record(name: str) -> dict[str, Any]:
    """A small record the contract accepts (a fresh copy each call)."""
    return json.loads(_valid_record(name))


@pytest.mark.parametrize("name", CONTRACTS)
def test_every_property_refuses_every_edge_value_as_jsonschema_does(name: str) -> None:
    """Deterministic sweep: each top-level property set to each edge and wrong-typed value."""
    base = _a_valid_record(name)
    for key, sub in _top_level_properties(name):
        for value in [*_replacements(sub), *NUMBER_EDGES]:
            assert_agree(name, dump({**base, key: value}).encode())
        without = {k: v for k, v in base.items() if k != key}
        assert_agree(name, dump(without).encode())


# -- keywords the contracts do not use yet, on ad-hoc schemas ------------------------------------

ADHOC = {
    "const_and_exclusive": {
        "type": "object",
        "additionalProperties": False,
        "required": ["kind", "ratio"],
        "properties": {
            "kind": {"const": "fixed"},
            "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "count": {"type": "integer", "exclusiveMinimum": -3, "exclusiveMaximum": 7.5},
            "level": {"type": ["integer", "null"], "enum": [1, 2, 3, None]},
            "code": {"type": "string", "enum": ["a", "bb", "ccc"], "maxLength": 2},
            "either": {
                "anyOf": [{"type": "string", "maxLength": 3}, {"type": "integer", "minimum": 5}]
            },
            "mixed": {
                "type": ["string", "integer", "boolean", "null"],
                "minimum": 2,
                "minLength": 2,
            },
            "half": {"type": "number", "minimum": 0.5, "maximum": 2.5},
            "anything": {},
        },
    },
    "arrays": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "tags": {
                "type": "array",
                "items": {"type": "string", "pattern": "^[a-z]+$"},
                "minItems": 1,
                "maxItems": 3,
            },
            "stamps": {
                "type": ["array", "null"],
                "items": {"type": "string", "format": "date-time"},
            },
            "loose": {"type": "array", "maxItems": 2},
            "grid": {
                "type": "array",
                "items": {"type": "array", "items": {"type": "integer", "maximum": 9}},
            },
            "empty": {"type": "object", "additionalProperties": False},
            "named": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["from"],
                    "properties": {
                        "from": {"type": "string", "format": "date-time"},
                        "x-y": {"type": "boolean"},
                    },
                },
            },
        },
    },
}


def _adhoc_schemas() -> dict[str, dict[str, Any]]:
    return {name: bound_integers(copy.deepcopy(schema)) for name, schema in ADHOC.items()}


def _adhoc_decoders() -> dict[str, decoders.ContractDecoder]:
    namespace: dict[str, Any] = {}
    source = render_module(_adhoc_schemas())
    exec(compile(source, "<adhoc decoders>", "exec", dont_inherit=True), namespace)
    return {n: decoders.ContractDecoder(n, s) for n, s in namespace["STRUCTS"].items()}


ADHOC_DECODERS = _adhoc_decoders()
ADHOC_CHECKS = {
    name: STRICT_INTEGERS(schema, registry=registry(), format_checker=FORMAT_CHECKER)
    for name, schema in _adhoc_schemas().items()
}


@pytest.mark.parametrize("name", sorted(ADHOC))
@settings(SETTINGS, max_examples=150)
@given(data=st.data())
def test_keywords_the_contracts_do_not_use_yet_are_exact_too(name: str, data: Any) -> None:
    schema = _adhoc_schemas()[name]
    record = copy.deepcopy(data.draw(values(schema)))
    if data.draw(st.booleans()):
        slots: list[tuple[Any, Any, Any]] = []
        _slots(schema, record, slots)
        container, key, sub = data.draw(st.sampled_from(slots))
        if key is not None:
            container[key] = data.draw(st.sampled_from(_replacements(sub)))
        elif isinstance(container, dict):
            container["zz_extra"] = 1
        else:
            container.append(data.draw(st.sampled_from(WRONG_TYPES)))
    payload = dump(record).encode()
    assert_agree(name, payload, lambda n, p: ADHOC_DECODERS[n].decode(p), ADHOC_CHECKS[name])


# -- rendering ----------------------------------------------------------------------------------


def _validation_keywords(schema: Any, found: set[str]) -> None:
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "properties":
                for sub in value.values():
                    _validation_keywords(sub, found)
                continue
            if not key.startswith("x-"):
                found.add(key)
            if key in ("items", "additionalProperties"):
                _validation_keywords(value, found)
            elif key == "anyOf":
                for sub in value:
                    _validation_keywords(sub, found)


def test_every_keyword_the_contracts_use_is_implemented() -> None:
    found: set[str] = set()
    for name in CONTRACTS:
        _validation_keywords(json.loads(contract(name).path.read_text()), found)
    annotations = {"$schema", "$id", "title", "description", "contentEncoding"}
    assert found - annotations <= SUPPORTED_KEYWORDS, found - annotations - SUPPORTED_KEYWORDS


def test_the_committed_decoders_match_the_contracts() -> None:
    assert DECODERS_PATH.read_text() == render_decoders(), "run `streamqoe contracts generate`"


def _ruff() -> list[str] | None:
    if shutil.which("ruff"):
        return ["ruff"]
    probe = subprocess.run([sys.executable, "-m", "ruff", "--version"], capture_output=True)
    return [sys.executable, "-m", "ruff"] if probe.returncode == 0 else None


def test_the_rendered_source_is_ruff_clean() -> None:
    ruff = _ruff()
    if ruff is None:
        pytest.skip("ruff is not installed")
    source = render_decoders()
    where = ["--stdin-filename", str(DECODERS_PATH)]
    formatted = subprocess.run(
        [*ruff, "format", "--check", *where, "-"], input=source, capture_output=True, text=True
    )
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    linted = subprocess.run(
        [*ruff, "check", "--no-cache", *where, "-"], input=source, capture_output=True, text=True
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


def _root(sub: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": {"a": sub}}


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (_root({"oneOf": [{"type": "string"}]}), "unsupported keywords ['oneOf']"),
        (_root({"type": "integer", "multipleOf": 3}), "unsupported keywords ['multipleOf']"),
        (_root({"type": "array", "uniqueItems": True}), "unsupported keywords ['uniqueItems']"),
        (_root({"type": "object", "patternProperties": {}}), "unsupported keywords"),
        (_root({"type": "object", "properties": {"b": {}}}), "open object with properties"),
        (_root({"type": "object", "additionalProperties": {}}), "additionalProperties as a schema"),
        (_root({"type": ["object", "null"], "format": "x"}), "format on objects or arrays"),
        (_root({"enum": [1.5]}), "enum member 1.5"),
        (_root({"type": "boolean", "enum": [True]}), "enum member True"),
        (_root({"type": "number", "enum": [1]}), "enum member 1"),
        (_root({"type": "string", "enum": ["long"], "maxLength": 2}), "no enum member"),
        (_root({"type": "string", "const": "x", "format": "date-time"}), "beside format"),
        (_root({"anyOf": [{"type": "integer"}, {"type": "number"}]}), "overlap"),
        (
            _root({"$ref": "https://streamqoe.dev/schemas/cmcd.v1.json", "type": "object"}),
            "$ref beside",
        ),
        (_root({"type": "integer", "minimum": -(2**70)}), "does not fit in int64"),
        (_root({"type": "array", "items": True}), "boolean schemas"),
        (_root({"minLength": 1}), "without `type`"),
        ({**_root({}), "required": ["b"]}, "required ['b'] not among the properties"),
        ({"type": ["object", "null"], "additionalProperties": False}, "must be a closed object"),
    ],
)
def test_rendering_fails_loudly_on_what_it_cannot_implement(schema, expected) -> None:
    with pytest.raises(UnsupportedSchema) as err:
        render_module({"probe": bound_integers(schema)})
    assert expected in str(err.value)


# -- the documented differences, pinned ----------------------------------------------------------


def test_numbers_beyond_float_range_are_refused_where_json_loads_gives_infinity() -> None:
    base = _a_valid_record("cdn_request")
    payload = dump({**base, "ttfb_ms": Lit("1e400")}).encode()
    accepted, doc = reference("cdn_request", payload)
    assert accepted and doc["ttfb_ms"] == math.inf
    with pytest.raises(decoders.DecodeError, match="Number out of range"):
        decoders.decode("cdn_request", payload)


def test_lone_surrogate_escapes_are_refused_where_json_loads_keeps_them() -> None:
    base = _a_valid_record("player_event")
    payload = dump({**base, "view_id": "x"}).replace('"view_id":"x"', '"view_id":"\\ud800"')
    accepted, doc = reference("player_event", payload.encode())
    assert accepted and doc["view_id"] == "\ud800"
    with pytest.raises(decoders.DecodeError) as err:
        decoders.decode("player_event", payload.encode())
    assert err.value.stage == "decode"


def test_integers_stay_strict_below_a_cross_file_ref() -> None:
    """registry.validator once accepted `cmcd.br: 1.0` (jsonschema switched validator class)."""
    base = _a_valid_record("cdn_request")
    for value in (Lit("1.0"), Lit("1e3")):
        payload = dump({**base, "cmcd": {"br": value}}).encode()
        assert not reference("cdn_request", payload)[0]
        assert_agree("cdn_request", payload)
    assert reference("cdn_request", dump({**base, "cmcd": {"br": 1}}).encode())[0]


NUMBER_LITERALS = st.from_regex(
    r"\A-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,25})?([eE][+-]?[0-9]{1,2})?\Z", fullmatch=True
)


@pytest.fixture(scope="module")
def cdn_request_record() -> dict[str, Any]:
    return _a_valid_record("cdn_request")


@SETTINGS
@given(number=NUMBER_LITERALS, integer=NUMBER_LITERALS)
def test_number_literals_decode_to_the_value_json_loads_gives(
    cdn_request_record: dict[str, Any], number: str, integer: str
) -> None:
    base = cdn_request_record
    assert_agree("cdn_request", dump({**base, "ttfb_ms": Lit(number)}).encode())
    assert_agree("cdn_request", dump({**base, "range_start": Lit(integer)}).encode())


# -- the API --------------------------------------------------------------------------------------


def test_a_repeated_key_counts_once_as_in_json_loads() -> None:
    base = _a_valid_record("player_event")
    body = dump(Pairs((("client_ts_ms", Lit("1.0")), *base.items()))).encode()
    assert reference("player_event", body)[0]
    assert same(decoders.decode("player_event", body), json.loads(body))
    body = dump(Pairs((*base.items(), ("client_ts_ms", Lit("1.0"))))).encode()
    with pytest.raises(decoders.DecodeError, match=r"at `\$\.client_ts_ms`"):
        decoders.decode("player_event", body)


def test_absent_optional_properties_stay_absent_and_a_bom_is_skipped() -> None:
    base = _a_valid_record("player_event")
    minimal = {k: base[k] for k in contract("player_event").schema["required"]}
    got = decoders.decode("player_event", b"\xef\xbb\xbf" + json.dumps(minimal).encode())
    assert same(got, minimal)
    assert same(decoders.decode("player_event", "\ufeff" + json.dumps(minimal)), minimal)


def test_decode_many_gives_one_result_per_element() -> None:
    base = _a_valid_record("player_event")
    body = dump([base, {**base, "sequence_number": Lit("2.0")}, 5, base]).encode()
    got = decoders.decode_many("player_event", body)
    assert same(got[0], json.loads(dump(base))) and same(got[3], got[0])
    assert isinstance(got[1], decoders.DecodeError) and got[1].index == 1
    assert str(got[1]) == "Expected `int`, got `float` - at `$[1].sequence_number`"
    assert str(got[2]) == "Expected `object`, got `int` - at `$[2]`"
    assert decoders.decode_many("player_event", b"[]") == []
    with pytest.raises(decoders.DecodeError, match="Expected `array`, got `object`"):
        decoders.decode_many("player_event", json.dumps(base))
    with pytest.raises(decoders.DecodeError) as err:
        decoders.decode_many("player_event", b"[{},")
    assert err.value.stage == "decode"


def test_unknown_contract_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="unknown contract"):
        decoders.decode("nope", b"{}")


def _message(name: str, change: dict[str, Any], drop: str | None = None) -> str:
    record = {**_a_valid_record(name), **change}
    record.pop(drop, None)
    with pytest.raises(decoders.DecodeError) as err:
        decoders.decode(name, dump(record).encode())
    assert err.value.stage == "validate"
    return str(err.value)


@pytest.mark.parametrize(
    ("name", "change", "drop", "expected"),
    [
        (
            "player_event",
            {"client_ts_ms": Lit("1.0")},
            None,
            "Expected `int`, got `float` - at `$.client_ts_ms`",
        ),
        (
            "player_event",
            {"client_ts_ms": Lit("1e3")},
            None,
            "Expected `int`, got `float` - at `$.client_ts_ms`",
        ),
        (
            "player_event",
            {"client_ts_ms": 2**63},
            None,
            "Expected `int` <= 9223372036854775807 - at `$.client_ts_ms`",
        ),
        ("player_event", {"client_ts_ms": -5}, None, "Expected `int` >= 0 - at `$.client_ts_ms`"),
        (
            "player_event",
            {"playhead_ms": True},
            None,
            "Expected `int | null`, got `bool` - at `$.playhead_ms`",
        ),
        (
            "player_event",
            {"stream_type": None},
            None,
            "Expected `str`, got `null` - at `$.stream_type`",
        ),
        (
            "player_event",
            {"event_type": "teleport"},
            None,
            "Invalid enum value 'teleport' - at `$.event_type`",
        ),
        (
            "player_event",
            {"country": "Germany"},
            None,
            "Expected `str` matching regex '^[A-Z]{2}$' - at `$.country`",
        ),
        (
            "player_event",
            {"view_id": "v" * 129},
            None,
            "Expected `str` of length <= 128 - at `$.view_id`",
        ),
        (
            "player_event",
            {"surprise": 1},
            None,
            "Object contains unknown field `surprise` - at `$`",
        ),
        ("player_event", {}, "view_id", "Object missing required field `view_id` - at `$`"),
        (
            "player_event",
            {"rendition": {"fps": -0.5}},
            None,
            "Expected `float` >= 0.0 - at `$.rendition.fps`",
        ),
        (
            "player_event",
            {"rendition": {"fps": 1, "hdr": True}},
            None,
            "Object contains unknown field `hdr` - at `$.rendition`",
        ),
        (
            "transcode_event",
            {"event_at": "yesterday"},
            None,
            "Expected `str` of format `date-time`, got 'yesterday' - at `$.event_at`",
        ),
        (
            "transcode_event",
            {"outputs": [{}, {"width": 1.0}]},
            None,
            "Expected `int | null`, got `float` - at `$.outputs[1].width`",
        ),
        ("cdn_request", {"cmcd": {"br": -1}}, None, "Expected `int` >= 0 - at `$.cmcd.br`"),
        (
            "cdn_request",
            {"cmcd": {"com.example-x": 1}},
            None,
            "Object contains unknown field `com.example-x` - at `$.cmcd`",
        ),
        (
            "view",
            {"time_per_rendition": [{"bitrate_kbps": 1}]},
            None,
            "Object missing required field `playing_time_ms` - at `$.time_per_rendition[0]`",
        ),
    ],
)
def test_errors_name_the_field_and_the_reason(name, change, drop, expected) -> None:
    assert _message(name, change, drop) == expected


def test_syntax_errors_are_decode_stage() -> None:
    for body in [b'{"a":', b"\xff", b"{}x", b'{"a":1,}', b"NaN", b'{"a":Infinity}']:
        with pytest.raises(decoders.DecodeError) as err:
            decoders.decode("player_event", body)
        assert err.value.stage == "decode", body
        assert not reference("player_event", body)[0]
