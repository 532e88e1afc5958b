"""A small compiler from an explore query (what a Looker tile asks) to SQL, for the subset of
LookML this project uses, on the project parsed by `app.lookml.project` and sqlglot.

`compile_query(project, query, now)` returns the BigQuery SQL Looker would send, in Looker's
shape: `SELECT <dimensions and measures> FROM <base> LEFT JOIN <joins> WHERE <dimension filters>
GROUP BY <dimensions> HAVING <measure filters> ORDER BY ... LIMIT ...`. `to_duckdb(sql)`
translates it with sqlglot for the embedded warehouse.

What it covers:

* `${TABLE}` (the view's alias), `${field}` and `${view.field}` substitution, recursively;
  `@{constant}` from the manifest (in `sql_table_name`).
* Dimensions (`string`, `number`, `yesno`) and `dimension_group` timeframes `raw`, `time`,
  `minute`, `hour`, `date`, `week` (Monday), `month`, with `convert_tz: no` (the marts are UTC).
* Measures `count`, `count_distinct`, `sum` (Looker's `COALESCE(SUM(x), 0)`), `average`, `max`,
  `min`, `percentile` (`APPROX_QUANTILES(x, 1000)[OFFSET(10 p)]`, as Looker emits for BigQuery)
  and `number` over other measures; measure `filters`.
* Joins with `sql_on` and `relationship`; only the joins a query needs (its fields, filters and
  the views their `sql_on` names). Fan-out: a view joined `many_to_one` (or every view but the
  joined one after a `one_to_many`) has its rows repeated, so its `count` becomes
  `COUNT(DISTINCT primary key)` and `count_distinct`, `max`, `min` stay exact; a `sum`,
  `average` or `percentile` over it would be wrong, and the compiler refuses it
  (`FanOutError`) instead of emitting Looker's symmetric aggregates: no tile needs one.
* Filters (Looker filter expressions): on dates and times `N minutes|hours|days|weeks` (the
  current unit and the N-1 before, relative to `now`), `YYYY-MM-DD`, `YYYY-MM-DD to YYYY-MM-DD`;
  on strings equality, comma lists, `-value` exclusions, `NULL` / `-NULL` and `%` wildcards; on
  numbers (dimensions and measures) equality, comma lists, `NOT value`, `NULL` / `NOT NULL`,
  `>`, `>=`, `<`, `<=`; on yesno `yes` / `no` (NULL is "no", as Looker shows it); an empty
  expression is no filter. The explore's `always_filter` applies when the query does not filter
  that field.

Percentiles differ by dialect: BigQuery's `APPROX_QUANTILES` is approximate (a value of the
data within a bounded rank error), DuckDB gets `quantile_cont` (exact, linear interpolation,
as dbt's `percentile_cont`). See docs/lookml.md for the tolerance the tests use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlglot
from sqlglot import exp

from app.lookml.project import REFERENCE, Field, Project, filter_pairs

PERCENTILE_BUCKETS = 1000
DEFAULT_LIMIT = 500
_RELATIVE = re.compile(r"^(\d+)\s+(minute|hour|day|week)s?$")
_DATE = r"\d{4}-\d{2}-\d{2}"
_RANGE = re.compile(rf"^({_DATE})(?:\s+to\s+({_DATE}))?$")
_COMPARISON = re.compile(r"^(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


class CompileError(ValueError):
    """The query cannot be compiled: unknown field, unsupported filter, ..."""


class FanOutError(CompileError):
    """A measure would be multiplied by a join's fan-out."""


@dataclass
class Query:
    """An explore query: what a dashboard tile or an Explore asks for."""

    explore: str
    fields: list[str]
    filters: dict[str, str] = field(default_factory=dict)
    sorts: list[str] = field(default_factory=list)
    limit: int | None = DEFAULT_LIMIT


def alias(ref: str) -> str:
    """The column alias of a field in the result (Looker's `view_field`)."""
    return ref.replace(".", "_")


class _Compiler:
    def __init__(self, project: Project, query: Query, now: datetime) -> None:
        if query.explore not in project.explores:
            raise CompileError(f"unknown explore {query.explore}")
        self.project = project
        self.explore = project.explores[query.explore]
        self.query = query
        self.now = now
        self.fanned: set[str] = set()

    # ---------- references
    def field(self, ref: str, own: str | None = None) -> Field:
        view, _, name = ref.rpartition(".")
        view = view or own
        if view not in self.explore.views:
            raise CompileError(f"{ref}: view not in explore {self.explore.name}")
        try:
            return self.project.views[view].fields[name]
        except KeyError:
            raise CompileError(f"{ref}: no such field") from None

    def substitute(self, sql: str, view: str, stack: tuple[str, ...]) -> str:
        def replace(m: re.Match[str]) -> str:
            ref = m.group(1)
            if ref == "TABLE":
                return view
            f = self.field(ref, own=view)
            if f.ref in stack:
                raise CompileError(f"reference cycle through {f.ref}")
            return self.sql(f, (*stack, f.ref))

        return REFERENCE.sub(replace, self.project.resolve_constants(sql))

    def sql(self, f: Field, stack: tuple[str, ...] = ()) -> str:
        """The SQL expression of a field (a measure's with its aggregate)."""
        stack = stack or (f.ref,)
        base = self.substitute(f.sql, f.view, stack) if f.kind == "dimension" else None
        if f.group is not None:
            return self.timeframe(base, f)
        if f.kind == "dimension":
            return base if re.fullmatch(r"[\w.]+", base) else f"({base})"
        return self.measure(f, stack)

    @staticmethod
    def timeframe(x: str, f: Field) -> str:
        as_date = x if f.datatype == "date" else f"DATE({x})"
        forms = {
            "raw": x,
            "time": x,
            "minute": f"TIMESTAMP_TRUNC({x}, MINUTE)",
            "hour": f"TIMESTAMP_TRUNC({x}, HOUR)",
            "date": as_date,
            "week": f"DATE_TRUNC({as_date}, WEEK(MONDAY))",
            "month": f"DATE_TRUNC({as_date}, MONTH)",
        }
        if f.timeframe not in forms:
            raise CompileError(f"{f.ref}: timeframe {f.timeframe} not supported")
        if f.datatype == "date" and f.timeframe in ("time", "minute", "hour"):
            raise CompileError(f"{f.ref}: timeframe {f.timeframe} of a date")
        return forms[f.timeframe]

    # ---------- measures
    def measure(self, f: Field, stack: tuple[str, ...]) -> str:
        if f.type == "number":
            return f"({self.substitute(f.sql, f.view, stack)})"
        fanned = f.view in self.fanned
        if fanned and f.type in ("sum", "average", "percentile"):
            raise FanOutError(
                f"{f.ref}: {f.type} over {f.view}, whose rows the joins of this query repeat"
            )
        conditions = [
            self.condition(self.field(name, own=f.view), expr)
            for name, expr in filter_pairs(f.raw.get("filters__all")).items()
        ]
        cond = " AND ".join(c for c in conditions if c)
        if f.type == "count":
            view = self.project.views[f.view]
            pk = f"{f.view}.{view.primary_key}"
            key = self.sql(self.field(pk), (*stack, pk)) if fanned else "1"
            value = f"CASE WHEN {cond} THEN {key} END" if cond else key
            if fanned:
                return f"COUNT(DISTINCT {value})"
            return f"COUNT({value})" if cond else "COUNT(*)"
        x = self.substitute(f.sql, f.view, stack)
        if cond:
            x = f"CASE WHEN {cond} THEN {x} END"
        if f.type == "count_distinct":
            return f"COUNT(DISTINCT {x})"
        if f.type == "sum":
            return f"COALESCE(SUM({x}), 0)"
        if f.type == "average":
            return f"AVG({x})"
        if f.type in ("max", "min"):
            return f"{f.type.upper()}({x})"
        if f.type == "percentile":
            p = float(f.raw["percentile"])
            offset = round(p / 100 * PERCENTILE_BUCKETS)
            return f"APPROX_QUANTILES({x}, {PERCENTILE_BUCKETS})[OFFSET({offset})]"
        raise CompileError(f"{f.ref}: measure type {f.type} not supported")

    # ---------- filters
    def condition(self, f: Field, expression: str) -> str | None:
        """SQL for a Looker filter expression on a field; None for an empty expression."""
        expression = str(expression).strip()
        if expression == "":
            return None
        if f.group is not None:
            return self.time_condition(f, expression)
        x = self.sql(f)
        if f.type == "yesno":
            if expression.lower() not in ("yes", "no"):
                raise CompileError(f"{f.ref}: yesno filter {expression!r}")
            # Looker shows a NULL yesno as "No", so "no" keeps the NULLs.
            return f"{x}" if expression.lower() == "yes" else f"NOT COALESCE({x}, FALSE)"
        numeric = f.type == "number" or f.kind == "measure"
        included, excluded = [], []
        for item in (i.strip() for i in expression.split(",")):
            # Strings exclude with "-value"; numbers with "NOT value" ("-5" is minus five).
            if numeric:
                negate = item.upper().startswith("NOT ")
                item = item[4:].strip() if negate else item
            else:
                negate = item.startswith("-")
                item = item[1:] if negate else item
            (excluded if negate else included).append(self.item(f, x, item, negate))
        parts = []
        if included:
            parts.append("(" + " OR ".join(included) + ")")
        parts.extend(excluded)
        return " AND ".join(parts)

    def item(self, f: Field, x: str, item: str, negate: bool) -> str:
        if item.upper() == "NULL":
            return f"{x} IS {'NOT ' if negate else ''}NULL"
        if f.type == "number" or f.kind == "measure":
            m = _COMPARISON.match(item)
            if m and not negate:
                return f"{x} {m.group(1)} {m.group(2)}"
            if not _NUMBER.match(item):
                raise CompileError(f"{f.ref}: number filter {item!r} not supported")
            return f"{x} {'!=' if negate else '='} {item}"
        literal = "'" + item.replace("\\", "\\\\").replace("'", "\\'") + "'"
        if "%" in item:
            return f"{x} {'NOT ' if negate else ''}LIKE {literal}"
        if negate:
            return f"({x} != {literal} OR {x} IS NULL)"
        return f"{x} = {literal}"

    def time_condition(self, f: Field, expression: str) -> str:
        raw = self.substitute(f.sql, f.view, (f.ref,))
        start, end = self.bounds(f, expression.lower())
        if f.datatype == "date":
            lit = "DATE '{}'"
            start_s, end_s = (lit.format(d.date().isoformat()) for d in (start, end))
        else:
            lit = "TIMESTAMP '{}'"
            start_s, end_s = (lit.format(d.strftime("%Y-%m-%d %H:%M:%S")) for d in (start, end))
        return f"({raw} >= {start_s} AND {raw} < {end_s})"

    def bounds(self, f: Field, expression: str) -> tuple[datetime, datetime]:
        now = self.now.replace(tzinfo=None)
        m = _RELATIVE.match(expression)
        if m:
            n, unit = int(m.group(1)), m.group(2)
            if f.datatype == "date" and unit in ("minute", "hour"):
                raise CompileError(f"{f.ref}: {expression!r} on a date")
            if unit == "week":
                day = now.replace(hour=0, minute=0, second=0, microsecond=0)
                current = day - timedelta(days=day.weekday())
                step = timedelta(weeks=1)
            else:
                step = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1),
                        "day": timedelta(days=1)}[unit]  # fmt: skip
                keep = {"minute": {"second": 0}, "hour": {"minute": 0, "second": 0},
                        "day": {"hour": 0, "minute": 0, "second": 0}}[unit]  # fmt: skip
                current = now.replace(microsecond=0, **keep)
            return current - (n - 1) * step, current + step
        m = _RANGE.match(expression)
        if m:
            first = datetime.combine(date.fromisoformat(m.group(1)), datetime.min.time())
            if m.group(2) is None:
                return first, first + timedelta(days=1)
            last = datetime.combine(date.fromisoformat(m.group(2)), datetime.min.time())
            return first, last
        raise CompileError(f"{f.ref}: date filter {expression!r} not supported")

    # ---------- the query
    def needed_joins(self, refs: list[str]) -> list[str]:
        needed = {r.partition(".")[0] for r in refs} - {self.explore.name}
        joins = {j.view: j for j in self.explore.joins}
        changed = True
        while changed:
            changed = False
            for view in list(needed):
                for ref in REFERENCE.findall(joins[view].sql_on):
                    other = ref.partition(".")[0]
                    if other != self.explore.name and other not in needed:
                        needed.add(other)
                        changed = True
        return [j.view for j in self.explore.joins if j.view in needed]

    def compile(self) -> str:
        q = self.query
        filters = {**self.explore.always_filter, **q.filters}
        fields = [self.field(r) for r in q.fields]
        if not fields:
            raise CompileError("a query needs at least one field")
        filter_fields = {r: self.field(r) for r in filters}
        joins = self.needed_joins([*q.fields, *filters])
        by_view = {j.view: j for j in self.explore.joins}
        for view in joins:
            rel = by_view[view].relationship
            if rel == "many_to_one":
                self.fanned.add(view)
            elif rel in ("one_to_many", "many_to_many"):
                self.fanned |= {self.explore.name, *joins} - {view}
        dims = [f for f in fields if f.kind == "dimension"]
        select = [f"    {self.sql(f)} AS {alias(f.ref)}" for f in fields]
        base = self.project.views[self.explore.name]
        lines = ["SELECT", ",\n".join(select)]
        lines.append(f"FROM {self.project.resolve_constants(base.sql_table_name)} AS {base.name}")
        for view in joins:
            table = self.project.resolve_constants(self.project.views[view].sql_table_name)
            on = self.substitute(by_view[view].sql_on, self.explore.name, ("join " + view,))
            lines.append(f"LEFT JOIN {table} AS {view} ON {' '.join(on.split())}")
        where = [c for r, f in filter_fields.items() if f.kind == "dimension"
                 if (c := self.condition(f, filters[r]))]  # fmt: skip
        having = [c for r, f in filter_fields.items() if f.kind == "measure"
                  if (c := self.condition(f, filters[r]))]  # fmt: skip
        if where:
            lines.append("WHERE " + "\n    AND ".join(where))
        if dims:
            positions = [str(i + 1) for i, f in enumerate(fields) if f.kind == "dimension"]
            lines.append("GROUP BY " + ", ".join(positions))
        if having:
            lines.append("HAVING " + "\n    AND ".join(having))
        lines.append("ORDER BY " + ", ".join(self.order(fields)))
        if q.limit:
            lines.append(f"LIMIT {int(q.limit)}")
        return "\n".join(lines)

    def order(self, fields: list[Field]) -> list[str]:
        refs = [f.ref for f in fields]
        sorts = self.query.sorts or [
            next((f"{f.ref} desc" for f in fields if f.kind == "measure"), f"{refs[0]} asc")
        ]
        out = []
        for sort in sorts:
            ref, _, direction = sort.partition(" ")
            if ref not in refs:
                raise CompileError(f"sort on {ref}, which the query does not select")
            out.append(f"{refs.index(ref) + 1} {'DESC' if direction.strip() == 'desc' else 'ASC'}")
        return out


def compile_query(project: Project, query: Query, now: datetime) -> str:
    """The BigQuery SQL of an explore query; relative date filters are relative to `now`."""
    return _Compiler(project, query, now).compile()


def _quantile_cont(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Bracket) and isinstance(node.this, exp.ApproxQuantiles):
        buckets = int(node.this.expression.name)
        offset = int(node.expressions[0].name)
        return exp.Anonymous(
            this="quantile_cont",
            expressions=[node.this.this, exp.Literal.number(offset / buckets)],
        )
    return node


def parse_bigquery(sql: str) -> exp.Expression:
    """The compiled SQL parsed in the BigQuery dialect (raises sqlglot.ParseError)."""
    return sqlglot.parse_one(sql, read="bigquery")


def to_duckdb(sql: str) -> str:
    """The BigQuery SQL translated for DuckDB: sqlglot's transpilation, with percentiles as
    `quantile_cont(x, p)` (sqlglot maps `APPROX_QUANTILES` to DuckDB's `APPROX_QUANTILE`, a
    t-digest estimate; the warehouse comparison wants the exact figure dbt computes)."""
    return parse_bigquery(sql).transform(_quantile_cont).sql(dialect="duckdb", pretty=True)
