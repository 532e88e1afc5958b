"""Decode a whole column of CMCD strings at once (Arrow compute and DuckDB), exactly as cmcd.py would.

`decode_cmcd_column(texts, form=...)` takes an Arrow array (or a list) of CMCD payloads, either the
CMCD text itself (`form="text"`, what `decode_cmcd` reads, e.g. one `application/cmcd` report line)
or a URL / query string carrying a `CMCD=` argument (`form="query"`, what `cmcd_from_query` reads),
and returns a `CmcdColumn`: the typed `cmcd` struct column of the contracts (same Arrow type as the
cdn_request `cmcd` column), the per-row errors, and the rows' dicts on demand.

Two paths, one truth: the vectorized path handles the common shape only, every member
`key=value` with a key the contract types, a value of that key's type (integer, decimal, ?0/?1 or
bare boolean, token, quoted string of printable ASCII without escapes), no duplicate key, no
spaces around members. Everything else (inner lists, escapes, custom keys, odd tokens, whitespace,
errors, queries with several CMCD arguments or a fragment) is decoded by `decode_cmcd` /
`cmcd_from_query` one string at a time, so the answer for every row is by construction the row
decoder's answer. The equivalence tests in tests/ingest/test_columnar_cmcd.py hold the two together.

Left out: headers and JSON bodies (one report per request or document; nothing to vectorize), and
contract validation (`columnar_checks` does that for whole records).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from streamqoe.contracts.bigquery import table_schema
from streamqoe.contracts.columnar import arrow_type
from streamqoe.contracts.registry import contract
from streamqoe.ingest.cmcd import (
    BOOLEAN,
    DECIMAL,
    INTEGER,
    KEY_TYPES,
    STRING,
    TOKEN,
    CmcdError,
    cmcd_from_query,
    decode_cmcd,
)

logger = logging.getLogger(__name__)

CmcdForm = Literal["text", "query"]

# Row states of the query form (see cmcd_argument_sql).
STATE_NONE, STATE_TEXT, STATE_FALLBACK = 0, 1, 2

KEYS: tuple[str, ...] = tuple(KEY_TYPES)
_TYPE_CODES = {INTEGER: 0, DECIMAL: 1, BOOLEAN: 2, TOKEN: 3, STRING: 4}
_KEY_TYPE_CODE = np.array([_TYPE_CODES[KEY_TYPES[k]] for k in KEYS], dtype=np.int8)
_KEY_SET = pa.array(KEYS, pa.string())

# The regular expressions of cmcd.py (_INTEGER, _DECIMAL, _TOKEN), anchored for RE2.
_INTEGER_RE = r"^-?[0-9]{1,15}$"
_DECIMAL_RE = r"^-?[0-9]{1,12}\.[0-9]{1,3}$"
_TOKEN_RE = r"^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$"
# A quoted string the fast path of cmcd._members takes unchanged: printable ASCII, no '"' or '\'.
_STRING_RE = r'^"[\x20\x21\x23-\x5b\x5d-\x7e]*"$'
_MEMBER_RE = r"(?s)^(?P<k>[^=]*)(?P<eq>=?)(?P<v>.*)$"


@functools.cache
def cmcd_arrow_type() -> pa.StructType:
    """Return the Arrow type of the contracts' `cmcd` struct (from cdn_request's table schema)."""
    fields = table_schema(contract("cdn_request"))
    return arrow_type(next(f for f in fields if f["name"] == "cmcd"))


def sql_literal(text: str) -> str:
    """Quote `text` as a DuckDB string literal."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class CmcdArgumentSql:
    """DuckDB expressions for the `CMCD=` argument of a query column, in three layers.

    Each layer's columns may use the previous layers' (`__cmcd_arg`, then `__cmcd_dec`), so every
    expression is computed once per row. The final `state` is STATE_NONE (cmcd_from_query
    returns None), STATE_TEXT (`text` is the URL-decoded argument, exactly what cmcd_from_query
    passes to decode_cmcd) or STATE_FALLBACK (a shape only cmcd_from_query itself may judge: a URL
    prefix, a '#' fragment, several 'CMCD' occurrences, an argument not UTF-8 once URL-decoded).
    """

    arg: str
    decoded: str
    state: str
    text: str


def cmcd_argument_sql(query: str) -> CmcdArgumentSql:
    """Return the layered expressions (see CmcdArgumentSql) for the column `query`."""
    has = f"contains({query}, 'CMCD=')"
    arg = f"CASE WHEN {has} THEN regexp_extract({query}, '(?:^|&)CMCD=([^&]*)', 1) END"
    decoded = (
        "CASE WHEN contains(__cmcd_arg, '%') THEN TRY(url_decode(__cmcd_arg)) ELSE __cmcd_arg END"
    )
    odd = (
        f"starts_with({query}, 'http://') OR starts_with({query}, 'https://') "
        f"OR starts_with({query}, '/') OR starts_with({query}, '?') OR contains({query}, '#') "
        f"OR length({query}) - length(replace({query}, 'CMCD', '')) > 4"
    )
    state = (
        f"CASE WHEN {query} IS NULL OR NOT {has} THEN {STATE_NONE} "
        f"WHEN {odd} THEN {STATE_FALLBACK} "
        f"WHEN NOT regexp_matches({query}, '(^|&)CMCD=') THEN {STATE_NONE} "
        f"WHEN __cmcd_dec IS NULL THEN {STATE_FALLBACK} "
        f"ELSE {STATE_TEXT} END"
    )
    return CmcdArgumentSql(arg=arg, decoded=decoded, state=state, text="__cmcd_dec")


def struct_row(decoded: dict[str, Any] | None) -> dict[str, Any] | None:
    """Convert a decode_cmcd dict to a row of the cmcd struct (JSON columns as sorted JSON text)."""
    if decoded is None:
        return None
    row: dict[str, Any] = {}
    for f in cmcd_arrow_type():
        value = decoded.get(f.name)
        if value is not None and f.name in ("lists", "custom"):
            value = json.dumps(value, sort_keys=True)
        elif value is not None and pa.types.is_floating(f.type):
            value = float(value)
        row[f.name] = value
    return row


@dataclass(frozen=True)
class _Members:
    """The members of the vectorized rows: key index per member, and each row's member slice."""

    offsets: np.ndarray  # row r's members are kidx[offsets[r]:offsets[r + 1]]
    kidx: np.ndarray


@dataclass
class CmcdColumn:
    """The decoded column: `values` (one struct per input row) and what it took to get there.

    Attributes:
        values: the cmcd struct per row; null where there is no CMCD (query form), where decoding
            failed (see `errors`), and for null inputs.
        errors: row index -> the CmcdError the row decoder raised.
        fallback_rows: rows decoded one at a time by the row decoder.
    """

    values: pa.StructArray
    errors: dict[int, CmcdError]
    fallback_rows: np.ndarray
    _fallback_dicts: dict[int, dict[str, Any] | None] = field(repr=False)
    _busy_pos: np.ndarray = field(repr=False)
    _members: _Members = field(repr=False)

    def to_dicts(self) -> list[dict[str, Any] | CmcdError | None]:
        """Return what the row decoder returns for each row: a dict, None, or its CmcdError.

        Dicts list their keys in the order the string sent them, as decode_cmcd's do.
        """
        out: list[dict[str, Any] | CmcdError | None] = []
        offsets = self._members.offsets.tolist()
        kidx = self._members.kidx.tolist()
        positions = self._busy_pos.tolist()
        for i, row in enumerate(self.values.to_pylist()):
            if i in self.errors:
                out.append(self.errors[i])
            elif i in self._fallback_dicts:
                out.append(self._fallback_dicts[i])
            elif row is None:
                out.append(None)
            else:
                b = positions[i]
                out.append({KEYS[k]: row[KEYS[k]] for k in kidx[offsets[b] : offsets[b + 1]]})
        return out


def _as_string_array(texts: pa.Array | pa.ChunkedArray | Sequence[str | None]) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if not isinstance(texts, pa.Array):
        texts = pa.array(list(texts), pa.string())
    if texts.type != pa.string():
        texts = texts.cast(pa.string())
    return texts


def _query_texts(queries: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Return (state per row, CMCD text per row) for query-form input, computed by DuckDB."""
    sql = cmcd_argument_sql("q")
    con = duckdb.connect()
    con.register("queries", pa.table({"q": queries}))
    result = con.sql(
        f"SELECT ({sql.state})::TINYINT AS state, {sql.text} AS text FROM ("
        f"SELECT q, {sql.decoded} AS __cmcd_dec FROM (SELECT q, {sql.arg} AS __cmcd_arg "
        "FROM queries))"
    ).to_arrow_table()
    con.close()
    state = result.column("state").to_numpy()
    return state, result.column("text").combine_chunks().cast(pa.string())


def _typed_members(
    words: pa.Array, value_at: np.ndarray, codes: np.ndarray
) -> tuple[np.ndarray, dict[int, tuple[np.ndarray, pa.Array]]]:
    """Type each member's value by its key's type (cmcd._bare_item + cmcd._coerce, common shapes).

    Args:
        words: the split members' words; a member's value is `words[value_at[m]]`.
        value_at: per member, the position of its value in `words` (-1 for a bare key).
        codes: per member, the type code of its key (-1: not a key the contract types).

    Returns:
        (ok per member, type code -> (member indices, typed values)).
    """
    ok = np.zeros(len(codes), dtype=bool)
    typed: dict[int, tuple[np.ndarray, pa.Array]] = {}
    for name, code in _TYPE_CODES.items():
        idx = np.flatnonzero(codes == code)
        if not len(idx):
            continue
        at = value_at[idx]
        v = words.take(pa.array(at, mask=at < 0))
        if name == INTEGER:
            good = _matches(v, _INTEGER_RE)
            arr = pc.if_else(pa.array(good), v, "0").cast(pa.int64())
        elif name == DECIMAL:
            good = _matches(v, _INTEGER_RE) | _matches(v, _DECIMAL_RE)
            arr = pc.if_else(pa.array(good), v, "0").cast(pa.float64())
        elif name == BOOLEAN:
            true = (at < 0) | _bool(pc.equal(v, "?1"))
            good = true | _bool(pc.equal(v, "?0"))
            arr = pa.array(true)
        elif name == TOKEN:
            good = _matches(v, _TOKEN_RE)
            arr = v
        else:
            good = _matches(v, _STRING_RE)
            arr = pc.utf8_slice_codeunits(v, 1, -1)
        ok[idx] = good
        typed[code] = (idx, arr)
    return ok, typed


def _bool(array: pa.Array) -> np.ndarray:
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


def _matches(values: pa.Array, pattern: str) -> np.ndarray:
    return _bool(pc.match_substring_regex(values, pattern))


def _vectorized(texts: pa.Array) -> tuple[np.ndarray, pa.StructArray, _Members]:
    """Decode rows of the common shape; return (vouched per row, struct values, members).

    `texts` holds no nulls and no empty strings.
    """
    n = len(texts)
    row_ok = ~_matches(texts, r"[(\\]|^[ \t]|[ \t]$")
    members = pc.split_pattern(texts, ",")
    offsets = members.offsets.to_numpy().astype(np.int64)
    flat = members.flatten()
    parent = np.repeat(np.arange(n), np.diff(offsets))
    pieces = pc.split_pattern(flat, "=", max_splits=1)  # [key] or [key, value]
    piece_offsets = pieces.offsets.to_numpy().astype(np.int64)
    words = pieces.flatten()
    key_at = piece_offsets[:-1]
    has_eq = np.diff(piece_offsets) == 2
    found = pc.index_in(words, value_set=_KEY_SET)
    kidx = pc.fill_null(found, -1).to_numpy(zero_copy_only=False)[key_at].astype(np.int64)
    known = kidx >= 0
    codes = np.where(known, _KEY_TYPE_CODE[np.maximum(kidx, 0)], -1)
    value_at = np.where(has_eq, key_at + 1, -1)
    member_ok, typed = _typed_members(words, value_at, codes)
    member_ok &= known
    # a duplicate key (RFC 8941: the last wins) is left to the row decoder: with one bit per key,
    # a row's sum of bits exceeds their OR exactly when a key repeats
    shift = np.maximum(kidx, 0).astype(np.uint64)
    bits = np.where(known, np.left_shift(np.uint64(1), shift), np.uint64(0)).astype(np.uint64)
    starts = offsets[:-1]
    if len(starts):
        repeated = np.add.reduceat(bits, starts) != np.bitwise_or.reduceat(bits, starts)
        row_ok &= ~repeated
    row_ok[np.unique(parent[~member_ok])] = False
    # scatter every member into its key's column: group each type's members by key once
    groups: dict[int, tuple[pa.Array, np.ndarray, np.ndarray]] = {}
    for idx, arr in typed.values():
        keep = member_ok[idx]
        sub = np.flatnonzero(keep)
        order = sub[np.argsort(kidx[idx][sub].astype(np.int8), kind="stable")]  # radix sort
        sorted_keys = kidx[idx][order]
        bounds = np.searchsorted(sorted_keys, np.arange(len(KEYS) + 1))
        for k in np.unique(sorted_keys).tolist():
            groups[k] = (arr, order[bounds[k] : bounds[k + 1]], idx)
    columns = []
    for f in cmcd_arrow_type():
        k = KEYS.index(f.name) if f.name in KEY_TYPES else -1
        if k not in groups:
            columns.append(pa.nulls(n, f.type))
            continue
        arr, sel, idx = groups[k]
        take = np.full(n, -1, dtype=np.int64)
        take[parent[idx[sel]]] = sel
        columns.append(arr.take(pa.array(take, mask=take < 0)).cast(f.type))
    values_struct = pa.StructArray.from_arrays(columns, fields=list(cmcd_arrow_type()))
    return row_ok, values_struct, _Members(offsets=offsets, kidx=kidx)


def decode_cmcd_column(
    texts: pa.Array | pa.ChunkedArray | Sequence[str | None], *, form: CmcdForm = "text"
) -> CmcdColumn:
    """Decode a column of CMCD payloads; each row ends as decode_cmcd / cmcd_from_query would.

    Args:
        texts: CMCD strings (`form="text"`, already URL-decoded, as decode_cmcd takes them) or URLs
            / query strings with a `CMCD=` argument (`form="query"`, as cmcd_from_query takes them).
            Null rows stay null.
        form: which of the two the column holds.

    Returns:
        The struct column, per-row errors, and the rows the row decoder handled.
    """
    source = _as_string_array(texts)
    n = len(source)
    valid = source.is_valid().to_numpy(zero_copy_only=False)
    if form == "query":
        state, text = _query_texts(source)
        state = np.where(valid, state, STATE_NONE)
    else:
        state = np.where(valid, STATE_TEXT, STATE_NONE).astype(np.int8)
        text = source
    candidates = np.flatnonzero(state == STATE_TEXT)
    cand_text = text.take(pa.array(candidates))
    lengths = pc.utf8_length(cand_text).to_numpy(zero_copy_only=False)
    empty = candidates[lengths == 0]
    busy = candidates[lengths > 0]
    row_ok_busy, busy_values, members = _vectorized(cand_text.filter(pa.array(lengths > 0)))

    # Everything the vectorized path does not vouch for goes to the row decoder.
    fallback = np.concatenate([np.flatnonzero(state == STATE_FALLBACK), busy[~row_ok_busy]])
    fallback.sort()
    errors: dict[int, CmcdError] = {}
    fallback_dicts: dict[int, dict[str, Any] | None] = {}
    decode = cmcd_from_query if form == "query" else decode_cmcd
    raw = source.take(pa.array(fallback)).to_pylist()
    for i, value in zip(fallback.tolist(), raw, strict=True):
        try:
            fallback_dicts[i] = decode(value)
        except CmcdError as exc:
            errors[i] = exc
    empty_value: dict[str, Any] | None = {} if form == "text" else None
    for i in empty.tolist():
        fallback_dicts[i] = empty_value

    # Position of each row in [vectorized rows ; row-decoder rows]; -1 is null.
    busy_pos = np.full(n, -1, dtype=np.int64)
    vec_rows = busy[row_ok_busy]
    busy_pos[vec_rows] = np.flatnonzero(row_ok_busy)
    extra_rows = np.array(sorted(fallback_dicts), dtype=np.int64)
    take = busy_pos.copy()
    take[extra_rows] = len(busy) + np.arange(len(extra_rows))
    extra = pa.array(
        [struct_row(fallback_dicts[i]) for i in extra_rows.tolist()], type=cmcd_arrow_type()
    )
    pool = pa.concat_arrays([busy_values, extra]) if len(extra_rows) else busy_values
    values = pool.take(pa.array(take, mask=take < 0))
    return CmcdColumn(
        values=values,
        errors=errors,
        fallback_rows=fallback,
        _fallback_dicts=fallback_dicts,
        _busy_pos=busy_pos,
        _members=members,
    )
