"""Parse a whole CloudFront standard log file at once (Arrow CSV + DuckDB SQL), exactly as the row parser.

The row parser (`cloudfront.StandardLogParser`) is the definition of correct: one line in, one
record or dead letter out. This module is a second path to the same answer for whole files, fast
enough for batch loads:

1. The file is read (plain, in one read) or inflated (gzip) into memory. A few byte searches
   find the lines only the row parser may read, which it reads in file order: `#` lines (a
   `#Fields` line switches the field map from the next line on), lines holding a carriage return
   or NUL, lines that are not UTF-8, and lines starting with a byte order mark. In a usual file
   these are the two header lines, and no pass is made line by line.
2. The other lines of each field map (the file's own bytes, without a copy, when they follow each
   other) are split into columns by Arrow's CSV reader: tab-separated, no quoting, `-` and empty
   as null, only the fields the contract reads. Lines whose field count is not the header's are
   set aside by the reader and go to the row parser.
3. One DuckDB query per field map types the columns: integers, seconds -> ms, date + time, IPv4
   /24 and IPv6 /48 truncation, URL decoding, cache result normalization. User agents are decoded
   (twice when double-encoded) once per distinct agent. Beside it, in a second thread, a smaller
   query takes the `CMCD=` argument, which `columnar_cmcd` decodes into the typed struct. Strings
   the record keeps as the log has them (request id, PoP, method, query...) are the CSV reader's
   columns, not copied. Each check the queries cannot pass (a number that is not a plain number,
   a bad date, an address they cannot normalize, a URL escape that is not UTF-8, unusual CMCD)
   sends the line to the row parser, as do rows that `columnar_checks` finds may break the
   contract (enums, ranges, lengths, patterns, required columns, all read from cdn_request.v1).
4. Records from both paths are merged in file order; dead letters come only from the row parser.

Threads: the CSV reader runs in one; DuckDB gets all cores but one (see `_duckdb_threads`), the
CMCD thread the last one. On the 2-vCPU bench machine, which other jobs share, more threads cost
more CPU time and more wall time.

`read_cloudfront_table` returns the records as an Arrow table whose schema is the cdn_request
table schema without the ingest columns (its columns may be chunked); `iter_cloudfront_outcomes`
yields the same `Outcome`s as `parse_cloudfront_log(read_lines(path))`, dicts equal key for key.

Left out: real-time logs (they arrive a Kinesis record at a time), field maps without `date` and
`time` or with real-time `cmcd-*` fields (such segments go wholly to the row parser), and
streaming: the whole decompressed file is held in memory.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from streamqoe.contracts.columnar import parsed_arrow_schema
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
    CmcdColumn,
    cmcd_argument_sql,
    decode_cmcd_column,
    sql_literal,
    struct_row,
)
from streamqoe.ingest.outcome import DeadLetter, Outcome, Record, UnitContext
from streamqoe.ingest.read import read_content

logger = logging.getLogger(__name__)

MAX_INT_DIGITS = 18  # longer numbers may not fit int64: the row parser decides
CSV_BLOCK_BYTES = 1 << 20  # Arrow CSV block; a longer line makes the reader retry in one block
_HEX = "[0-9A-Fa-f]{1,4}"
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4 = rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}"
_DATE = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
_SECONDS = r"[0-9]{1,9}(\.[0-9]{1,3})?"
_INT_COLUMNS = ("bytes_sent", "bytes_received", "range_start", "range_end", "asn")
# A line starting with a byte order mark goes to the row parser: the CSV reader would drop it.
_BOM = b"\xef\xbb\xbf"


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


def table_arrow_schema() -> pa.Schema:
    """Return the Arrow schema of `read_cloudfront_table`: cdn_request's columns, no ingest ones."""
    return parsed_arrow_schema(CONTRACT)


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


def _newlines(data: bytes | memoryview) -> np.ndarray:
    """Return the offsets of every newline byte."""
    return np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)


def _line_starts_of(positions: np.ndarray, newlines: np.ndarray) -> set[int]:
    """Return the start offsets of the lines holding the bytes at `positions`."""
    before = np.searchsorted(newlines, positions)  # newlines before each position
    starts = np.where(before > 0, newlines[np.maximum(before - 1, 0)] + 1, 0)
    return set(np.unique(starts).tolist())


def _is_utf8(data: bytes) -> bool:
    """Whether `data` is valid UTF-8 (Arrow's validation, without a Python string)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    array = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        array.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _starts_with(data: bytes, prefix: bytes) -> Iterator[int]:
    """Yield the start offsets of the lines starting with `prefix`, in order.

    Searches the prefix's first byte (memchr speed) and looks behind each hit; when the byte is
    common inside lines, searches newline + prefix instead.
    """
    if data.startswith(prefix):
        yield 0
    first = prefix[:1]
    pos = data.find(first, 1)
    inside = 0
    while pos >= 0:
        if data[pos - 1] == 10 and data.startswith(prefix, pos):
            yield pos
        else:
            inside += 1
            if inside > 64:
                break
        pos = data.find(first, pos + 1)
    else:
        return
    marker = b"\n" + prefix
    pos = data.find(marker, pos)
    while pos >= 0:
        yield pos + 1
        pos = data.find(marker, pos + 1)


def row_parser_line_starts(data: bytes) -> list[int]:
    """Return the start offsets, sorted, of the lines only the row parser may read.

    Those are lines starting with `#` or a byte order mark, and lines holding a carriage return
    (the CSV reader would end the line there), a NUL, or bytes that are not UTF-8.
    """
    ascii_only = data.isascii()
    found = set(_starts_with(data, b"#"))
    if not ascii_only:
        found.update(_starts_with(data, _BOM))
    newlines: np.ndarray | None = None
    buf = np.frombuffer(data, dtype=np.uint8)
    for byte in (13, 0):
        if data.find(bytes([byte])) >= 0:
            newlines = _newlines(data) if newlines is None else newlines
            found |= _line_starts_of(np.flatnonzero(buf == byte), newlines)
    if not ascii_only and not _is_utf8(data):
        newlines = _newlines(data) if newlines is None else newlines
        for start in sorted(_line_starts_of(np.flatnonzero(buf >= 0x80), newlines)):
            end = data.find(b"\n", start)
            try:
                data[start : len(data) if end < 0 else end].decode("utf-8")
            except UnicodeDecodeError:
                found.add(start)
    return sorted(found)


@dataclass
class _Block:
    """The lines of one field map that the CSV reader splits: their bytes and file line indices.

    `raw` holds whole lines, each ending in a newline except perhaps the file's last. They come
    from runs of consecutive file lines: run r starts at file line index `firsts[r]` and, but for
    the last run, holds `counts[r]` lines (the last run's count follows from the block's total).
    `file_lines`, once the block is read, is the file line index of each of its lines.
    """

    plan_id: int
    raw: memoryview | bytes
    firsts: np.ndarray
    counts: np.ndarray
    file_lines: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    _newlines: np.ndarray | None = field(default=None, repr=False)

    def newlines(self) -> np.ndarray:
        """Return the offsets of the block's newlines (computed once, when first needed)."""
        if self._newlines is None:
            self._newlines = _newlines(self.raw)
        return self._newlines

    def n_lines(self) -> int:
        """Count the block's lines."""
        return len(self.newlines()) + int(len(self.raw) > 0 and self.raw[-1] != 10)

    def lines(self, total: int) -> np.ndarray:
        """Return the file line index of each of the block's `total` lines."""
        counts = np.append(self.counts, total - int(self.counts.sum()))
        before = np.concatenate(([0], np.cumsum(counts)[:-1]))
        return np.repeat(self.firsts - before, counts) + np.arange(total)

    def line(self, k: int) -> bytes:
        """Return the bytes of the block's k-th line, without its newline."""
        newlines = self.newlines()
        start = int(newlines[k - 1]) + 1 if k else 0
        end = int(newlines[k]) if k < len(newlines) else len(self.raw)
        return bytes(self.raw[start:end])

    def kept_by_csv(self, n_fields: int) -> np.ndarray:
        """Per line, whether the CSV reader keeps it (empty, or `n_fields` tab-separated fields)."""
        newlines = self.newlines()
        buf = np.frombuffer(self.raw, dtype=np.uint8)
        n_lines = self.n_lines()
        line_of_tab = np.searchsorted(newlines, np.flatnonzero(buf == 9))
        tabs = np.bincount(line_of_tab, minlength=n_lines)[:n_lines]
        starts = np.concatenate(([0], newlines + 1))[:n_lines]
        ends = np.concatenate((newlines, [len(buf)]))[:n_lines]
        return (tabs == n_fields - 1) | (ends == starts)


def _blocks(data: bytes, pieces: dict[int, list[tuple[int, int, int]]]) -> list[_Block]:
    """Gather each field map's runs of lines (byte start, byte end, first line) into a block."""
    view = memoryview(data)
    blocks = []
    for pid, runs in pieces.items():
        counts = np.array([data.count(b"\n", s, e) for s, e, _ in runs[:-1]], dtype=np.int64)
        firsts = np.array([first for _, _, first in runs], dtype=np.int64)
        if len(runs) == 1:  # usually the whole file but its headers: no copy
            raw: memoryview | bytes = view[runs[0][0] : runs[0][1]]
        else:
            raw = b"".join(view[start:end] for start, end, _ in runs)
        blocks.append(_Block(plan_id=pid, raw=raw, firsts=firsts, counts=counts))
    return blocks


def _read_csv(block: _Block, plan: FieldPlan) -> tuple[pa.Table, int] | None:
    """Split a block's lines into the plan's contract fields (strings, `-` and empty as null).

    Returns the table (columns `c_<contract column>`) and how many lines the reader set aside
    because their field count is not the plan's; None if the reader fails.
    """
    n = len(plan.fields)
    names = [f"f{i}" for i in range(n)]
    wanted = sorted({i for i in plan.at.values() if i >= 0})
    skipped = 0

    def skip(_row: pcsv.InvalidRow) -> str:
        nonlocal skipped
        skipped += 1
        return "skip"

    parse = pcsv.ParseOptions(
        delimiter="\t",
        quote_char=False,
        escape_char=False,
        newlines_in_values=False,
        ignore_empty_lines=False,
        invalid_row_handler=skip,
    )
    convert = pcsv.ConvertOptions(
        column_types={names[i]: pa.string() for i in wanted},
        include_columns=[names[i] for i in wanted],
        null_values=["-", ""],
        strings_can_be_null=True,
        check_utf8=False,  # the block holds only UTF-8 lines
    )
    buffer = pa.py_buffer(block.raw)
    # A line longer than a CSV block fails the first read: then read in one block.
    for block_size in (CSV_BLOCK_BYTES, len(buffer) + 1):
        skipped = 0
        read = pcsv.ReadOptions(column_names=names, block_size=block_size, use_threads=False)
        try:
            table = pcsv.read_csv(
                pa.BufferReader(buffer),
                read_options=read,
                parse_options=parse,
                convert_options=convert,
            )
            break
        except pa.ArrowInvalid as exc:
            logger.info("CSV reader, block size %d: %s", block_size, exc)
    else:
        return None
    by_index = {i: f"c_{c}" for c, i in plan.at.items() if i >= 0}
    return table.rename_columns([by_index[int(name[1:])] for name in table.column_names]), skipped


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


@functools.cache
def cmcd_sql() -> str:
    """Return the DuckDB query of the `CMCD=` argument of each row of `cmcd_fields`.

    Returns, row for row, `__line`, `state` and `text` as columnar_cmcd's `cmcd_argument_sql`
    defines them (STATE_TEXT rows' `text` is what cmcd_from_query hands decode_cmcd), but for
    one expression made cheaper: its `arg` is a regular expression with a capture group, the
    costliest expression of the parse; here it is `strpos` and `split_part`. The two agree on
    every row whose state is STATE_TEXT, the only rows whose text is used: such a query holds
    `CMCD` exactly once, at its start or after `&` and followed by `=`, so both take the text
    from there to the next `&`. The other rows' state does not depend on `arg`.
    """
    sql = cmcd_argument_sql("c_query")
    arg = (
        "CASE WHEN contains(c_query, 'CMCD=') "
        "THEN split_part(substr(c_query, strpos(c_query, 'CMCD=') + 5), '&', 1) END"
    )
    return (
        f"SELECT __line, ({sql.state})::TINYINT AS state, {sql.text} AS text FROM ("
        f"SELECT __line, c_query, {sql.decoded} AS __cmcd_dec FROM ("
        f"SELECT __line, c_query, {arg} AS __cmcd_arg FROM cmcd_fields))"
    )


def plan_sql(plan: FieldPlan, *, with_text: bool) -> str:
    """Return the DuckDB query typing the split lines of one field map.

    The query reads the registered table `fields` (`__line` and the `c_<column>` strings of
    `_read_csv`, `-` and empty already null) and returns, row for row, `__line`, `__ok` (every
    check passed but CMCD's and the user agent's, see `cmcd_sql` and `_user_agents`), the contract
    columns that are not the log's strings as they are (see `_passthrough`) but the user agent,
    `__path_decoded` (the URL-decoded path where it holds a `%`, else null) and, with
    `with_text`, `__request_at_text` (the record's request_at string). Each layer computes its
    expressions once per row.
    """
    at = plan.at
    columns = ", ".join((f"c_{c}" if i >= 0 else f"NULL::VARCHAR AS c_{c}") for c, i in at.items())
    mapped = " ".join(
        f"WHEN {{col}} = {sql_literal(k)} THEN {sql_literal(v)}" for k, v in CACHE_RESULTS.items()
    )
    checks = [
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
        "(c_client_ip IS NULL OR is_v4 OR (is_v6 AND v6_head <> '0:0:0'))",
        "(c_country IS NULL OR regexp_full_match(c_country, '[A-Za-z]{2}'))",
        "path_dec IS NOT NULL",
        "(c_referer IS NULL OR referer_dec IS NOT NULL)",
    ]
    ok = "coalesce(" + " AND ".join(f"({c})" for c in checks) + ", false)"  # null: not vouched
    text = ", c_date || 'T' || c_time || 'Z' AS __request_at_text" if with_text else ""
    return f"""
WITH v AS (
  SELECT __line, {columns} FROM fields
), t AS (
  SELECT *,
    try_strptime(c_date || ' ' || c_time, '%Y-%m-%d %H:%M:%S') AS ts,
    CASE WHEN NOT contains(c_client_ip, ':') THEN regexp_full_match(c_client_ip, '{_IPV4}')
      END AS is_v4,
    CASE WHEN contains(c_client_ip, ':') THEN regexp_full_match(c_client_ip, '{_IPV6}')
      END AS is_v6,
    {_url_decode("c_path")} AS path_dec,
    {_url_decode("c_referer")} AS referer_dec
  FROM v
), u AS (
  -- is_v6 means the first three groups are written out: the /48 is those groups, lower case,
  -- without leading zeros ('0' for a group of zeros)
  SELECT *, CASE WHEN is_v6 THEN regexp_replace(
      regexp_extract(lower(c_client_ip), '^[^:]*:[^:]*:[^:]*'), '(^|:)0+([0-9a-f])', '\\1\\2', 'g')
    END AS v6_head
  FROM t
)
SELECT
  __line,
  {ok} AS __ok,
  ts AS request_at,
  CASE WHEN is_v4 THEN regexp_extract(c_client_ip, '^([0-9]+\\.[0-9]+\\.[0-9]+)\\.', 1) || '.0'
       WHEN is_v6 THEN regexp_replace(v6_head, '(:0){{1,2}}$', '') || '::'  -- zero groups end
  END AS client_ip,
  upper(c_country) AS client_country,
  TRY_CAST(c_asn AS BIGINT) AS client_asn,
  CASE WHEN contains(c_path, '%') THEN path_dec END AS __path_decoded,
  TRY_CAST(c_status AS BIGINT) AS status,
  TRY_CAST(c_bytes_sent AS BIGINT) AS bytes_sent,
  TRY_CAST(c_bytes_received AS BIGINT) AS bytes_received,
  {_ms("c_time_taken")} AS time_taken_ms,
  {_ms("c_ttfb")} AS ttfb_ms,
  CASE {mapped.format(col="c_detailed")} {mapped.format(col="c_result_type")}
       WHEN c_detailed IS NOT NULL OR c_result_type IS NOT NULL
         THEN CASE WHEN c_result_type = 'Error' THEN 'error' ELSE 'other' END
  END AS cache_result,
  referer_dec AS referer,
  TRY_CAST(c_range_start AS BIGINT) AS range_start,
  TRY_CAST(c_range_end AS BIGINT) AS range_end{text}
FROM u
"""


def _passthrough(
    fields: pa.Table, plan: FieldPlan, distribution: str | None
) -> dict[str, pa.Array | pa.ChunkedArray]:
    """Return the contract columns taken from the log as they are (`-` and empty already null).

    They are the split fields themselves, without a copy, but for coalesced columns with nulls
    and the constants.
    """
    n = fields.num_rows

    def raw(column: str) -> pa.ChunkedArray | None:
        return fields.column(f"c_{column}") if plan.at[column] >= 0 else None

    def first(*candidates: pa.ChunkedArray | pa.Scalar | None) -> pa.Array | pa.ChunkedArray:
        present = [c for c in candidates if c is not None]
        if not present:
            return pa.nulls(n, pa.string())
        if isinstance(present[0], pa.Scalar):
            return pc.fill_null(pa.nulls(n, pa.string()), present[0])
        if len(present) == 1 or present[0].null_count == 0:
            return present[0]
        return pc.coalesce(*present)

    def same(value: str) -> pa.Array:
        return first(pa.scalar(value))

    dist = pa.scalar(distribution) if distribution else None
    return {
        "schema_version": same(SCHEMA_VERSION),
        "cdn": same("cloudfront"),
        "log_format": same(plan.log_format),
        "request_id": first(raw("request_id")),
        "distribution": first(raw("distribution"), dist, raw("cf_host")),
        "pop": first(raw("pop")),
        "method": first(raw("method")),
        "protocol": first(raw("protocol")),
        "http_version": first(raw("http_version")),
        "host": first(raw("host"), raw("cf_host")),
        "query": first(raw("query")),
        "cache_detail": first(raw("detailed"), raw("result_type")),
        "content_type": first(raw("content_type")),
        "range_header": first(),
    }


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
        path: str,
        *,
        received_at: datetime,
        distribution: str | None,
        fields: Sequence[str],
    ):
        self.prefix = f"file:{path}:"
        self.parser = StandardLogParser(
            received_at=received_at, distribution=distribution, fields=fields
        )
        self.fallback: list[tuple[int, Outcome]] = []

    def row_parse(self, index: int, line: bytes, plan: FieldPlan | None = None) -> None:
        """Run the row parser on line `index` exactly as parse_file would (blank lines: none).

        With `plan`, the line is read with that field map (the one in force at the line).
        """
        if plan is not None:
            self.parser.plan = plan
        line = line.rstrip(b"\r\n")
        if not line.strip():
            return
        unit = f"{self.prefix}{index + 1}"
        outcome = self.parser.line(line, unit, unit)
        if outcome is not None:
            self.fallback.append((index, outcome))


def _split(data: bytes, run: _Run) -> tuple[list[FieldPlan], list[_Block]]:
    """Row-parse the lines only the row parser may read; gather the others by field map."""
    plans: list[FieldPlan] = [run.parser.plan]
    plan_ids = {run.parser.plan.fields: 0}
    pid = 0
    pieces: dict[int, list[tuple[int, int, int]]] = {}
    pos = line = 0
    for start in row_parser_line_starts(data):
        if start > pos:  # the run of lines before it (each ends with a newline)
            pieces.setdefault(pid, []).append((pos, start, line))
            line += data.count(b"\n", pos, start)
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        before = run.parser.plan
        run.row_parse(line, data[start:end])
        if run.parser.plan is not before:  # a #Fields line
            pid = plan_ids.setdefault(run.parser.plan.fields, len(plans))
            if pid == len(plans):
                plans.append(run.parser.plan)
        line += 1
        pos = end + 1
    if pos < len(data):
        pieces.setdefault(pid, []).append((pos, len(data), line))
    return plans, _blocks(data, pieces)


def _row_parse_block(block: _Block, plan: FieldPlan, run: _Run) -> None:
    for k, index in enumerate(block.lines(block.n_lines()).tolist()):
        run.row_parse(index, block.line(k), plan)


@dataclass
class _Part:
    """The rows of one block the query typed, before the contract check.

    `table` holds the contract columns (nullable) in schema order, then `__line`, `__ok` (every
    check so far passed), `__plan` and, for dicts, `__request_at_text`; `cmcd_dicts` (for
    dicts) what decode_cmcd returns for each row.
    """

    table: pa.Table
    cmcd_dicts: list[Any] | None


def _in_line_order(table: pa.Table, lines: np.ndarray, key: str = "__line") -> pa.Table:
    """Return the query result `table` with its rows in the order of `lines` (its input's).

    `key` is the column holding each row's `lines` value; `lines` is increasing.
    """
    got = table.column(key).to_numpy()
    if np.array_equal(got, lines):
        return table
    return table.take(pa.array(np.argsort(got, kind="stable")))


# The user agent URL-decoded (twice when it was double-encoded: a `%XX` escape remains after
# one decoding), and whether that decoding is the row parser's (an escape that is not UTF-8 is not).
_USER_AGENT_SQL = f"""
SELECT i, ua AS user_agent, (c_user_agent IS NULL OR ua IS NOT NULL) AS ok FROM (
  SELECT i, c_user_agent,
    CASE WHEN contains(ua_once, '%') AND regexp_matches(ua_once, '%[0-9A-Fa-f]{{2}}')
      THEN TRY(url_decode(ua_once)) ELSE ua_once END AS ua
  FROM (SELECT i, c_user_agent, {_url_decode("c_user_agent")} AS ua_once FROM agents))
"""


def _user_agents(
    con: duckdb.DuckDBPyConnection, fields: pa.Table, plan: FieldPlan
) -> tuple[pa.Array, np.ndarray]:
    """Return the rows' decoded user agents and, per row, whether the decoding is vouched for.

    Each distinct agent is decoded once: a log repeats a few agents many times.
    """
    if plan.at["user_agent"] < 0:
        return pa.nulls(fields.num_rows, pa.string()), np.ones(fields.num_rows, dtype=bool)
    encoded = pc.dictionary_encode(fields.column("c_user_agent").combine_chunks())
    distinct = encoded.dictionary
    order = np.arange(len(distinct))
    con.register("agents", pa.table({"i": order, "c_user_agent": distinct}))
    got = _in_line_order(con.sql(_USER_AGENT_SQL).to_arrow_table(), order, key="i")
    con.unregister("agents")
    agents = got.column("user_agent").combine_chunks().take(encoded.indices)
    ok = got.column("ok").combine_chunks().take(encoded.indices)
    return agents, pc.fill_null(ok, True).to_numpy(zero_copy_only=False)  # no agent: fine


@dataclass
class _RowsCmcd:
    """The decoded CMCD of some rows (`rows`) of a block of `n` rows."""

    n: int
    rows: np.ndarray
    decoded: CmcdColumn

    def values(self) -> pa.StructArray:
        """Return the cmcd struct of every row of the block (null where no row was decoded)."""
        at = np.full(self.n, -1, dtype=np.int64)
        at[self.rows] = np.arange(len(self.rows))
        take = pa.array(at, mask=at < 0)
        values = self.decoded.values
        children = [
            pa.nulls(self.n, f.type) if child.null_count == len(child) else child.take(take)
            for f, child in zip(values.type, values.flatten(), strict=True)
        ]
        null = ~_bool(values.is_valid().take(take))  # not decoded, or a null struct
        return pa.StructArray.from_arrays(children, fields=list(values.type), mask=pa.array(null))

    def fallback_rows(self) -> np.ndarray:
        """Return the block rows whose CMCD the row decoder handled."""
        return self.rows[self.decoded.fallback_rows]

    def dicts(self) -> list[Any]:
        """Return, for every row of the block, what decode_cmcd returns (None: no CMCD)."""
        out: list[Any] = [None] * self.n
        for row, value in zip(self.rows.tolist(), self.decoded.to_dicts(), strict=True):
            out[row] = value
        return out


def _cmcd(
    cursor: duckdb.DuckDBPyConnection, fields: pa.Table, lines: np.ndarray
) -> tuple[np.ndarray, _RowsCmcd]:
    """Return each row's CMCD state (see `cmcd_sql`) and the decoded CMCD.

    Only STATE_TEXT rows are decoded (an empty argument is no CMCD), and only they are handed to
    decode_cmcd_column (given the other rows too, it took 0.1 s more on the bench log). `cursor`
    is a connection of its own (a cursor of the parse's database), so this may run in a thread of
    its own.
    """
    cursor.register("cmcd_fields", fields)
    got = _in_line_order(cursor.sql(cmcd_sql()).to_arrow_table(), lines)
    cursor.close()
    state = got.column("state").to_numpy()
    text = got.column("text").combine_chunks()
    rows = np.flatnonzero((state == STATE_TEXT) & _bool(pc.not_equal(text, "")))
    decoded = decode_cmcd_column(text.take(pa.array(rows)))
    return state, _RowsCmcd(n=len(state), rows=rows, decoded=decoded)


def _bool(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


def _sql_rows(
    block: _Block,
    plan: FieldPlan,
    run: _Run,
    con: duckdb.DuckDBPyConnection,
    *,
    distribution: str | None,
    want_dicts: bool,
) -> _Part | None:
    """Split and type one block; lines the reader or the query cannot take go to the row parser.

    The rows' CMCD is decoded in a second thread while the main query runs.
    """
    if not vectorizable(plan):
        _row_parse_block(block, plan, run)
        return None
    read = _read_csv(block, plan)
    if read is None:
        _row_parse_block(block, plan, run)
        return None
    table, skipped = read
    if skipped:  # find the lines the reader set aside
        kept = block.kept_by_csv(len(plan.fields))
        if int(kept.sum()) != table.num_rows:  # never expected: trust only the row parser
            logger.warning("CSV reader kept %d of %d lines", table.num_rows, int(kept.sum()))
            _row_parse_block(block, plan, run)
            return None
        block.file_lines = block.lines(len(kept))
        for k in np.flatnonzero(~kept).tolist():
            run.row_parse(int(block.file_lines[k]), block.line(k), plan)
        lines = block.file_lines[kept]
    else:  # one row per line
        block.file_lines = lines = block.lines(table.num_rows)
    if not table.num_rows:
        return None
    table = table.append_column("__line", pa.array(lines, pa.int64()))
    with ThreadPoolExecutor(max_workers=1) as pool:  # CMCD beside the main query
        queries = (
            table.column("c_query") if plan.at["query"] >= 0 else pa.nulls(len(lines), pa.string())
        )
        cmcd_input = pa.table({"__line": lines, "c_query": queries})
        pending = pool.submit(_cmcd, con.cursor(), cmcd_input, lines)
        con.register("fields", table)
        query = con.sql(plan_sql(plan, with_text=want_dicts))
        typed = _in_line_order(query.to_arrow_table(), lines)
        con.unregister("fields")
        agents, agents_ok = _user_agents(con, table, plan)
        state, decoded = pending.result()
    ok = _bool(typed.column("__ok")) & agents_ok & (state != STATE_FALLBACK)
    ok[decoded.fallback_rows()] = False  # unusual CMCD: the row parser words it

    columns = _passthrough(table, plan, distribution)
    columns.update((name, typed.column(name)) for name in typed.column_names)
    decoded_paths = typed.column("__path_decoded")  # null but where the path holds an escape
    raw_paths = table.column("c_path")
    columns["path"] = (
        raw_paths
        if decoded_paths.null_count == len(decoded_paths)
        else pc.coalesce(decoded_paths, raw_paths)
    )
    columns["user_agent"] = agents
    columns["cmcd"] = decoded.values()
    schema = table_arrow_schema()
    out = pa.table({f.name: columns[f.name] for f in schema})
    out = out.cast(pa.schema([f.with_nullable(True) for f in schema]))  # not yet vouched for
    out = out.append_column("__line", pa.array(lines, pa.int64()))
    out = out.append_column("__ok", pa.array(ok))
    out = out.append_column("__plan", pa.array(np.full(len(lines), block.plan_id, np.int32)))
    if want_dicts:
        out = out.append_column("__request_at_text", typed.column("__request_at_text"))
    return _Part(table=out, cmcd_dicts=decoded.dicts() if want_dicts else None)


def _duckdb_threads() -> int:
    """DuckDB threads for a parse: all cores but one, left to the CMCD thread (at least one).

    On two cores, DuckDB's second worker only competes with that thread: measured on the 2-vCPU
    bench machine, the parse took more CPU time and more wall time with it.
    """
    affinity = getattr(os, "sched_getaffinity", None)  # Linux; elsewhere all cores
    cores = len(affinity(0)) if affinity else (os.cpu_count() or 1)
    return max(1, cores - 1)


def _parse(
    data: bytes,
    path: str,
    *,
    received_at: datetime,
    distribution: str | None,
    fields: Sequence[str],
    want_dicts: bool,
) -> _Parsed:
    run = _Run(path, received_at=received_at, distribution=distribution, fields=fields)
    plans, blocks = _split(data, run)
    con = duckdb.connect(config={"threads": _duckdb_threads()})
    parts = []
    for block in blocks:
        part = _sql_rows(
            block,
            plans[block.plan_id],
            run,
            con,
            distribution=distribution,
            want_dicts=want_dicts,
        )
        if part is not None:
            parts.append(part)
    con.close()

    schema = table_arrow_schema()
    if not parts:
        parts = [_Part(table=_empty_part(schema, want_dicts), cmcd_dicts=[])]
    got = pa.concat_tables([p.table for p in parts]) if len(parts) > 1 else parts[0].table
    dicts = [d for p in parts for d in (p.cmcd_dicts or ())]
    line_index = got.column("__line").to_numpy()
    if len(line_index) > 1 and not np.all(line_index[1:] > line_index[:-1]):
        order = np.argsort(line_index, kind="stable")  # several field maps: back to file order
        got = got.take(pa.array(order))
        line_index = line_index[order]
        dicts = [dicts[i] for i in order.tolist()] if want_dicts else dicts
    ok = _bool(got.column("__ok"))
    table = got.select(schema.names)
    ok &= ~violation_mask(table, CONTRACT)

    if not ok.all():
        plan_of = got.column("__plan").to_numpy()
        by_plan = {b.plan_id: b for b in blocks}
        for i in np.flatnonzero(~ok).tolist():
            block = by_plan[int(plan_of[i])]
            index = int(line_index[i])
            k = int(np.searchsorted(block.file_lines, index))
            run.row_parse(index, block.line(k), plans[block.plan_id])
        keep = pa.array(ok)
        vectorized = table.filter(keep)
    else:
        keep = None
        vectorized = table
    vectorized = vectorized.append_column("__line", pa.array(line_index[ok]))
    cmcd_dicts = None
    if want_dicts:
        texts = got.column("__request_at_text")
        vectorized = vectorized.append_column(
            "__request_at_text", texts if keep is None else texts.filter(keep)
        )
        cmcd_dicts = [
            d if isinstance(d, dict) else None for d, k in zip(dicts, ok.tolist(), strict=True) if k
        ]
    fallback = sorted(run.fallback, key=lambda item: item[0])
    return _Parsed(vectorized=vectorized, fallback=fallback, cmcd_dicts=cmcd_dicts)


def _empty_part(schema: pa.Schema, want_dicts: bool) -> pa.Table:
    """The shape of a part with no rows (a file with no line for the query)."""
    extra = [
        pa.field("__line", pa.int64()),
        pa.field("__ok", pa.bool_()),
        pa.field("__plan", pa.int32()),
    ]
    if want_dicts:
        extra.append(pa.field("__request_at_text", pa.string()))
    return pa.schema([f.with_nullable(True) for f in schema] + extra).empty_table()


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
        Arrow cannot hold becomes a dead letter of class `ArrowOverflow` here (the outcome path
        keeps it as a record); integers beyond int64 no longer get that far (the contracts bound
        them), so this is a guard, not an expected path.

    Raises:
        UnreadableInput: the file cannot be read.
    """
    content = read_content(path) if data is None else data
    parsed = _parse(
        content,
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
    lines = vec.column("__line").to_numpy().astype(np.int64)
    table = vec.select(schema.names).cast(schema)
    if rows:
        extra = pa.Table.from_pylist(rows, schema=schema)
        lines = np.concatenate([lines, np.array(row_lines, dtype=np.int64)])
        order = np.argsort(lines, kind="stable")
        table = pa.concat_tables([table, extra]).take(pa.array(order))
        lines = lines[order]
    return CloudFrontTable(
        table=table,
        line_numbers=lines + 1,
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
    content = read_content(path) if data is None else data
    parsed = _parse(
        content,
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
