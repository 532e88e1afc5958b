"""Parse a whole CloudFront standard log file at once (DuckDB SQL + Arrow), exactly as the row parser.

The row parser (`cloudfront.StandardLogParser`) is the definition of correct: one line in, one
record or dead letter out. This module is a second path to the same answer for whole files, fast
enough for batch loads:

1. The file is read (gzip or plain) into memory and split into lines with numpy (no copy: the
   Arrow line column points into the file's bytes).
2. Lines the SQL cannot vouch for up front go to the row parser in file order: `#` headers (a
   `#Fields` line switches the field map from the next line on), blank lines, lines that do not
   start with printable ASCII, lines holding a carriage return or NUL, and lines that are not UTF-8.
3. Every other line is parsed by one DuckDB query per field map (multi-threaded): split on tabs,
   `-` and empty as null, integers, seconds -> ms, date + time, IPv4 /24 and IPv6 /48 truncation,
   URL decoding (twice for double-encoded user agents), cache result normalization, and the
   `CMCD=` argument, which `columnar_cmcd` decodes into the typed struct. Each check the query
   cannot pass (field count, a number that is not a plain number, a bad date, an address it
   cannot normalize, a URL escape that is not UTF-8, unusual CMCD) sends the line to the row
   parser, as do rows that `columnar_checks` finds may break the contract (enums, ranges,
   lengths, patterns, required columns, all read from cdn_request.v1).
4. Records from both paths are merged in file order; dead letters come only from the row parser.

`read_cloudfront_table` returns the records as an Arrow table whose schema is the cdn_request
table schema without the ingest columns; `iter_cloudfront_outcomes` yields the same `Outcome`s as
`parse_cloudfront_log(read_lines(path))`, dicts equal key for key.

Left out: real-time logs (they arrive a Kinesis record at a time), field maps without `date` and
`time` or with real-time `cmcd-*` fields (such segments go wholly to the row parser), and
streaming: the whole decompressed file is held in memory.
"""

from __future__ import annotations

import functools
import gzip
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from streamqoe.contracts.bigquery import INGEST_COLUMNS, table_schema
from streamqoe.contracts.columnar import arrow_schema
from streamqoe.contracts.registry import contract
from streamqoe.contracts.rows import parse_timestamp
from streamqoe.ingest.cloudfront import (
    CACHE_RESULTS,
    CONTRACT,
    SCHEMA_VERSION,
    STANDARD_FIELDS,
    FieldPlan,
    StandardLogParser,
)
from streamqoe.ingest.columnar_checks import violation_mask
from streamqoe.ingest.columnar_cmcd import (
    STATE_FALLBACK,
    STATE_TEXT,
    cmcd_argument_sql,
    decode_cmcd_column,
    sql_literal,
    struct_row,
)
from streamqoe.ingest.outcome import DeadLetter, Outcome, Record, UnitContext
from streamqoe.ingest.read import UnreadableInput, open_binary

logger = logging.getLogger(__name__)

MAX_INT_DIGITS = 18  # longer numbers may not fit int64: the row parser decides
_HEX = "[0-9A-Fa-f]{1,4}"
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4 = rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}"
_DATE = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
_SECONDS = r"[0-9]{1,9}(\.[0-9]{1,3})?"
# Lines the SQL takes: first byte printable ASCII other than '#'.
_INT_COLUMNS = ("bytes_sent", "bytes_received", "range_start", "range_end", "asn")
_FIRST_OK = np.zeros(256, dtype=bool)
_FIRST_OK[0x21:0x7F] = True
_FIRST_OK[ord("#")] = False


def _ipv6_pattern() -> str:
    """An IPv6 address whose first three groups are written out (so /48 is those groups)."""
    head = f"{_HEX}:{_HEX}:{_HEX}"
    options = [f"{head}(:{_HEX}){{5}}"]
    for before in range(5):  # groups after the first three, before '::' (7 written at most)
        for after in range(5 - before):
            tail = "" if after == 0 else f"{_HEX}(:{_HEX}){{{after - 1}}}"
            options.append(f"{head}(:{_HEX}){{{before}}}::{tail}")
    return "(" + "|".join(options) + ")"


_IPV6 = _ipv6_pattern()


@functools.cache
def table_arrow_schema() -> pa.Schema:
    """Return the Arrow schema of `read_cloudfront_table`: cdn_request's columns, no ingest ones."""
    ingest = {c["name"] for c in INGEST_COLUMNS}
    fields = [f for f in table_schema(contract(CONTRACT)) if f["name"] not in ingest]
    return arrow_schema(fields)


@dataclass
class CloudFrontTable:
    """A parsed log: records as an Arrow table, dead letters, and where each came from.

    Attributes:
        table: one row per record, in file order; schema `table_arrow_schema()`.
        line_numbers: the physical line number (1-based) of each table row.
        dead_letters: (line number, dead letter) in file order.
        fallback_lines: how many data lines the row parser handled.
    """

    table: pa.Table
    line_numbers: np.ndarray
    dead_letters: list[tuple[int, DeadLetter]]
    fallback_lines: int


@dataclass
class _Parsed:
    """The two halves before merging: vectorized rows (Arrow) and row-parser outcomes by line."""

    vectorized: pa.Table  # contract columns + __line (+ __request_at_text, __cmcd for dicts)
    fallback: list[tuple[int, Outcome]] = field(default_factory=list)
    cmcd_dicts: list[dict[str, Any] | None] | None = None


def read_bytes(path: str) -> bytes:
    """Return the decompressed bytes of `path`.

    Raises:
        UnreadableInput: the file cannot be opened, or its gzip stream is broken.
    """
    try:
        with open_binary(path) as stream:
            return stream.read()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise UnreadableInput(f"{path}: {exc}") from None


def _line_bounds(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Return (start, end) byte offsets of every line; end excludes the newline."""
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    starts = np.concatenate(([0], newlines + 1)).astype(np.int64)
    ends = np.concatenate((newlines, [len(data)])).astype(np.int64)
    if starts[-1] == len(data):  # the file ends with a newline: no last partial line
        starts, ends = starts[:-1], ends[:-1]
    return starts, ends


def _lines_with(data: bytes, byte: bytes, starts: np.ndarray) -> np.ndarray:
    """Return the indices of lines containing `byte` (cheap when there is none)."""
    if data.find(byte) < 0:
        return np.empty(0, dtype=np.int64)
    buf = np.frombuffer(data, dtype=np.uint8)
    positions = np.flatnonzero(buf == byte[0])
    return np.unique(np.searchsorted(starts, positions, side="right") - 1)


def _not_utf8_lines(data: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Return the indices of lines that are not valid UTF-8."""
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


def _nv(expr: str) -> str:
    return f"CASE WHEN {expr} IN ('-', '') THEN NULL ELSE {expr} END"


def _digits(col: str) -> str:
    return f"({col} IS NULL OR regexp_full_match({col}, '[0-9]{{1,{MAX_INT_DIGITS}}}'))"


def _url_decode(col: str) -> str:
    return f"CASE WHEN contains({col}, '%') THEN TRY(url_decode({col})) ELSE {col} END"


def _ms(col: str) -> str:
    """Seconds with at most 3 decimals -> ms, exact (what round(float(s) * 1000, 3) gives)."""
    return f"(TRY_CAST({col} AS DECIMAL(12, 3)) * 1000)::DOUBLE"


def vectorizable(plan: FieldPlan) -> bool:
    """Whether the SQL handles lines of this field map (else every line goes to the row parser)."""
    at = plan.at
    has_date = at["date"] >= 0 and at["time"] >= 0
    return has_date and not plan.cmcd_fields and not plan.missing_required()


def plan_sql(plan: FieldPlan, plan_id: int, distribution: str | None, *, with_text: bool) -> str:
    """Return the DuckDB query parsing the candidate lines of one field map.

    The query reads the registered table `lines(id, line, plan_id)` and returns `__line` (the line
    index), `__ok` (every check passed), the typed contract columns except cmcd, `__cmcd_state`,
    `__cmcd_text` and, with `with_text`, `__request_at_text` (the record's request_at string).
    Each layer computes its expressions once per row.
    """
    n = len(plan.fields)
    at = plan.at

    def raw(column: str) -> str:
        i = at.get(column, -1)
        if i < 0:
            return "NULL::VARCHAR"
        return f"rtrim(p[{n}], chr(10))" if i == n - 1 else f"p[{i + 1}]"

    raw_cols = ", ".join(f"{raw(c)} AS c_{c}" for c in at)
    null_cols = ", ".join(
        f"c_{c}" if c in ("date", "time") else f"{_nv('c_' + c)} AS c_{c}" for c in at
    )
    cmcd = cmcd_argument_sql("c_query")
    dist = sql_literal(distribution) if distribution else "NULL::VARCHAR"
    mapped = " ".join(
        f"WHEN {{col}} = {sql_literal(k)} THEN {sql_literal(v)}" for k, v in CACHE_RESULTS.items()
    )
    hextets = ", ".join(
        f"CASE WHEN is_v6 THEN coalesce(nullif(ltrim(lower(split_part(c_client_ip, ':', {k})), "
        f"'0'), ''), '0') END AS g{k}"
        for k in (1, 2, 3)
    )
    checks = [
        f"nf = {n}",
        f"regexp_full_match(c_date, '{_DATE}')",
        "NOT starts_with(c_date, '0000')",
        f"regexp_full_match(c_time, '{_TIME}')",
        "ts IS NOT NULL",
        "c_method IS NOT NULL",
        "c_path IS NOT NULL",
        f"regexp_full_match(c_status, '[0-9]{{1,{MAX_INT_DIGITS}}}')",
        *(_digits(f"c_{c}") for c in _INT_COLUMNS),
        f"(c_time_taken IS NULL OR regexp_full_match(c_time_taken, '{_SECONDS}'))",
        f"(c_ttfb IS NULL OR regexp_full_match(c_ttfb, '{_SECONDS}'))",
        "(c_client_ip IS NULL OR is_v4 OR (is_v6 AND NOT (g1 = '0' AND g2 = '0' AND g3 = '0')))",
        "(c_country IS NULL OR regexp_full_match(c_country, '[A-Za-z]{2}'))",
        "path_dec IS NOT NULL",
        "(c_referer IS NULL OR referer_dec IS NOT NULL)",
        "(c_user_agent IS NULL OR ua_dec IS NOT NULL)",
        f"cmcd_state <> {STATE_FALLBACK}",
    ]
    ok = " AND ".join(f"coalesce({c}, false)" for c in checks)
    text = ", c_date || 'T' || c_time || 'Z' AS __request_at_text" if with_text else ""
    return f"""
WITH s AS (
  SELECT id, string_split(line, chr(9)) AS p FROM lines WHERE plan_id = {plan_id}
), r AS (
  SELECT id, len(p) AS nf, {raw_cols} FROM s
), v AS (
  SELECT id, nf, {null_cols} FROM r
), t AS (
  SELECT *,
    try_strptime(c_date || ' ' || c_time, '%Y-%m-%d %H:%M:%S') AS ts,
    CASE WHEN NOT contains(c_client_ip, ':') THEN regexp_full_match(c_client_ip, '{_IPV4}')
      END AS is_v4,
    CASE WHEN contains(c_client_ip, ':') THEN regexp_full_match(c_client_ip, '{_IPV6}')
      END AS is_v6,
    {_url_decode("c_path")} AS path_dec,
    {_url_decode("c_referer")} AS referer_dec,
    {_url_decode("c_user_agent")} AS ua_once,
    {cmcd.arg} AS __cmcd_arg
  FROM v
), u AS (
  SELECT *, {hextets},
    CASE WHEN contains(ua_once, '%') AND regexp_matches(ua_once, '%[0-9A-Fa-f]{{2}}')
      THEN TRY(url_decode(ua_once)) ELSE ua_once END AS ua_dec,
    {cmcd.decoded} AS __cmcd_dec
  FROM t
), w AS (
  SELECT *, ({cmcd.state})::TINYINT AS cmcd_state FROM u
)
SELECT
  id AS __line,
  {ok} AS __ok,
  {sql_literal(SCHEMA_VERSION)} AS schema_version,
  'cloudfront' AS cdn,
  {sql_literal(plan.log_format)} AS log_format,
  c_request_id AS request_id,
  ts AS request_at,
  coalesce(c_distribution, {dist}, c_cf_host) AS distribution,
  c_pop AS pop,
  CASE WHEN is_v4 THEN regexp_extract(c_client_ip, '^([0-9]+\\.[0-9]+\\.[0-9]+)\\.', 1) || '.0'
       WHEN is_v6 THEN CASE WHEN g3 <> '0' THEN g1 || ':' || g2 || ':' || g3 || '::'
                            WHEN g2 <> '0' THEN g1 || ':' || g2 || '::'
                            ELSE g1 || '::' END
  END AS client_ip,
  upper(c_country) AS client_country,
  TRY_CAST(c_asn AS BIGINT) AS client_asn,
  c_method AS method,
  c_protocol AS protocol,
  c_http_version AS http_version,
  coalesce(c_host, c_cf_host) AS host,
  path_dec AS path,
  c_query AS query,
  TRY_CAST(c_status AS BIGINT) AS status,
  TRY_CAST(c_bytes_sent AS BIGINT) AS bytes_sent,
  TRY_CAST(c_bytes_received AS BIGINT) AS bytes_received,
  {_ms("c_time_taken")} AS time_taken_ms,
  {_ms("c_ttfb")} AS ttfb_ms,
  CASE {mapped.format(col="c_detailed")} {mapped.format(col="c_result_type")}
       WHEN c_detailed IS NOT NULL OR c_result_type IS NOT NULL
         THEN CASE WHEN c_result_type = 'Error' THEN 'error' ELSE 'other' END
  END AS cache_result,
  coalesce(c_detailed, c_result_type) AS cache_detail,
  ua_dec AS user_agent,
  referer_dec AS referer,
  c_content_type AS content_type,
  NULL::VARCHAR AS range_header,
  TRY_CAST(c_range_start AS BIGINT) AS range_start,
  TRY_CAST(c_range_end AS BIGINT) AS range_end,
  cmcd_state AS __cmcd_state,
  {cmcd.text} AS __cmcd_text{text}
FROM w
"""


def record_row(record: dict[str, Any], schema: pa.Schema) -> dict[str, Any]:
    """Type a contract-valid record dict for the Arrow table (timestamps, struct, JSON text)."""
    row: dict[str, Any] = {}
    for f in schema:
        value = record.get(f.name)
        if value is not None:
            if pa.types.is_timestamp(f.type):
                value = parse_timestamp(value)
            elif pa.types.is_struct(f.type):
                value = struct_row(value)
            elif pa.types.is_floating(f.type):
                value = float(value)
        row[f.name] = value
    return row


class _Run:
    """One parse of one file's bytes (state shared by the steps of `_parse`)."""

    def __init__(
        self,
        data: bytes,
        path: str,
        *,
        received_at: datetime,
        distribution: str | None,
        fields: Sequence[str],
        want_dicts: bool,
    ):
        self.data = data
        self.prefix = f"file:{path}:"
        self.received_at = received_at
        self.distribution = distribution
        self.parser = StandardLogParser(
            received_at=received_at, distribution=distribution, fields=fields
        )
        self.want_dicts = want_dicts

    def row_parse(self, index: int, start: int, end: int) -> Outcome | None:
        """Run the row parser on line `index` exactly as parse_file would (blank lines: None)."""
        line = self.data[start:end].rstrip(b"\r\n")
        if not line.strip():
            return None
        unit = f"{self.prefix}{index + 1}"
        return self.parser.line(line, unit, unit)


def _parse(
    data: bytes,
    path: str,
    *,
    received_at: datetime,
    distribution: str | None,
    fields: Sequence[str],
    want_dicts: bool,
) -> _Parsed:
    run = _Run(
        data,
        path,
        received_at=received_at,
        distribution=distribution,
        fields=fields,
        want_dicts=want_dicts,
    )
    starts, ends = _line_bounds(data)
    n_lines = len(starts)
    buf = np.frombuffer(data, dtype=np.uint8)
    candidate = np.zeros(n_lines, dtype=bool)
    nonempty = ends > starts
    candidate[nonempty] = _FIRST_OK[buf[starts[nonempty]]]
    for byte in (b"\r", b"\x00"):
        candidate[_lines_with(data, byte, starts)] = False
    candidate[_not_utf8_lines(data, starts, ends)] = False

    # Row parser, in file order, for every non-candidate line; note where the field map changes.
    plans: list[FieldPlan] = [run.parser.plan]
    plan_ids = {run.parser.plan.fields: 0}
    switch_lines: list[int] = []
    switch_plans: list[int] = []
    fallback: list[tuple[int, Outcome]] = []
    for i in np.flatnonzero(~candidate).tolist():
        before = run.parser.plan
        outcome = run.row_parse(i, int(starts[i]), int(ends[i]))
        if outcome is not None:
            fallback.append((i, outcome))
        if run.parser.plan is not before:
            plan = run.parser.plan
            pid = plan_ids.setdefault(plan.fields, len(plans))
            if pid == len(plans):
                plans.append(plan)
            switch_lines.append(i)
            switch_plans.append(pid)
    line_plan = np.zeros(n_lines, dtype=np.int32)
    if switch_lines:
        where = np.searchsorted(np.array(switch_lines), np.arange(n_lines), side="right") - 1
        mapped = np.array(switch_plans, dtype=np.int32)[np.maximum(where, 0)]
        line_plan = np.where(where >= 0, mapped, 0).astype(np.int32)

    # One query per vectorizable field map over the candidate lines (zero-copy line column).
    offsets = np.append(starts, len(data)).astype(np.int64)
    line_array = pa.Array.from_buffers(
        pa.large_string(), n_lines, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    selected = np.where(candidate, line_plan, -1).astype(np.int32)
    lines = pa.table({"id": pa.array(np.arange(n_lines)), "line": line_array, "plan_id": selected})
    con = duckdb.connect()
    con.register("lines", lines)
    parts: list[pa.Table] = []
    for pid, plan in enumerate(plans):
        if not np.any(selected == pid):
            continue
        if not vectorizable(plan):
            selected[selected == pid] = -2  # the row parser takes them below
            continue
        sql = plan_sql(plan, pid, distribution, with_text=want_dicts)
        parts.append(con.sql(sql).to_arrow_table())
    con.close()
    for i in np.flatnonzero(selected == -2).tolist():
        run.parser.plan = plans[line_plan[i]]
        outcome = run.row_parse(i, int(starts[i]), int(ends[i]))
        if outcome is not None:
            fallback.append((i, outcome))

    schema = table_arrow_schema()
    if parts:
        got = pa.concat_tables(parts).combine_chunks()
        order = got.column("__line").to_numpy()
        if len(order) > 1 and not np.all(order[1:] > order[:-1]):
            got = got.take(pa.array(np.argsort(order, kind="stable")))
    else:
        got = _empty_sql_result(schema)
    ok = pc.fill_null(got.column("__ok"), False).to_numpy(zero_copy_only=False)

    # CMCD of the rows that passed so far, decoded as a column.
    state = got.column("__cmcd_state").to_numpy(zero_copy_only=False)
    text = got.column("__cmcd_text").combine_chunks()
    use = ok & (state == STATE_TEXT)
    text = pc.if_else(pa.array(use), text, pa.nulls(len(text), pa.string()))
    text = pc.if_else(pc.equal(text, ""), pa.nulls(len(text), pa.string()), text)
    decoded = decode_cmcd_column(text, form="text")
    ok[decoded.fallback_rows] = False  # unusual CMCD: the row parser words it
    table = got.select([f.name for f in schema if f.name != "cmcd"])
    table = table.append_column(schema.field("cmcd"), decoded.values).select(schema.names)
    loose = pa.schema([f.with_nullable(True) for f in schema])  # rows still to be vouched for
    table = table.cast(loose)
    ok &= ~violation_mask(table, CONTRACT)

    line_index = got.column("__line").to_numpy()
    for i in line_index[~ok].tolist():
        run.parser.plan = plans[line_plan[i]]
        outcome = run.row_parse(i, int(starts[i]), int(ends[i]))
        if outcome is not None:
            fallback.append((i, outcome))
    keep = pa.array(ok)
    vectorized = table.filter(keep).append_column("__line", pa.array(line_index[ok]))
    cmcd_dicts = None
    if want_dicts:
        vectorized = vectorized.append_column(
            "__request_at_text", got.column("__request_at_text").filter(keep)
        )
        cmcd_dicts = [
            d if isinstance(d, dict) else None
            for d, k in zip(decoded.to_dicts(), ok.tolist(), strict=True)
            if k
        ]
    fallback.sort(key=lambda item: item[0])
    return _Parsed(vectorized=vectorized, fallback=fallback, cmcd_dicts=cmcd_dicts)


def _empty_sql_result(schema: pa.Schema) -> pa.Table:
    """The shape of an SQL result with no rows (a file with no candidate line)."""
    extra = [
        pa.field("__line", pa.int64()),
        pa.field("__ok", pa.bool_()),
        pa.field("__request_at_text", pa.string()),
        pa.field("__cmcd_state", pa.int8()),
        pa.field("__cmcd_text", pa.string()),
    ]
    fields = [f for f in schema if f.name != "cmcd"] + extra
    return pa.schema(fields).empty_table()


def read_cloudfront_table(
    path: str,
    *,
    received_at: datetime,
    distribution: str | None = None,
    fields: Sequence[str] = STANDARD_FIELDS,
    data: bytes | None = None,
) -> CloudFrontTable:
    """Parse a CloudFront standard log file into an Arrow table of records and dead letters.

    Args:
        path: the file (gzip or plain); its name is used in unit ids `file:<path>:<line>`.
        received_at: copied into dead letters.
        distribution: the distribution id (see read.distribution_from_name), else cs(Host).
        fields: the field list until the first `#Fields` header.
        data: the file's decompressed bytes, when the caller already holds them.

    Returns:
        Records and dead letters equal to the row parser's. A record the row parser accepts but
        Arrow cannot hold (an integer beyond int64) becomes a dead letter of class
        `ArrowOverflow` here (the outcome path keeps it as a record).

    Raises:
        UnreadableInput: the file cannot be read.
    """
    if data is None:
        data = read_bytes(path)
    parsed = _parse(
        data,
        path,
        received_at=received_at,
        distribution=distribution,
        fields=fields,
        want_dicts=False,
    )
    schema = table_arrow_schema()
    vec = parsed.vectorized
    rows: list[dict[str, Any]] = []
    row_lines: list[int] = []
    dead: list[tuple[int, DeadLetter]] = []
    for i, outcome in parsed.fallback:
        if isinstance(outcome, DeadLetter):
            dead.append((i + 1, outcome))
            continue
        row = record_row(outcome.record, schema)
        try:
            pa.Table.from_pylist([row], schema=schema)
        except (pa.ArrowInvalid, OverflowError) as exc:
            dead.append((i + 1, _overflow_letter(outcome, path, i, received_at, exc)))
            continue
        rows.append(row)
        row_lines.append(i)
    extra = pa.Table.from_pylist(rows, schema=schema)
    lines = np.concatenate(
        [vec.column("__line").to_numpy(), np.array(row_lines, dtype=np.int64)]
    ).astype(np.int64)
    table = pa.concat_tables([vec.select(schema.names).cast(schema), extra])
    order = np.argsort(lines, kind="stable")
    table = table.take(pa.array(order)).combine_chunks()
    return CloudFrontTable(
        table=table,
        line_numbers=lines[order] + 1,
        dead_letters=dead,
        fallback_lines=len(parsed.fallback),
    )


def _overflow_letter(
    outcome: Record, path: str, index: int, received_at: datetime, exc: Exception
) -> DeadLetter:
    unit = f"file:{path}:{index + 1}"
    ctx = UnitContext.make(unit, received_at, unit)
    raw = repr(outcome.record).encode()
    return ctx.dead_letter(
        raw,
        stage="validate",
        error_class="ArrowOverflow",
        error_message=f"cdn_request.v1 record does not fit its Arrow/BigQuery types: {exc}",
        contract=CONTRACT,
    )


def _vectorized_records(parsed: _Parsed) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line index, record dict) for the vectorized rows, dicts as the row parser makes them."""
    vec = parsed.vectorized
    names = [f.name for f in table_arrow_schema()]
    columns = {name: vec.column(name).to_pylist() for name in names if name != "cmcd"}
    columns["request_at"] = vec.column("__request_at_text").to_pylist()
    columns["cmcd"] = parsed.cmcd_dicts or [None] * vec.num_rows
    lines = vec.column("__line").to_pylist()
    ordered = [columns[name] for name in names]
    for i, values in zip(lines, zip(*ordered, strict=True), strict=True):
        yield i, dict(zip(names, values, strict=True))


def iter_cloudfront_outcomes(
    path: str,
    *,
    received_at: datetime,
    distribution: str | None = None,
    fields: Sequence[str] = STANDARD_FIELDS,
    data: bytes | None = None,
) -> Iterator[Outcome]:
    """Yield the outcomes of a CloudFront standard log file, in file order, as the row parser would.

    Equal, outcome for outcome, to `parse_cloudfront_log(read_lines(path), ...)`.

    Raises:
        UnreadableInput: the file cannot be read (before any outcome).
    """
    if data is None:
        data = read_bytes(path)
    parsed = _parse(
        data,
        path,
        received_at=received_at,
        distribution=distribution,
        fields=fields,
        want_dicts=True,
    )
    fallback = iter(parsed.fallback)
    pending = next(fallback, None)
    for i, record in _vectorized_records(parsed):
        while pending is not None and pending[0] < i:
            yield pending[1]
            pending = next(fallback, None)
        yield Record(CONTRACT, record)
    while pending is not None:
        yield pending[1]
        pending = next(fallback, None)
