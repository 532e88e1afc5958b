"""app/lookml/compiler.py on a small LookML project of its own and hand-made rows in DuckDB:
the SQL it emits, and the figures that SQL returns (exact, computed by hand)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

pytest.importorskip("lkml", reason="lkml is not installed (docs/lookml.md, Dependencies)")

from app.lookml.compiler import (
    CompileError,
    FanOutError,
    Query,
    compile_query,
    parse_bigquery,
    to_duckdb,
)
from app.lookml.project import Project, load_project

NOW = datetime(2025, 1, 15, 3, 30, tzinfo=UTC)

MANIFEST = """
project_name: "mini"
constant: PROJECT { value: "p" }
constant: DATASET { value: "d" }
constant: MODEL { value: "mini" }
"""
MODEL = """
connection: "c"
include: "/views/*.view.lkml"
include: "/explores/*.explore.lkml"
datagroup: daily { max_cache_age: "24 hours" }
"""
VIEWS = """
view: orders {
  sql_table_name: `@{PROJECT}.@{DATASET}.orders` ;;
  dimension: order_id { primary_key: yes type: string sql: ${TABLE}.order_id ;; }
  dimension: customer_id { type: string sql: ${TABLE}.customer_id ;; }
  dimension: amount { type: number sql: ${TABLE}.amount ;; }
  dimension: playing_ms { type: number sql: ${TABLE}.playing_ms ;; }
  dimension: stall_ms { type: number sql: ${TABLE}.stall_ms ;; }
  dimension: is_paid { type: yesno sql: ${TABLE}.is_paid ;; }
  dimension: coupon { type: string sql: ${TABLE}.coupon ;; }
  dimension: amount_band { type: string sql: CASE WHEN ${amount} >= 10 THEN 'big' ELSE 'small' END ;; }
  dimension_group: ordered { type: time timeframes: [raw, time, minute, hour, date, week, month] convert_tz: no sql: ${TABLE}.ordered_at ;; }
  dimension_group: order { type: time timeframes: [raw, date, month] datatype: date convert_tz: no sql: ${TABLE}.order_date ;; }
  measure: order_count { type: count }
  measure: paid_order_count { type: count filters: [is_paid: "yes"] }
  measure: customer_count { type: count_distinct sql: ${customer_id} ;; }
  measure: total_amount { type: sum sql: ${amount} ;; }
  measure: average_amount { type: average sql: ${amount} ;; }
  measure: max_amount { type: max sql: ${amount} ;; }
  measure: p50_amount { type: percentile percentile: 50 sql: ${amount} ;; }
  measure: total_playing_ms { type: sum sql: ${playing_ms} ;; }
  measure: total_stall_ms { type: sum sql: ${stall_ms} ;; }
  measure: overall_stall_ratio {
    type: number
    sql: CAST(${total_stall_ms} AS FLOAT64) / NULLIF(CAST(${total_playing_ms} + ${total_stall_ms} AS FLOAT64), 0) ;;
  }
}
view: customers {
  sql_table_name: `@{PROJECT}.@{DATASET}.customers` ;;
  dimension: customer_id { primary_key: yes type: string sql: ${TABLE}.customer_id ;; }
  dimension: country { type: string sql: ${TABLE}.country ;; }
  dimension: credit { type: number sql: ${TABLE}.credit ;; }
  measure: customer_count { type: count }
  measure: total_credit { type: sum sql: ${credit} ;; }
}
"""
EXPLORE = """
explore: orders {
  persist_with: daily
  always_filter: { filters: [orders.order_date: "7 days"] }
  join: customers {
    relationship: many_to_one
    sql_on: ${orders.customer_id} = ${customers.customer_id} ;;
  }
}
explore: customers {
  persist_with: daily
  join: orders {
    relationship: one_to_many
    sql_on: ${customers.customer_id} = ${orders.customer_id} ;;
  }
}
"""
ROWS = """
create schema p.d;
create table p.d.customers as select * from (values
  ('c1', 'FR', 100), ('c2', 'DE', 50), ('c3', 'FR', 10)) t(customer_id, country, credit);
create table p.d.orders as select order_id, customer_id, amount, playing_ms, stall_ms, is_paid,
  coupon, ordered_at::timestamp as ordered_at, ordered_at::timestamp::date as order_date
from (values
  ('o1', 'c1', 10, 900, 100, true,  'A',  '2025-01-15 03:10:00'),
  ('o2', 'c1', 20, 400, 100, false, null, '2025-01-15 02:05:00'),
  ('o3', 'c2', 5,  1000, 0,  true,  'B',  '2025-01-14 12:00:00'),
  ('o4', 'c3', 1,  0,   0,   true,  null, '2025-01-09 00:00:00'),
  ('o5', 'c3', 7,  50,  50,  null,  'A',  '2025-01-08 23:59:59')
) t(order_id, customer_id, amount, playing_ms, stall_ms, is_paid, coupon, ordered_at);
"""


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("mini_lookml")
    (root / "views").mkdir()
    (root / "explores").mkdir()
    (root / "manifest.lkml").write_text(MANIFEST)
    (root / "streamqoe.model.lkml").write_text(MODEL)
    (root / "views" / "mini.view.lkml").write_text(VIEWS)
    (root / "explores" / "mini.explore.lkml").write_text(EXPLORE)
    project = load_project(root)
    assert project.problems(style=False) == []
    return project


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    c.execute("ATTACH ':memory:' AS p")
    c.execute(ROWS)
    return c


def run(con, project, explore, fields, filters=None, sorts=None) -> list[tuple]:
    sql = compile_query(project, Query(explore, fields, filters or {}, sorts or []), NOW)
    parse_bigquery(sql)
    return con.execute(to_duckdb(sql)).fetchall()


def test_dimensions_and_measures_group_and_aggregate(mini, con) -> None:
    rows = run(
        con,
        mini,
        "orders",
        ["orders.customer_id", "orders.order_count", "orders.total_amount",
         "orders.paid_order_count", "orders.overall_stall_ratio"],
        sorts=["orders.customer_id asc"],
    )  # fmt: skip
    # "7 days" from 2025-01-15 keeps 2025-01-09 .. 2025-01-15: o5 (01-08) is out.
    assert rows == [("c1", 2, 30, 1, 200 / 1500), ("c2", 1, 5, 1, 0.0), ("c3", 1, 1, 1, None)]


def test_ratio_is_sum_over_sum_not_an_average_of_ratios(mini, con) -> None:
    ((ratio,),) = run(con, mini, "orders", ["orders.overall_stall_ratio"])
    assert ratio == pytest.approx(200 / 2500)  # per-order ratios average to (0.1 + 0.2 + 0) / 3


def test_average_max_percentile_and_distinct(mini, con) -> None:
    rows = run(
        con,
        mini,
        "orders",
        ["orders.average_amount", "orders.max_amount", "orders.p50_amount",
         "orders.customer_count"],
        filters={"orders.order_date": "2025-01-01 to 2025-02-01"},
    )  # fmt: skip
    assert rows == [(8.6, 20, 7.0, 3)]  # amounts 10, 20, 5, 1, 7


def test_percentile_is_approx_quantiles_on_bigquery_and_quantile_cont_on_duckdb(mini) -> None:
    sql = compile_query(mini, Query("orders", ["orders.p50_amount"]), NOW)
    assert "APPROX_QUANTILES(orders.amount, 1000)[OFFSET(500)]" in sql
    assert "QUANTILE_CONT(orders.amount, 0.5)" in to_duckdb(sql)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"orders.order_date": "1 days"}, ["o1", "o2"]),
        ({"orders.order_date": "2 days"}, ["o1", "o2", "o3"]),
        ({"orders.order_date": "2025-01-09"}, ["o4"]),
        ({"orders.order_date": "2025-01-08 to 2025-01-10"}, ["o4", "o5"]),
        ({"orders.ordered_date": "7 days"}, ["o1", "o2", "o3", "o4"]),
        ({"orders.ordered_time": "2 hours"}, ["o1", "o2"]),
        ({"orders.ordered_minute": "30 minutes"}, ["o1"]),
        ({"orders.ordered_hour": "1 weeks"}, ["o1", "o2", "o3"]),
        ({"orders.customer_id": "c1,c2"}, ["o1", "o2", "o3"]),
        ({"orders.customer_id": "-c1"}, ["o3", "o4"]),
        ({"orders.customer_id": "c%"}, ["o1", "o2", "o3", "o4"]),
        ({"orders.amount": ">5"}, ["o1", "o2"]),
        ({"orders.amount": "<=5"}, ["o3", "o4"]),
        ({"orders.amount": "1,20"}, ["o2", "o4"]),
        ({"orders.amount": "NOT 10"}, ["o2", "o3", "o4"]),
        ({"orders.amount": "NOT 10, NOT 20"}, ["o3", "o4"]),
        ({"orders.amount": "-10"}, []),
        ({"orders.amount": "NOT NULL"}, ["o1", "o2", "o3", "o4"]),
        ({"orders.is_paid": "yes"}, ["o1", "o3", "o4"]),
        ({"orders.is_paid": "no"}, ["o2"]),
        ({"orders.amount_band": "big"}, ["o1", "o2"]),
        ({"customers.country": "FR"}, ["o1", "o2", "o4"]),
        ({"customers.country": ""}, ["o1", "o2", "o3", "o4"]),
        ({"orders.order_date": "", "orders.customer_id": "c3"}, ["o4", "o5"]),
        ({"orders.order_date": "", "orders.is_paid": "no"}, ["o2", "o5"]),
        ({"orders.coupon": "NULL"}, ["o2", "o4"]),
        ({"orders.coupon": "-NULL"}, ["o1", "o3"]),
        ({"orders.coupon": "-A"}, ["o2", "o3", "o4"]),
        ({"orders.order_date": "", "orders.coupon": "A,B"}, ["o1", "o3", "o5"]),
    ],
)  # fmt: skip
def test_filter_expressions(mini, con, filters, expected) -> None:
    rows = run(con, mini, "orders", ["orders.order_id"], filters, ["orders.order_id asc"])
    assert [r[0] for r in rows] == expected


def test_measure_filter_goes_to_having(mini, con) -> None:
    rows = run(
        con, mini, "orders", ["orders.customer_id", "orders.total_amount"],
        {"orders.total_amount": ">2"}, ["orders.customer_id asc"],
    )  # fmt: skip
    assert rows == [("c1", 30), ("c2", 5)]


def test_joins_only_what_the_query_needs(mini) -> None:
    assert "JOIN" not in compile_query(mini, Query("orders", ["orders.order_count"]), NOW)
    sql = compile_query(mini, Query("orders", ["customers.country", "orders.order_count"]), NOW)
    assert (
        "LEFT JOIN `p.d.customers` AS customers ON orders.customer_id = customers.customer_id"
        in sql
    )


def test_many_to_one_count_is_distinct_and_sum_is_refused(mini, con) -> None:
    rows = run(
        con, mini, "orders", ["customers.country", "customers.customer_count", "orders.order_count"],
        sorts=["customers.country asc"],
    )  # fmt: skip
    assert rows == [("DE", 1, 1), ("FR", 2, 3)]  # c1 has two orders: counted once
    with pytest.raises(FanOutError):
        compile_query(mini, Query("orders", ["customers.total_credit"]), NOW)


def test_one_to_many_fans_out_the_base(mini, con) -> None:
    rows = run(
        con, mini, "customers", ["customers.customer_count", "orders.order_count"],
        {"orders.order_date": "7 days"},
    )  # fmt: skip
    assert rows == [(3, 4)]
    with pytest.raises(FanOutError):
        compile_query(
            mini, Query("customers", ["customers.total_credit", "orders.order_count"]), NOW
        )
    # Without the join the base is not fanned out.
    assert run(con, mini, "customers", ["customers.total_credit"]) == [(160,)]


def test_constants_are_substituted_and_can_be_overridden(mini) -> None:
    sql = compile_query(
        mini.with_constants(PROJECT="prod-1"), Query("orders", ["orders.order_count"]), NOW
    )
    assert "FROM `prod-1.d.orders` AS orders" in sql
    with pytest.raises(KeyError):
        mini.with_constants(NOPE="x")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (Query("nope", ["orders.order_count"]), "unknown explore"),
        (Query("orders", ["orders.nope"]), "no such field"),
        (Query("orders", []), "at least one field"),
        (Query("orders", ["orders.order_count"], {"orders.order_date": "last tuesday"}), "date filter"),
        (Query("orders", ["orders.order_count"], {"orders.order_date": "3 hours"}), "on a date"),
        (Query("orders", ["orders.order_count"], {"orders.is_paid": "maybe"}), "yesno filter"),
        (Query("orders", ["orders.order_count"], {"orders.amount": "ten"}), "number filter"),
        (Query("orders", ["orders.order_count"], sorts=["orders.amount desc"]), "does not select"),
        (Query("customers", ["customers.order_count"]), "no such field"),
    ],
)  # fmt: skip
def test_compile_errors(mini, query, message) -> None:
    with pytest.raises(CompileError, match=message):
        compile_query(mini, query, NOW)


def test_a_reference_cycle_is_an_error(tmp_path: Path, mini) -> None:
    views = mini.views
    cyc = views["orders"].fields["amount_band"]
    original = cyc.sql
    cyc.sql = "${amount_band}"
    try:
        with pytest.raises(CompileError, match="cycle"):
            compile_query(mini, Query("orders", ["orders.amount_band"]), NOW)
    finally:
        cyc.sql = original
