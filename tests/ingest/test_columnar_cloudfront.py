"""The columnar CloudFront path must give exactly the row parser's records and dead letters.

The row parser (`parse_cloudfront_log` over `read_lines`) is the reference: every test parses the
same file both ways and compares outcome for outcome (same order, equal dicts, equal key order),
on the fixtures and on hypothesis-generated files full of damage.
"""

from __future__ import annotations

import gzip
import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app import parse_cli as cli
from streamqoe.ingest.cloudfront import STANDARD_FIELDS, parse_cloudfront_log
from streamqoe.ingest.columnar_cloudfront import (
    iter_cloudfront_outcomes,
    read_cloudfront_table,
    record_row,
    table_arrow_schema,
)
from streamqoe.ingest.outcome import DeadLetter, Outcome, Record, outcome_line
from streamqoe.ingest.read import (
    COLUMNAR_MIN_BYTES,
    distribution_from_name,
    parse_file,
    read_lines,
    use_columnar,
)

from .columnar_strategies import log_lines, plain_line, standard_line
from .helpers import FIXTURES, RECEIVED_AT

CLOUDFRONT_FIXTURES = ["cloudfront_standard.log", "E2EXAMPLE123.2019-12-04-21.a1b2c3d4.gz"]


def _row_path(path: str) -> list[Outcome]:
    return list(
        parse_cloudfront_log(
            read_lines(path), received_at=RECEIVED_AT, distribution=distribution_from_name(path)
        )
    )


def _key(outcome: Outcome) -> tuple[str, str]:
    """A comparable form: kind and the exact JSON line (key order included)."""
    return (outcome.kind, outcome_line(outcome))


def assert_equivalent(path: str) -> list[Outcome]:
    """Assert both columnar outputs equal the row parser's on `path`; return the row outcomes."""
    expected = _row_path(path)
    distribution = distribution_from_name(path)
    got = list(iter_cloudfront_outcomes(path, received_at=RECEIVED_AT, distribution=distribution))
    assert [_key(o) for o in got] == [_key(o) for o in expected]

    result = read_cloudfront_table(path, received_at=RECEIVED_AT, distribution=distribution)
    assert result.table.schema == table_arrow_schema()
    rows, letters = [], []
    for outcome in expected:
        if isinstance(outcome, DeadLetter):
            letters.append(outcome.letter)
        elif _fits_arrow(outcome.record):
            rows.append(_typed(outcome.record))
        else:  # beyond int64: the one documented difference of the table form
            letters.append("ArrowOverflow")
    assert result.table.to_pylist() == rows
    got_letters = [
        "ArrowOverflow" if d.error_class == "ArrowOverflow" else d.letter
        for _, d in result.dead_letters
    ]
    assert got_letters == letters
    # accounting: one outcome per data line, and line numbers that point at them
    assert result.table.num_rows + len(result.dead_letters) == len(expected)
    numbers = [*result.line_numbers.tolist(), *(n for n, _ in result.dead_letters)]
    assert len(set(numbers)) == len(numbers)
    units = [
        int(o.letter["source"].rsplit(":", 1)[1]) for o in expected if isinstance(o, DeadLetter)
    ]
    assert set(units) <= set(numbers)
    return expected


def _fits_arrow(record: dict) -> bool:
    try:
        pa.Table.from_pylist([_typed(record)], schema=table_arrow_schema())
    except (pa.ArrowInvalid, OverflowError):
        return False
    return True


def _typed(record: dict) -> dict:
    return record_row(record, table_arrow_schema())


@pytest.mark.parametrize("name", CLOUDFRONT_FIXTURES)
def test_fixtures_are_equivalent(name: str) -> None:
    outcomes = assert_equivalent(str(FIXTURES / name))
    assert len(outcomes) == 7  # both fixtures: 5 records and 2 dead letters


def _write(tmp_path: Path, lines: list[bytes], *, gz: bool, newline_at_end: bool) -> str:
    data = b"\n".join(lines) + (b"\n" if newline_at_end else b"")
    name = "E2EXAMPLE123.2019-12-04-21.abcd" + (".gz" if gz else ".log")
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if gz else data)
    return str(path)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=log_lines(), gz=st.booleans(), newline_at_end=st.booleans())
@example(  # found by hypothesis: a line of U+001F only is blank to the parsers
    lines=[b"#Version: 1.0", ("#Fields: " + " ".join(STANDARD_FIELDS)).encode(), b"", b"\x1f"],
    gz=False,
    newline_at_end=False,
)
def test_generated_files_are_equivalent(
    tmp_path: Path, lines: list[bytes], gz: bool, newline_at_end: bool
) -> None:
    path = _write(tmp_path, lines, gz=gz, newline_at_end=newline_at_end)
    expected = assert_equivalent(path)
    # Blank as the parsers define it: the decoded line is whitespace by str.strip (so a line of
    # NBSP or of the information separators U+001C..U+001F is blank too).
    data_lines = [
        line
        for line in lines
        if not line.startswith(b"#") and line.decode("utf-8", "replace").strip()
    ]
    assert len(expected) == len(data_lines)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.lists(standard_line(), min_size=1, max_size=60))
def test_mostly_valid_files_are_equivalent(tmp_path: Path, body: list[str]) -> None:
    header = [b"#Version: 1.0", ("#Fields: " + " ".join(STANDARD_FIELDS)).encode()]
    path = _write(tmp_path, header + [b.encode() for b in body], gz=False, newline_at_end=True)
    assert len(assert_equivalent(path)) == len(body)


def test_seconds_to_ms_matches_python_rounding(tmp_path: Path) -> None:
    values = [f"{i}.{f:03d}" for i in (0, 1, 7, 59, 86_399, 999_999_999) for f in range(0, 1000, 7)]
    values += [f"{i}.{f}" for i in (0, 3, 123_456_789) for f in range(10)]
    lines = [b"#Fields: " + " ".join(STANDARD_FIELDS).encode()]
    lines += [plain_line(**{"time-taken": v, "time-to-first-byte": v}).encode() for v in values]
    path = _write(tmp_path, lines, gz=False, newline_at_end=True)
    expected = assert_equivalent(path)
    assert sum(isinstance(o, Record) for o in expected) == len(values)


def _big_log(tmp_path: Path) -> str:
    line = plain_line()
    header = [b"#Version: 1.0", ("#Fields: " + " ".join(STANDARD_FIELDS)).encode()]
    lines = [*header]
    source = (FIXTURES / "cloudfront_standard.log").read_bytes().split(b"\n")
    while sum(len(x) + 1 for x in lines) < COLUMNAR_MIN_BYTES * 2:
        lines.extend(source)
        lines.append(line.encode())
    return _write(tmp_path, lines, gz=False, newline_at_end=True)


def test_parse_file_routes_big_cloudfront_files_through_the_columnar_path(tmp_path: Path) -> None:
    path = _big_log(tmp_path)
    assert use_columnar(path)
    assert not use_columnar(str(FIXTURES / "cloudfront_standard.log"))
    assert not use_columnar("-")
    got = list(parse_file(path, "cloudfront", received_at=RECEIVED_AT))
    assert [_key(o) for o in got] == [_key(o) for o in _row_path(path)]


def test_cli_output_is_byte_identical_to_the_row_path(tmp_path: Path) -> None:
    path = _big_log(tmp_path)
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli.main(
            ["parse", "--format", "cloudfront", "--received-at", "2024-06-01T12:00:00Z", path]
        )
    assert code == 0
    expected = "".join(outcome_line(o) + "\n" for o in _row_path(path))
    assert out.getvalue() == expected
    assert json.loads(out.getvalue().splitlines()[0])["kind"] in ("record", "dead_letter")
