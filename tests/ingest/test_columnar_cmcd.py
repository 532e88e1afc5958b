"""The columnar CMCD decoder must give exactly what decode_cmcd / cmcd_from_query give, row by row."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamqoe.contracts.conformance import UnsupportedSchema
from streamqoe.ingest.cmcd import CmcdError, cmcd_from_query, decode_cmcd
from streamqoe.ingest.columnar_checks import violation_mask
from streamqoe.ingest.columnar_cloudfront import record_row, table_arrow_schema
from streamqoe.ingest.columnar_cmcd import cmcd_arrow_type, decode_cmcd_column, struct_row

from .columnar_strategies import CMCD_TEXTS, QUERIES
from .helpers import read


def _reference(values: list[str | None], form: str) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        try:
            out.append(cmcd_from_query(value) if form == "query" else decode_cmcd(value))
        except CmcdError as exc:
            out.append(exc)
    return out


def assert_column_equivalent(values: list[str | None], form: str) -> np.ndarray:
    """Assert the column decoder agrees with the row decoder; return the rows it fell back on."""
    column = decode_cmcd_column(values, form=form)  # type: ignore[arg-type]
    expected = _reference(values, form)
    got = column.to_dicts()
    assert len(got) == len(expected) == len(column.values)
    for value, g, e in zip(values, got, expected, strict=True):
        if isinstance(e, CmcdError):
            assert isinstance(g, CmcdError), value
            assert (g.error_class, g.message) == (e.error_class, e.message), value
        else:
            assert g == e, value
            assert list(g or {}) == list(e or {}), value  # key order, as decode_cmcd sends it
    structs = column.values.to_pylist()
    for s, e in zip(structs, expected, strict=True):
        assert s == (None if isinstance(e, CmcdError) else struct_row(e))
    assert column.values.type == cmcd_arrow_type()
    return column.fallback_rows


def test_fixture_report_lines_are_equivalent() -> None:
    lines = read("cmcd_lines.txt").decode().splitlines()
    reports = [line for line in lines if not line.startswith(("http", "CMCD-"))]
    fallback = assert_column_equivalent(reports, "text")
    # inner lists, custom keys and errors are the row decoder's; plain v2 reports are not
    assert 0 < len(fallback) < len(reports)
    queries = [line for line in lines if line.startswith("http")]
    assert_column_equivalent(queries, "query")


def test_common_strings_are_decoded_without_the_row_decoder() -> None:
    values = ['br=3200,bl=21300,bs,ot=v,pr=1.08,sid="6e2f",su=?0', "ts=1717236000000,v=2", None]
    assert len(assert_column_equivalent(values, "text")) == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(CMCD_TEXTS, st.none(), st.text(max_size=12)), max_size=30))
def test_generated_texts_are_equivalent(values: list[str | None]) -> None:
    assert_column_equivalent(values, "text")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(QUERIES, st.none(), st.text(max_size=12)), max_size=30))
def test_generated_queries_are_equivalent(values: list[str | None]) -> None:
    assert_column_equivalent(values, "query")


def _table(**overrides: Any) -> pa.Table:
    record = {
        "schema_version": "1.0",
        "cdn": "cloudfront",
        "log_format": "cloudfront_standard",
        "request_at": "2019-12-04T21:02:31Z",
        "method": "GET",
        "path": "/a",
        "status": 200,
        "cmcd": {"ot": "v", "sid": "s"},
    }
    record.update(overrides)
    return pa.Table.from_pylist(
        [record_row(record, table_arrow_schema())], schema=table_arrow_schema()
    )


@pytest.mark.parametrize(
    ("overrides", "flagged"),
    [
        ({}, False),
        ({"status": 1000}, True),
        ({"method": "M" * 17}, True),
        ({"client_country": "de"}, True),
        ({"cache_result": "warm"}, True),
        ({"cmcd": {"ot": "zz"}}, True),
        ({"cmcd": {"sid": "s" * 129}}, True),
        ({"cmcd": {"br": -1}}, True),
        ({"cmcd": {"custom": {"x": 1}}}, True),
        ({"cmcd": None}, False),
    ],
)
def test_violation_mask_follows_the_contract(overrides: dict, flagged: bool) -> None:
    assert violation_mask(_table(**overrides), "cdn_request").tolist() == [flagged]


def test_violation_mask_refuses_keywords_it_does_not_check() -> None:
    from streamqoe.ingest.columnar_checks import _column_mask

    with pytest.raises(UnsupportedSchema):
        _column_mask(pa.array([1]), {"type": "integer", "multipleOf": 2}, "x")
