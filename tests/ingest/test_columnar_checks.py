"""violation_mask flags a row the same whether it is checked alone or among others, chunked.

`columnar_checks` skips a keyword's per-row check when a summary of the whole column (distinct
values, least and greatest value, byte or character length) shows no row can break it. These tests
mix valid and violating rows in chunked tables so that both the summaries and the per-row checks
decide, and compare each row's flag with the flag of the row alone and with jsonschema.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from streamqoe.contracts.registry import violations
from streamqoe.ingest.columnar_checks import violation_mask
from streamqoe.ingest.columnar_cloudfront import record_row, table_arrow_schema

BASE: dict[str, Any] = {
    "schema_version": "1.0",
    "cdn": "cloudfront",
    "log_format": "cloudfront_standard",
    "request_at": "2019-12-04T21:02:31Z",
    "method": "GET",
    "path": "/a",
    "status": 200,
}
OVERRIDES = {
    "status": st.sampled_from([0, 200, 999, 1000]),
    "method": st.sampled_from(["GET", "M" * 16, "M" * 17]),
    "client_country": st.sampled_from([None, "DE", "de", "D"]),
    "client_asn": st.sampled_from([None, 0, 3320, -1]),
    "cache_result": st.sampled_from([None, "hit", "miss", "warm"]),
    "time_taken_ms": st.sampled_from([None, 0.0, 412.5, -0.5]),
    # a multibyte value: too long in bytes, not always in characters (maxLength 2048)
    "user_agent": st.sampled_from([None, "curl", "é" * 1500, "é" * 2049, "x" * 2049]),
    "pop": st.sampled_from([None, "FRA56-P1", "P" * 65]),
    "cmcd": st.sampled_from(
        [
            None,
            {"ot": "v", "sid": "s"},
            {"ot": "zz"},
            {"br": -1},
            {"br": 3200, "bl": 100},
            {"sid": "s" * 129},
            {"custom": {"x": 1}},
        ]
    ),
}
RECORDS = st.fixed_dictionaries({}, optional=OVERRIDES).map(lambda o: {**BASE, **o})


def _table(records: list[dict[str, Any]]) -> pa.Table:
    """One chunk per record."""
    schema = table_arrow_schema()
    return pa.concat_tables(
        pa.Table.from_pylist([record_row(r, schema)], schema=schema) for r in records
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(RECORDS, min_size=1, max_size=12))
def test_rows_are_flagged_alike_alone_and_together(records: list[dict[str, Any]]) -> None:
    table = _table(records)
    assert table.column("path").num_chunks == len(records)
    together = violation_mask(table, "cdn_request").tolist()
    alone = [violation_mask(_table([r]), "cdn_request").tolist()[0] for r in records]
    assert together == alone
    for record, flagged in zip(records, together, strict=True):
        if violations("cdn_request", record):
            assert flagged, record  # never more lenient than the contract


def test_a_long_multibyte_value_is_judged_by_its_characters() -> None:
    records = [{**BASE, "user_agent": "é" * 1500}, {**BASE, "user_agent": "é" * 2049}, BASE]
    assert violation_mask(_table(records), "cdn_request").tolist() == [False, True, False]


def test_summaries_that_prove_nothing_fall_back_to_rows() -> None:
    records = [
        {**BASE, "status": 1000},
        BASE,
        {**BASE, "cache_result": "warm"},
        {**BASE, "client_country": "de"},
        {**BASE, "client_country": "DE"},
        {**BASE, "cmcd": {"br": -1}},
        {**BASE, "cmcd": {"br": 5}},
    ]
    got = violation_mask(_table(records), "cdn_request").tolist()
    assert got == [True, False, True, True, False, True, False]
