"""Each way a line reaches its outcome in the columnar CloudFront path ends as the row parser's.

The columnar path splits a file three ways: lines only the row parser may read (headers, CR, NUL,
byte order marks, bytes that are not UTF-8), lines the CSV reader sets aside (field count), and
lines the query types, of which those a check rejects go back to the row parser. These tests
build files that drive every one of those paths (and the ways a file is read: plain or gzip,
or given as bytes, with and without headers, one block or several per field map) and
compare outcome for outcome with the row parser, and check that a clean line never reaches it.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streamqoe.ingest import columnar_cloudfront
from streamqoe.ingest.cloudfront import STANDARD_FIELDS, parse_cloudfront_log
from streamqoe.ingest.cmcd import CmcdError
from streamqoe.ingest.columnar_cloudfront import (
    iter_cloudfront_outcomes,
    read_cloudfront_table,
    row_parser_line_starts,
)
from streamqoe.ingest.columnar_cmcd import decode_cmcd_column
from streamqoe.ingest.outcome import DeadLetter, Outcome, outcome_line
from streamqoe.ingest.read import (
    COLUMNAR_MIN_BYTES,
    UnreadableInput,
    content_size,
    parse_file,
    read_content,
    read_lines,
    use_columnar,
)

from .columnar_strategies import CMCD_TEXTS, REORDERED_FIELDS, SHORT_FIELDS, plain_line
from .helpers import RECEIVED_AT
from .test_columnar_cloudfront import assert_equivalent

HEADER = [b"#Version: 1.0", ("#Fields: " + " ".join(STANDARD_FIELDS)).encode()]
BOM = b"\xef\xbb\xbf"


def _fields_line(fields: tuple[str, ...]) -> bytes:
    return ("#Fields: " + " ".join(fields)).encode()


def _line(fields: tuple[str, ...] = STANDARD_FIELDS, **overrides: str) -> bytes:
    """A valid line for the field list `fields` (the values of `plain_line`)."""
    values = dict(zip(STANDARD_FIELDS, plain_line(**overrides).split("\t"), strict=True))
    return "\t".join(values.get(name, "-") for name in fields).encode()


def _write(path: Path, lines: list[bytes], *, gz: bool = False, newline_at_end: bool = True) -> str:
    data = b"\n".join(lines) + (b"\n" if newline_at_end else b"")
    path.write_bytes(gzip.compress(data) if gz else data)
    return str(path)


def _log(tmp_path: Path, lines: list[bytes], **kwargs: bool) -> str:
    name = "E2EXAMPLE123.2019-12-04-21.abcd" + (".gz" if kwargs.get("gz") else ".log")
    return _write(tmp_path / name, lines, **kwargs)


def _row_outcomes(path: str, distribution: str | None) -> list[Outcome]:
    units = read_lines(path)
    return list(parse_cloudfront_log(units, received_at=RECEIVED_AT, distribution=distribution))


def _keys(outcomes: list[Outcome]) -> list[tuple[str, str]]:
    return [(o.kind, outcome_line(o)) for o in outcomes]


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize(
    ("head", "extra"),
    [
        ([], 0),  # no header: the default field list
        ([HEADER[1]], 0),
        (HEADER, 0),
        ([*HEADER, b"#Software: a comment", b"# another"], 0),
        ([BOM + HEADER[0], HEADER[1]], 1),  # not a header once it starts with a BOM
    ],
    ids=["none", "fields", "version+fields", "comments", "bom"],
)
def test_files_with_and_without_headers(
    tmp_path: Path, head: list[bytes], extra: int, gz: bool
) -> None:
    body = [_line(), _line(**{"sc-status": "000"}), _line(**{"c-ip": "198.51.100.7"})]
    path = _log(tmp_path, [*head, *body], gz=gz)
    assert len(assert_equivalent(path)) == len(body) + extra
    assert read_cloudfront_table(path, received_at=RECEIVED_AT).fallback_lines == extra


@pytest.mark.parametrize("gz", [False, True])
def test_field_lists_switching_back_and_forth(tmp_path: Path, gz: bool) -> None:
    """A field list used in several stretches: one block from several runs of lines."""
    lines = [*HEADER]
    clean = bad = 0
    for fields in (STANDARD_FIELDS, SHORT_FIELDS, STANDARD_FIELDS, REORDERED_FIELDS) * 2:
        lines.append(_fields_line(fields))
        lines += [_line(fields), _line(fields, **{"sc-bytes": "12a"}), _line(fields)]
        lines.append(_line(fields) + b"\textra")  # the CSV reader sets it aside
        lines.append(_line(fields)[:40])
        clean, bad = clean + 2, bad + 3
    lines += [_line(STANDARD_FIELDS)]  # the last field list is the reordered one
    path = _log(tmp_path, lines, gz=gz)
    assert len(assert_equivalent(path)) == clean + bad + 1
    assert read_cloudfront_table(path, received_at=RECEIVED_AT).fallback_lines == bad + 1


def test_only_rejected_lines_reach_the_row_parser(tmp_path: Path) -> None:
    body = [_line(**{"cs-uri-stem": f"/v/{i}"}) for i in range(50)]
    rejected = {
        3: _line(**{"sc-status": "20x"}),  # a check of the query
        9: _line(**{"cs-method": "M" * 17}),  # the contract's maxLength
        17: _line(**{"cs-uri-query": "CMCD=br%3D(1%202)"}),  # CMCD only decode_cmcd reads
        21: _line() + b"\r",  # only the row parser may read it
        44: _line() + b"\tx",  # 34 fields: the CSV reader sets it aside
        48: b"\t".join([b"x"] * 32),  # 32 fields
    }
    blank = {30: b"", 31: b"  \t "}  # no outcome
    for i, line in {**rejected, **blank}.items():
        body[i] = line
    path = _log(tmp_path, [*HEADER, *body])
    assert len(assert_equivalent(path)) == len(body) - len(blank)
    result = read_cloudfront_table(path, received_at=RECEIVED_AT)
    assert result.fallback_lines == len(rejected)
    clean = {i + 3 for i in range(50)} - {i + 3 for i in (*rejected, *blank)}
    assert clean <= set(result.line_numbers.tolist())


@pytest.mark.parametrize("newline_at_end", [False, True])
def test_plain_gzip_and_in_memory_reads_agree(tmp_path: Path, newline_at_end: bool) -> None:
    lines = [*HEADER, _line(), _line(**{"time-taken": "x"}), "é".encode() + _line(), _line()]
    plain = _write(tmp_path / "a.log", lines, newline_at_end=newline_at_end)
    packed = _write(tmp_path / "a.log.gz", lines, gz=True, newline_at_end=newline_at_end)
    data = Path(plain).read_bytes()
    results = [
        read_cloudfront_table(plain, received_at=RECEIVED_AT),
        read_cloudfront_table(plain, received_at=RECEIVED_AT, data=data),
        read_cloudfront_table(packed, received_at=RECEIVED_AT),
    ]
    first = results[0]
    for other in results[1:]:
        assert other.table.equals(first.table)
        assert other.line_numbers.tolist() == first.line_numbers.tolist()
        assert [d.letter["error_class"] for _, d in other.dead_letters] == [
            d.letter["error_class"] for _, d in first.dead_letters
        ]
    assert first.table.num_rows == 2
    assert first.line_numbers.tolist() == [3, 6]
    assert read_content(plain) == data
    assert read_content(packed) == data


def test_lines_longer_than_a_csv_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar_cloudfront, "CSV_BLOCK_BYTES", 64)
    lines = [*HEADER] + [_line(**{"cs-uri-stem": f"/v/{i}"}) for i in range(20)]
    lines[7] = lines[7] + b"\tx"
    path = _log(tmp_path, lines)
    assert len(assert_equivalent(path)) == 20
    assert read_cloudfront_table(path, received_at=RECEIVED_AT).fallback_lines == 1


def test_a_failing_csv_reader_hands_its_lines_to_the_row_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: object, **_kwargs: object) -> pa.Table:
        raise pa.ArrowInvalid("no")

    monkeypatch.setattr(columnar_cloudfront.pcsv, "read_csv", fail)
    path = _log(tmp_path, [*HEADER, _line(), _line()[:30], _line()])
    assert len(assert_equivalent(path)) == 3
    assert read_cloudfront_table(path, received_at=RECEIVED_AT).fallback_lines == 3


def test_a_csv_reader_keeping_unexpected_lines_hands_them_to_the_row_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the reader's set-aside lines cannot be told apart, the row parser takes the block."""

    def unsure(block: columnar_cloudfront._Block, _n_fields: int) -> np.ndarray:
        return np.zeros(block.n_lines(), dtype=bool)

    monkeypatch.setattr(columnar_cloudfront._Block, "kept_by_csv", unsure)
    path = _log(tmp_path, [*HEADER, _line(), _line()[:30], _line()])
    assert len(assert_equivalent(path)) == 3
    assert read_cloudfront_table(path, received_at=RECEIVED_AT).fallback_lines == 3


def test_gzip_logs_are_routed_by_their_content_size(tmp_path: Path) -> None:
    body = [_line(**{"cs-uri-stem": f"/v/{i}"}) for i in range(COLUMNAR_MIN_BYTES // 300)]
    big = _log(tmp_path, [*HEADER, *body], gz=True)
    assert (
        Path(big).stat().st_size
        < COLUMNAR_MIN_BYTES
        <= len(gzip.decompress(Path(big).read_bytes()))
    )
    assert content_size(big) == len(gzip.decompress(Path(big).read_bytes()))
    assert use_columnar(big)
    small = _write(tmp_path / "small.gz", [*HEADER, *body[:100]], gz=True)
    assert not use_columnar(small)
    tiny = tmp_path / "tiny.gz"
    tiny.write_bytes(b"\x1f\x8b\x08")  # not even a gzip header: its own size
    assert content_size(str(tiny)) == 3
    plain = _log(tmp_path, [*HEADER, *body])
    assert content_size(plain) == Path(plain).stat().st_size
    assert not use_columnar(str(tmp_path / "missing.gz"))
    got = list(parse_file(big, "cloudfront", received_at=RECEIVED_AT))
    assert _keys(got) == _keys(_row_outcomes(big, "E2EXAMPLE123"))


def test_unreadable_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gz"
    broken.write_bytes(gzip.compress(b"2019-12-04\t21:02:31\n" * 100)[:-20])
    for path in (tmp_path / "missing.log", tmp_path, broken):
        with pytest.raises(UnreadableInput):
            read_cloudfront_table(str(path), received_at=RECEIVED_AT)


@pytest.mark.parametrize("distribution", [None, "E9DIST"])
def test_field_lists_without_query_hosts_or_ids(tmp_path: Path, distribution: str | None) -> None:
    dropped = ("cs-uri-query", "x-edge-request-id", "cs(Host)", "cs(User-Agent)")
    fields = tuple(f for f in SHORT_FIELDS if f not in dropped)
    with_dist = (*SHORT_FIELDS, "primary-distribution-id")
    lines = [_fields_line(fields), _line(fields), _line(fields)]
    no_agent = _line(SHORT_FIELDS, **{"cs(User-Agent)": "-"})  # no agent in the whole block
    lines += [_fields_line(with_dist), no_agent + b"\tE1", no_agent + b"\t-"]
    name = f"{distribution}.2019-12-04-21.abcd.log" if distribution else "plain-name.log"
    path = _write(tmp_path / name, lines)
    expected = _row_outcomes(path, distribution)
    got = list(iter_cloudfront_outcomes(path, received_at=RECEIVED_AT, distribution=distribution))
    assert _keys(got) == _keys(expected)
    table = read_cloudfront_table(path, received_at=RECEIVED_AT, distribution=distribution).table
    host = "d111111abcdef8.cloudfront.net"
    assert table.column("distribution").to_pylist() == [
        distribution,
        distribution,
        "E1",
        distribution or host,
    ]
    assert table.column("query").to_pylist() == [None, None, *[plain_line().split("\t")[11]] * 2]
    request_id = "k6WGMNkEzR5BEM=="
    assert table.column("request_id").to_pylist() == [None, None, request_id, request_id]
    assert table.column("user_agent").to_pylist() == [None] * 4


@pytest.mark.parametrize(
    "lines",
    [
        [],
        HEADER,
        [_line()],
        [b"", b"", _line(), b""],
        [*HEADER, b"   ", b"\t", _line(), b"\xc2\xa0"],
        [line + b"\r" for line in [*HEADER, _line(), _line()]],  # CRLF: all the row parser's
        [*HEADER, BOM + _line(), _line()],
        [*HEADER, _line().replace(b"GET", b"G\xffT"), _line().replace(b"GET", b"\x00ET")],
        [*HEADER, b"a\tb", b"x", b"#Fields: date time", b"\t\t"],  # nothing for the query
    ],
    ids=["empty", "headers", "one", "blanks", "whitespace", "crlf", "bom", "bytes", "no-rows"],
)
@pytest.mark.parametrize("newline_at_end", [False, True])
def test_odd_files(tmp_path: Path, lines: list[bytes], newline_at_end: bool) -> None:
    path = _log(tmp_path, lines, newline_at_end=newline_at_end)
    assert_equivalent(path)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(CMCD_TEXTS, st.none()), max_size=25))
def test_cmcd_of_some_rows_spreads_like_the_whole_column(texts: list[str | None]) -> None:
    """Decoding only the rows with CMCD, then spreading, equals decoding the whole column."""
    texts = [t if t else None for t in texts]  # the parse hands no empty argument to the decoder
    whole = decode_cmcd_column(texts)
    rows = np.array([i for i, t in enumerate(texts) if t is not None], dtype=np.int64)
    some = columnar_cloudfront._RowsCmcd(
        n=len(texts), rows=rows, decoded=decode_cmcd_column([texts[i] for i in rows])
    )
    assert some.values().equals(whole.values)
    assert some.fallback_rows().tolist() == whole.fallback_rows.tolist()
    expected = [None if isinstance(d, CmcdError) else d for d in whole.to_dicts()]
    got = [None if isinstance(d, CmcdError) else d for d in some.dicts()]
    assert got == expected


def test_query_rows_come_back_in_line_order() -> None:
    lines = np.array([3, 5, 8, 13], dtype=np.int64)
    shuffled = pa.table({"__line": [8, 3, 13, 5], "v": ["c", "a", "d", "b"]})
    got = columnar_cloudfront._in_line_order(shuffled, lines)
    assert got.column("v").to_pylist() == ["a", "b", "c", "d"]
    same = pa.table({"__line": lines, "v": ["a", "b", "c", "d"]})
    assert columnar_cloudfront._in_line_order(same, lines) is same


# --- the scan for the lines only the row parser may read ------------------------------------

LINE_PARTS = st.sampled_from(
    [b"a", b"\t", b" ", b"#", b"\r", b"\x00", b"\xc3\xa9", b"\xff", b"\xc3", BOM, b"\xef", b"x#y"]
)


def _expected_starts(data: bytes) -> list[int]:
    starts, pos = [], 0
    for line in data.split(b"\n"):
        try:
            line.decode("utf-8")
            utf8 = True
        except UnicodeDecodeError:
            utf8 = False
        odd = line.startswith((b"#", BOM)) or b"\r" in line or b"\x00" in line or not utf8
        if odd:
            starts.append(pos)
        pos += len(line) + 1
    return starts


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(st.lists(LINE_PARTS, max_size=6).map(b"".join), max_size=30),
    hashes_inside=st.integers(0, 80),
)
def test_row_parser_lines_are_found(lines: list[bytes], hashes_inside: int) -> None:
    # more than 64 '#' inside lines switches the scan to a search for newline + '#'
    lines = [b"a#b" * hashes_inside, *lines]
    data = b"\n".join(lines)
    assert row_parser_line_starts(data) == _expected_starts(data)


@pytest.mark.parametrize("inside", [0, 1, 64, 65, 66, 200])
def test_header_lines_after_many_hashes_inside_lines(inside: int) -> None:
    """Past 64 '#' inside lines the scan searches newline + '#': nothing may be skipped."""
    data = b"a#" * inside + b"\n#x\n#\nz#\n" + b"#y" * 3 + b"\n\xef\n" * 70 + BOM
    assert row_parser_line_starts(data) == _expected_starts(data)
    assert row_parser_line_starts(data + b"\n") == _expected_starts(data + b"\n")


def test_dead_letters_keep_their_units(tmp_path: Path) -> None:
    lines = [*HEADER, _line(), _line()[:20], b"", _line(**{"date": "2019-02-30"}), _line()]
    path = _log(tmp_path, lines)
    result = read_cloudfront_table(path, received_at=RECEIVED_AT)
    assert [n for n, _ in result.dead_letters] == [4, 6]
    for number, letter in result.dead_letters:
        assert isinstance(letter, DeadLetter)
        assert letter.letter["source"] == f"file:{path}:{number}"
    assert result.line_numbers.tolist() == [3, 7]
