"""Check a whole Arrow table of candidate records against a contract, one column at a time.

`violation_mask(table, name)` returns, per row, whether some value may break the JSON Schema of
contract `name`: enums, minimum/maximum, minLength/maxLength, patterns and required columns, read
from the schema itself (and from referenced schemas such as cmcd.v1 for struct columns). The
columnar parsers hand flagged rows to their row parser, whose `check` (compiled checker, then
jsonschema) words the dead letter; so this module only has to be never more lenient than the
contract, and it refuses (UnsupportedSchema) a keyword it does not implement rather than skip it.
Columns may be chunked. A keyword is checked row by row only when a summary of the column (its
distinct values, its least and greatest value, or length in bytes or characters) does not already
prove that no row breaks it, and a column with no value is not checked at all; the flags are the
same either way.

Left out: `type` (the Arrow column types are the contract's, via the BigQuery schema) and
`format: date-time` (columnar parsers build timestamps, which are always RFC 3339); object-typed
JSON columns (`lists`, `custom`) are flagged whenever they are set, because their content is not
checked here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from streamqoe.contracts.conformance import UnsupportedSchema
from streamqoe.contracts.registry import contract, iter_properties, resolve

logger = logging.getLogger(__name__)

_IGNORED = frozenset(
    {"$schema", "$id", "title", "description", "$comment", "examples", "default", "type"}
)
_HANDLED = frozenset(
    {"enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "format", "anyOf", "$ref"}
)


def _object_schema(schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Return the object schema behind a property (through `$ref` or `anyOf [..., null]`)."""
    schema = resolve(schema)
    for alternative in schema.get("anyOf", ()):
        target = resolve(alternative)
        if "properties" in target:
            return target
    return schema if "properties" in schema else None


def _bool(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


def _all_match(values: pa.Array | pa.ChunkedArray, test: Any) -> bool:
    """Whether `test` (Arrow array -> booleans) holds for every distinct non-null value.

    The per-row checks below are skipped when it does: they could flag no row then.
    """
    distinct = pc.unique(values).drop_null()
    return bool(_bool(test(distinct)).all())


def _within(values: pa.Array | pa.ChunkedArray, low: Any = None, high: Any = None) -> bool:
    """Whether every non-null value is >= low and <= high (None: no bound).

    A NaN fails both comparisons, so the per-row checks never flag it either.
    """
    bounds = pc.min_max(values)
    least, most = bounds["min"].as_py(), bounds["max"].as_py()
    if least is None:
        return True
    return (low is None or least >= low) and (high is None or most <= high)


def _column_mask(
    column: pa.Array | pa.ChunkedArray, schema: Mapping[str, Any], where: str
) -> np.ndarray:
    """Flag rows whose non-null value may violate `schema` (a property's own keywords).

    Each keyword's per-row check runs only when a whole-column summary (distinct values, or the
    least and greatest value or length) does not already show that no row breaks it.
    """
    schema = resolve(schema)
    unknown = {k for k in schema if not k.startswith("x-")} - _IGNORED - _HANDLED
    unknown -= {"properties", "required", "additionalProperties"}
    if unknown:
        raise UnsupportedSchema(f"{where}: keywords not checked by columns: {sorted(unknown)}")
    if "format" in schema and schema["format"] != "date-time":
        raise UnsupportedSchema(f"{where}: format {schema['format']!r} is not checked by columns")
    if "format" in schema and not pa.types.is_timestamp(column.type):
        raise UnsupportedSchema(f"{where}: a date-time column must be an Arrow timestamp")
    if "pattern" in schema:
        re.compile(schema["pattern"])  # the contract's pattern must be valid Python too
    bad = np.zeros(len(column), dtype=bool)
    if pa.types.is_struct(column.type):
        target = _object_schema(schema)
        if target is None:
            raise UnsupportedSchema(f"{where}: a struct column needs an object schema")
        return bad | struct_mask(column, target, where)
    if column.null_count == len(column):
        return bad  # every keyword here judges values, and there is none
    if "enum" in schema:
        members = pa.array([m for m in schema["enum"] if m is not None], column.type)
        if not _all_match(column, lambda v: pc.is_in(v, value_set=members)):
            bad |= ~_bool(pc.is_in(column, value_set=members)) & _bool(column.is_valid())
    low, high = schema.get("minimum"), schema.get("maximum")
    if (low is not None or high is not None) and not _within(column, low, high):
        if low is not None:
            bad |= _bool(pc.less(column, low))
        if high is not None:
            bad |= _bool(pc.greater(column, high))
    low, high = schema.get("minLength"), schema.get("maxLength")
    # a value of n bytes has from n / 4 to n characters: byte lengths often settle it
    if (low is not None or high is not None) and not _within(
        pc.binary_length(column), None if low is None else 4 * low, high
    ):
        length = pc.utf8_length(column)
        if not _within(length, low, high):
            if low is not None:
                bad |= _bool(pc.less(length, low))
            if high is not None:
                bad |= _bool(pc.greater(length, high))
    if "pattern" in schema:
        pattern = schema["pattern"]
        if not _all_match(column, lambda v: pc.match_substring_regex(v, pattern)):
            matched = pc.match_substring_regex(column, pattern)
            bad |= ~_bool(matched) & _bool(column.is_valid())
    return bad


def struct_mask(
    column: pa.Array | pa.ChunkedArray, schema: Mapping[str, Any], where: str
) -> np.ndarray:
    """Flag rows of a struct column violating an object schema (a null struct is not checked)."""
    fields = {f.name for f in column.type}
    valid = _bool(column.is_valid())
    bad = np.zeros(len(column), dtype=bool)
    required = set(schema.get("required", ()))
    for name, sub in iter_properties(schema):
        if name not in fields:
            raise UnsupportedSchema(f"{where}.{name}: no such struct field")
        child = pc.struct_field(column, name)
        if resolve(sub).get("x-bigquery-type") == "JSON":
            if child.null_count < len(child):
                bad |= _bool(child.is_valid())  # object content: only the row checker knows
            continue
        bad |= _column_mask(child, sub, f"{where}.{name}") & valid
        if name in required and child.null_count:
            bad |= ~_bool(child.is_valid()) & valid
    return bad


def violation_mask(table: pa.Table, name: str) -> np.ndarray:
    """Flag the rows of `table` (contract columns) that may violate contract `name`.

    Raises:
        UnsupportedSchema: the contract uses a keyword this module does not check, or a column
            of the contract is missing from the table.
    """
    schema = contract(name).schema
    required = set(schema.get("required", ()))
    bad = np.zeros(table.num_rows, dtype=bool)
    for prop, sub in iter_properties(schema):
        if prop not in table.column_names:
            raise UnsupportedSchema(f"{name}.{prop}: column missing from the table")
        column = table.column(prop)
        if pa.types.is_struct(column.type):
            target = _object_schema(sub)
            if target is None:
                raise UnsupportedSchema(f"{name}.{prop}: a struct column needs an object schema")
            bad |= struct_mask(column, target, f"{name}.{prop}")
        else:
            bad |= _column_mask(column, sub, f"{name}.{prop}")
        if prop in required and column.null_count:
            bad |= ~_bool(column.is_valid())
    return bad
