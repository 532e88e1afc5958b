"""Parse a whole file of beacons at once (DuckDB SQL + Arrow), exactly as the row parser.

The row parser (`beacon.parse_beacon`, one unit per line as `read.read_documents` splits a JSON
lines file) is the definition of correct: a line in, one record or dead letter per array element
out. This module is a second path to the same records for whole files, fast enough for batch
loads:

1. The file is read (gzip or plain) into memory and split into lines with numpy (no copy: the
   Arrow line column points into the file's bytes), with `read_documents`' rules: a file that is
   not JSON lines is one unit, blank lines are no unit, a line's number is its physical number.
2. Lines the SQL cannot vouch for up front go to the row parser: lines that do not start with
   `[` (single objects, leading whitespace or BOM), that hold a control byte (tab, CR, NUL...),
   that are not UTF-8, that escape NUL (`\\u0000`), that do not end with `]`, or that hold a comma
   before a closing bracket (DuckDB's JSON reader accepts trailing commas, Python's does not).
3. Every other line is parsed by one DuckDB query (per file, reusing one in-memory connection per
   thread; `json_valid` only when a line turns out not to be JSON): each array element
   transformed into the contract's typed struct, plus the JSON type of every property
   (`json_type`, one list) and the keys of every object (`json_keys`, counted only). An element
   passes only when it is an object, every value has a JSON type its property allows (an integer
   property takes only integer literals that fit int64, a number property only finite numbers:
   DuckDB's lenient casts of `"5"` or `1.5` never count), its objects have no member beyond the
   properties found (no key is unknown or repeated), and required properties are present; then
   `columnar_checks.violation_mask` checks enums, ranges, lengths and patterns read from
   player_event.v1, and `event_at` must be a datetime (year 9999 at most) as rows.to_row needs.
   A line goes columnar only when all its elements pass (an empty array is a dead letter, so it
   goes to the row parser); any other line goes, whole, to the row parser, which gives its exact
   records and dead letters.
4. Records from both paths are merged in file order; dead letters come only from the row parser.

`read_beacon_table` returns the records as an Arrow table whose schema is the player_events table
schema without the ingest columns (so `event_at`, derived from client_ts_ms exactly as
`streamqoe.contracts.rows` derives it, is included): the rows `rows.to_row` makes of the row
parser's records, value for value.

Left out: files that are one JSON document (pretty-printed, or not JSON lines): one unit, so the
row parser takes it; streaming (the whole decompressed file is held in memory).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from streamqoe.contracts.bigquery import INGEST_COLUMNS, table_schema
from streamqoe.contracts.columnar import duckdb_type, parsed_arrow_schema
from streamqoe.contracts.conformance import UnsupportedSchema
from streamqoe.contracts.registry import contract, iter_properties, resolve
from streamqoe.contracts.rows import to_row
from streamqoe.ingest.beacon import CONTRACT, parse_beacon
from streamqoe.ingest.columnar_checks import violation_mask
from streamqoe.ingest.outcome import DeadLetter, Record, UnitContext
from streamqoe.ingest.read import read_content

logger = logging.getLogger(__name__)

# JSON Schema type -> the `json_type` names (yyjson's) a value of that type may have.
_JSON_TYPES = {
    "string": ("VARCHAR",),
    "integer": ("BIGINT", "UBIGINT"),
    "number": ("BIGINT", "UBIGINT", "DOUBLE"),
    "boolean": ("BOOLEAN",),
    "object": ("OBJECT",),
    "null": ("NULL",),
}
SCAN_BATCHES = 4
# The largest client_ts_ms whose event_at (datetime.fromtimestamp(ms / 1000)) is a datetime.
MAX_CLIENT_TS_MS = 253_402_300_799_999
# Control bytes no candidate line may hold (the newline ends lines, so it is never inside one).
_CONTROL = np.zeros(256, dtype=bool)
_CONTROL[:0x20] = True
_CONTROL[0x7F] = True
_CONTROL[ord("\n")] = False
_NOT_CONTROL = bytes(np.flatnonzero(~_CONTROL).tolist())


def table_arrow_schema() -> pa.Schema:
    """Arrow schema of `read_beacon_table`: player_events' columns without the ingest ones."""
    return parsed_arrow_schema(CONTRACT)


@dataclass
class BeaconTable:
    """A parsed beacon file: records as an Arrow table, dead letters, and where each came from.

    Attributes:
        table: one row per record, in file order (line, then element); schema
            `table_arrow_schema()`.
        line_numbers: the physical line number (1-based) of each table row.
        dead_letters: (line number, dead letter) in file order.
        units: input units (non-blank lines, or 1 for a file that is one document).
        fallback_units: how many units the row parser handled.
        comment_units: units starting with `#` (all handled by the row parser; the pipelines'
            `units` counter leaves them out, as it does CloudFront headers).
    """

    table: pa.Table
    line_numbers: np.ndarray
    dead_letters: list[tuple[int, DeadLetter]]
    units: int
    fallback_units: int
    comment_units: int = 0


# --- the SQL, derived from the contract ------------------------------------------------------


@dataclass(frozen=True)
class _Property:
    """One property checked by the SQL: its JSON path, typed column and allowed JSON types."""

    path: str  # '$.rendition.width'
    column: str  # 's."rendition"."width"'
    types: tuple[str, ...]  # JSON Schema types
    required: bool
    parent: int | None  # index of the enclosing object property, if nested


def _types(schema: Mapping[str, Any]) -> tuple[str, ...]:
    kind = schema.get("type")
    if kind is None:
        raise UnsupportedSchema(f"no type: {schema}")
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    unknown = set(kinds) - set(_JSON_TYPES)
    if unknown:
        raise UnsupportedSchema(f"types not checked by columns: {sorted(unknown)}")
    return kinds


def _closed_object(schema: Mapping[str, Any], where: str) -> None:
    if schema.get("additionalProperties", True) is not False:
        raise UnsupportedSchema(f"{where}: the columnar path needs additionalProperties false")


def _properties(schema: Mapping[str, Any]) -> list[_Property]:
    """The contract's properties, nested objects' own properties right after their object."""
    _closed_object(schema, CONTRACT)
    out: list[_Property] = []

    def walk(obj: Mapping[str, Any], prefix: str, column: str, parent: int | None) -> None:
        required = set(obj.get("required", ()))
        for name, sub in iter_properties(obj):
            sub = resolve(sub)
            kinds = _types(sub)
            out.append(
                _Property(
                    path=f"{prefix}.{name}",
                    column=f'{column}."{name}"',
                    types=kinds,
                    required=name in required,
                    parent=parent,
                )
            )
            if "object" in kinds:
                _closed_object(sub, f"{prefix}.{name}")
                walk(sub, f"{prefix}.{name}", f'{column}."{name}"', len(out) - 1)

    walk(schema, "$", "s", None)
    return out


def _struct_spec(fields: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """json_transform's structure for BigQuery fields (records nest, scalars take DuckDB types)."""
    return {
        f["name"]: _struct_spec(f["fields"]) if f["type"] == "RECORD" else duckdb_type(f)
        for f in fields
    }


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _property_check(p: _Property, t: str) -> str:
    """The SQL condition under which property `p`, whose JSON type (json_type's name, NULL when
    absent) is column `t`, is acceptable: absent only when optional, JSON null only when nullable,
    else one of its JSON types, with a value DuckDB transformed without loss (an integer literal
    beyond int64 transforms to NULL; a number must be finite: `NaN`, `Infinity` and `1e400`, which
    Python reads as inf, are left to the row parser). A NULL result counts as a failure (see
    `parse_sql`). An object property has no value check here: its members are properties of their
    own, and `parse_sql` counts its members."""
    allowed = [name for kind in p.types if kind != "null" for name in _JSON_TYPES[kind]]
    typed = f"{t} IN ({', '.join(_sql_text(a) for a in allowed)})"
    if "number" in p.types:
        typed += f" AND isfinite({p.column}::DOUBLE)"
    elif "integer" in p.types:
        typed += f" AND {p.column} IS NOT NULL"
    terms = []
    if not p.required:
        terms.append(f"{t} IS NULL")
    if "null" in p.types:
        terms.append(f"{t} = 'NULL'")
    if not terms:
        return typed
    return "(" + " OR ".join([*terms, f"({typed})"]) + ")"


@functools.cache
def parse_sql(check_json: bool = True) -> str:
    """The DuckDB query over the registered table `lines(id, line, cand)` (cand: a candidate).

    Returns one row per array element: `__line` (line id), `__elem` (1-based index in the array),
    `__ok` (the element is an object whose keys and JSON value types the contract allows) and the
    contract's columns, typed. Without `check_json` the lines are not checked with json_valid
    first, and a line that is not JSON fails the whole query (then run it with the check).

    Each element is read three times, each a single pass: `json_transform` into the typed struct,
    `json_type` of every property path (one list), `json_keys` of every object (one list). The
    checks then use plain columns (each list entry extracted once):

    - every property's JSON type is one it allows (`_property_check`), so that DuckDB's lenient
      casts (`"5"` or `1.5` into an integer, `5` into a string) never decide an outcome;
    - the objects' members, counted by json_keys, are exactly the properties json_type found (a
      JSON null is a type too, so null members count): a member with another name, or a name
      repeated (json_type finds only the first; Python keeps the last), makes one more member
      than found properties. Properties found in an object are distinct members of it, so per
      object found <= members, and one sum over all objects is equal only when each object is;
    - `$` is an object (an element that is not has no properties, but is a dead letter anyway).

    Any NULL in the conjunction (a required property absent) makes `__ok` false.
    """
    c = contract(CONTRACT)
    props = _properties(c.schema)
    fields = [f for f in table_schema(c) if f["name"] in dict(iter_properties(c.schema))]
    spec = json.dumps(_struct_spec(fields), separators=(",", ":"))
    paths = ["$", *(p.path for p in props)]
    objects = ["$", *(p.path for p in props if "object" in p.types)]
    # t0 is the element's own type, t<i> that of props[i - 1]
    type_columns = ", ".join(f"t[{i + 1}] AS t{i}" for i in range(len(paths)))
    members = " + ".join(f"coalesce(len(k[{i + 1}]), 0)" for i in range(len(objects)))
    checks = ["t0 = 'OBJECT'", "members = found"]
    checks += [_property_check(p, f"t{i}") for i, p in enumerate(props, start=1)]
    ok = "\n    AND ".join(checks)
    path_list = "[" + ", ".join(_sql_text(p) for p in paths) + "]"
    object_list = "[" + ", ".join(_sql_text(p) for p in objects) + "]"
    columns = ", ".join(f's."{f["name"]}"' for f in fields)
    where = "cand AND json_valid(line)" if check_json else "cand"
    return f"""
WITH p AS (
  SELECT id, json_transform(line, '["JSON"]') AS els FROM lines WHERE {where}
), e AS (
  SELECT id, unnest(els) AS e, generate_subscripts(els, 1) AS elem FROM p
), x AS (
  SELECT id, elem,
    json_transform(e, {_sql_text(spec)}) AS s,
    json_type(e, {path_list}) AS t,
    json_keys(e, {object_list}) AS k
  FROM e
), y AS (
  SELECT id, elem, s, {type_columns},
    {members} AS members,
    list_count(t) - 1 AS found
  FROM x
)
SELECT id AS __line, elem AS __elem,
  coalesce(
    {ok},
    false) AS __ok,
  {columns}
FROM y
"""


_LOCAL = threading.local()


def _connection() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB connection (made once: a new database per file costs
    more in memory setup than the query on a small file)."""
    con = getattr(_LOCAL, "connection", None)
    if con is None:
        con = _LOCAL.connection = duckdb.connect()
    return con


# --- lines --------------------------------------------------------------------------------


def is_json_lines(data: bytes) -> bool:
    """`read.read_documents`' test, without splitting the whole file: at least two non-blank
    lines, the first starting with `{` or `[` and ending with `}` or `]` (stripped)."""
    first: bytes | None = None
    pos, size = 0, len(data)
    while pos <= size:
        newline = data.find(b"\n", pos)
        end = size if newline < 0 else newline
        stripped = data[pos:end].strip()
        if stripped:
            if first is not None:
                return first[:1] in (b"{", b"[") and first[-1:] in (b"}", b"]")
            first = stripped
        if newline < 0:
            break
        pos = newline + 1
    return False


def _line_bounds(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) byte offsets of every physical line (`data.split(b"\\n")`); end excludes the
    newline. A file ending with a newline has no last empty line here (it is blank anyway)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    starts = np.concatenate(([0], newlines + 1)).astype(np.int64)
    ends = np.concatenate((newlines, [len(data)])).astype(np.int64)
    if starts[-1] == len(data):
        starts, ends = starts[:-1], ends[:-1]
    return starts, ends


def _lines_of(positions: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Indices of the lines holding the byte offsets `positions`."""
    if len(positions) == 0:
        return np.empty(0, dtype=np.int64)
    return np.unique(np.searchsorted(starts, positions, side="right") - 1)


def _control_byte_lines(data: bytes, buf: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Indices of the lines holding a control byte (below 0x20 but the newline, or DEL)."""
    if not data.translate(None, _NOT_CONTROL):
        return np.empty(0, dtype=np.int64)
    return _lines_of(np.flatnonzero(_CONTROL[buf]), starts)


def _escaped_nul_lines(data: bytes, starts: np.ndarray) -> np.ndarray:
    """Indices of the lines holding the JSON escape of NUL (`\\u0000`)."""
    if data.find(b"\\") < 0:
        return np.empty(0, dtype=np.int64)
    positions = []
    at = data.find(b"\\u0000")
    while at >= 0:
        positions.append(at)
        at = data.find(b"\\u0000", at + 1)
    return _lines_of(np.array(positions, dtype=np.int64), starts)


def _not_utf8_lines(data: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Indices of the lines that are not valid UTF-8."""
    if data.isascii():
        return np.empty(0, dtype=np.int64)
    try:
        data.decode("utf-8")
        return np.empty(0, dtype=np.int64)
    except UnicodeDecodeError:
        pass
    bad = []
    for i, (s, e) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        try:
            data[s:e].decode("utf-8")
        except UnicodeDecodeError:
            bad.append(i)
    return np.array(bad, dtype=np.int64)


def _trailing_comma_lines(data: bytes, buf: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Indices of the lines where a comma comes before `]` or `}` (spaces between allowed)."""
    commas = np.flatnonzero(buf == ord(","))
    after = buf[np.minimum(commas + 1, len(buf) - 1)]
    hits = list(commas[(after == ord("]")) | (after == ord("}"))])
    for at in commas[after == ord(" ")].tolist():  # rare: walk over the spaces
        at += 1
        while at < len(data) and data[at] == 0x20:
            at += 1
        if at < len(data) and data[at] in b"]}":
            hits.append(at)
    return _lines_of(np.array(hits, dtype=np.int64), starts)


def candidate_lines(data: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Mask of the lines the SQL may vouch for (see the module docstring, step 2)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    candidate = np.zeros(len(starts), dtype=bool)
    nonempty = ends > starts
    candidate[nonempty] = (buf[starts[nonempty]] == ord("[")) & (
        buf[ends[nonempty] - 1] == ord("]")
    )
    for bad in (
        _control_byte_lines(data, buf, starts),
        _escaped_nul_lines(data, starts),
        _not_utf8_lines(data, starts, ends),
        _trailing_comma_lines(data, buf, starts),
    ):
        candidate[bad] = False
    return candidate


# --- the parse ----------------------------------------------------------------------------


def _vectorized(
    data: bytes, starts: np.ndarray, ends: np.ndarray, candidate: np.ndarray
) -> tuple[pa.Table, np.ndarray]:
    """Run the SQL over the candidate lines. Returns (rows of the lines whose every element
    passed, in file order, with a `__line` column; mask of the candidate lines that passed)."""
    n = len(starts)
    offsets = np.append(starts, len(data)).astype(np.int64)
    # zero-copy: each line runs to the next line's start, so a candidate line (ending with `]`)
    # carries its newline, which JSON reads as trailing whitespace
    line_array = pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    lines = pa.table({"id": np.arange(n, dtype=np.int64), "line": line_array, "cand": candidate})
    # a few record batches, so that DuckDB's threads can share the scan
    lines = pa.Table.from_batches(lines.to_batches(max_chunksize=max(1, -(-n // SCAN_BATCHES))))
    con = _connection()
    con.register("lines", lines)
    try:
        try:  # candidate lines are nearly always JSON: skip json_valid unless one is not
            got = con.sql(parse_sql(check_json=False)).to_arrow_table()
        except duckdb.InvalidInputException:
            got = con.sql(parse_sql(check_json=True)).to_arrow_table()
    finally:
        con.unregister("lines")
    line_ids = got.column("__line").to_numpy()
    elems = got.column("__elem").to_numpy()
    order = np.lexsort((elems, line_ids))
    if len(order) > 1 and not np.all(order[1:] > order[:-1]):
        got = got.take(pa.array(order))
        line_ids = line_ids[order]
    ok = pc.fill_null(got.column("__ok"), False).to_numpy(zero_copy_only=False)
    props = [name for name, _ in iter_properties(contract(CONTRACT).schema)]
    loose = pa.schema([f.with_nullable(True) for f in table_arrow_schema() if f.name in props])
    values = got.select(props).cast(loose)
    ok &= ~violation_mask(values, CONTRACT)
    # event_at must be a datetime (year <= 9999) like rows.to_row's, else the row parser decides
    ok &= pc.fill_null(
        pc.less_equal(values.column("client_ts_ms"), MAX_CLIENT_TS_MS), False
    ).to_numpy(zero_copy_only=False)
    # a line passes when it has elements and all of them passed
    elements = np.bincount(line_ids, minlength=n)
    failed = np.bincount(line_ids[~ok], minlength=n)
    passed = candidate & (elements > 0) & (failed == 0)
    keep = passed[line_ids]
    rows = values.filter(pa.array(keep))
    rows = rows.append_column("__line", pa.array(line_ids[keep]))
    return rows, passed


def event_at_micros(client_ts_ms: np.ndarray) -> np.ndarray:
    """`event_at` in epoch µs, exactly as rows.to_row derives it: datetime.fromtimestamp(ms /
    1000) (the seconds as a double, the fraction rounded half to even to microseconds)."""
    seconds = client_ts_ms.astype(np.float64) / 1000.0
    whole = np.trunc(seconds)
    micros = np.rint((seconds - whole) * 1e6)
    return whole.astype(np.int64) * 1_000_000 + micros.astype(np.int64)


def _with_event_at(values: pa.Table) -> pa.Table:
    schema = table_arrow_schema()
    ms = values.column("client_ts_ms").to_numpy()
    event_at = pa.array(event_at_micros(ms), type=pa.int64()).cast(schema.field("event_at").type)
    return values.append_column(schema.field("event_at"), event_at)


def record_row(record: Mapping[str, Any], received_at: datetime) -> dict[str, Any]:
    """The table row of a record (rows.to_row without the ingest columns)."""
    row = to_row(contract(CONTRACT), record, ingested_at=received_at)
    for column in INGEST_COLUMNS:
        row.pop(column["name"])
    return row


def _overflow_letter(unit: str, record: Mapping[str, Any], received_at: datetime, exc: Exception):
    ctx = UnitContext.make(unit, received_at, unit)
    return ctx.dead_letter(
        repr(record).encode(),
        stage="validate",
        error_class="ArrowOverflow",
        error_message=f"player_event.v1 record does not fit its Arrow/BigQuery types: {exc}",
        contract=CONTRACT,
    )


def read_beacon_table(
    path: str, *, received_at: datetime, data: bytes | None = None
) -> BeaconTable:
    """Parse a file of beacons (JSON lines, one beacon per line) into records and dead letters.

    Args:
        path: the file (gzip or plain); its name is used in unit ids `file:<path>:<line>`.
        received_at: copied into dead letters.
        data: the file's decompressed bytes, when the caller already holds them.

    Returns:
        Records and dead letters equal to the row parser's over `read_documents(path)` (records
        as their table rows). A record the row parser accepts but Arrow cannot hold (a time beyond
        year 9999; integers beyond int64 are already refused by the contract) becomes a dead letter
        of class `ArrowOverflow`.

    Raises:
        UnreadableInput: the file cannot be read.
    """
    if data is None:
        data = read_content(path)
    schema = table_arrow_schema()
    prefix = f"file:{path}:"
    if not data.strip():
        return BeaconTable(schema.empty_table(), np.empty(0, np.int64), [], 0, 0)
    if not is_json_lines(data):
        units = [(1, data)]
        rows, passed_lines, line_index = None, None, None
        fallback = units
        total = 1
    else:
        starts, ends = _line_bounds(data)
        candidate = candidate_lines(data, starts, ends)
        rows, passed_lines = _vectorized(data, starts, ends, candidate)
        fallback = []
        total = 0
        for i in np.flatnonzero(~passed_lines).tolist():
            line = data[int(starts[i]) : int(ends[i])].rstrip(b"\r")
            if line.strip():
                fallback.append((i + 1, line))
        total = len(fallback) + int(passed_lines.sum())
        line_index = rows.column("__line").to_numpy()

    extra: list[dict[str, Any]] = []
    extra_lines: list[int] = []
    dead: list[tuple[int, DeadLetter]] = []
    for number, unit in fallback:
        unit_id = f"{prefix}{number}"
        for outcome in parse_beacon(
            unit, source=unit_id, received_at=received_at, message_id=unit_id
        ):
            if isinstance(outcome, DeadLetter):
                dead.append((number, outcome))
                continue
            assert isinstance(outcome, Record)
            try:
                row = record_row(outcome.record, received_at)
                pa.Table.from_pylist([row], schema=schema)
            except (pa.ArrowInvalid, OverflowError, ValueError) as exc:
                dead.append((number, _overflow_letter(unit_id, outcome.record, received_at, exc)))
                continue
            extra.append(row)
            extra_lines.append(number)
    parts = [pa.Table.from_pylist(extra, schema=schema)]
    numbers = [np.array(extra_lines, dtype=np.int64)]
    if rows is not None and rows.num_rows:
        parts.insert(0, _with_event_at(rows.drop_columns(["__line"])).cast(schema))
        numbers.insert(0, line_index.astype(np.int64) + 1)
    table = pa.concat_tables(parts)
    line_numbers = np.concatenate(numbers)
    order = np.argsort(line_numbers, kind="stable")
    if len(order) > 1 and not np.all(order[1:] > order[:-1]):
        table = table.take(pa.array(order))
        line_numbers = line_numbers[order]
    return BeaconTable(
        table=table.combine_chunks(),
        line_numbers=line_numbers,
        dead_letters=dead,
        units=total,
        fallback_units=len(fallback),
        comment_units=sum(1 for _, unit in fallback if unit.startswith(b"#")),
    )
