"""Write one LookML view per dbt mart (`lookml/views/<mart>.view.lkml`) from the mart's contract.

Every contract column becomes a dimension of the matching type, named like the column; a
`<event>_at` timestamp becomes `dimension_group: <event>` and a `<thing>_date` date becomes
`dimension_group: <thing>` (so the field `fct_views.view_date` keeps the column's name); the
column with the mart's `unique` test is the primary key; the BigQuery partition column is labelled
as the one to filter on. Measures are not generated: they are hand-written refinements in
`lookml/measures/`. `check()` reports drift, so a changed contract fails a test until
`streamqoe lookml generate` is run.
"""

from __future__ import annotations

from pathlib import Path

from app.lookml.contracts import ROOT, Column, Mart, load_marts

LOOKML_DIR = ROOT / "lookml"
VIEWS_DIR = LOOKML_DIR / "views"

# dbt contract type -> LookML dimension type.
DIMENSION_TYPES = {"string": "string", "bigint": "number", "float": "number", "boolean": "yesno"}
TIMESTAMP_TIMEFRAMES = ("raw", "time", "minute", "hour", "date", "week", "month")
DATE_TIMEFRAMES = ("raw", "date", "week", "month")
PARTITION_GROUP_LABEL = "Partition date (filter on it)"
# view_label of each mart (the name users see in the field picker).
VIEW_LABELS = {
    "dim_content": "Content",
    "dim_device": "Device",
    "fct_cdn_pop_hourly": "CDN PoP Hourly",
    "fct_qoe_daily": "QoE Daily",
    "fct_qoe_minute": "QoE per Minute",
    "fct_transcode_jobs": "Transcode Jobs",
    "fct_view_rebuffer_attribution": "Rebuffer Attribution",
    "fct_viewer_sessions": "Viewer Sessions",
    "fct_views": "Views",
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def group_name(column: Column) -> str | None:
    """The dimension_group a time column becomes, or None for a plain dimension."""
    if column.data_type == "timestamp" and column.name.endswith("_at"):
        return column.name.removesuffix("_at")
    if column.data_type == "date" and column.name.endswith("_date"):
        return column.name.removesuffix("_date")
    if column.data_type in ("timestamp", "date"):
        raise ValueError(f"time column {column.name} is neither <event>_at nor <thing>_date")
    return None


def _field(mart: Mart, column: Column) -> list[str]:
    group = group_name(column)
    lines = []
    if group is None:
        lines.append(f"  dimension: {column.name} {{")
        if column.name == mart.primary_key:
            lines.append("    primary_key: yes")
            if column.name.endswith("_key"):
                lines.append("    hidden: yes")
        lines.append(f"    type: {DIMENSION_TYPES[column.data_type]}")
    else:
        timeframes = TIMESTAMP_TIMEFRAMES if column.data_type == "timestamp" else DATE_TIMEFRAMES
        lines.append(f"  dimension_group: {group} {{")
        lines.append("    type: time")
        lines.append(f"    timeframes: [{', '.join(timeframes)}]")
        if column.data_type == "date":
            lines.append("    datatype: date")
        lines.append("    convert_tz: no")
        if column.name == mart.partition_column:
            lines.append(f"    group_label: {_quote(PARTITION_GROUP_LABEL)}")
    lines.append(f"    sql: ${{TABLE}}.{column.name} ;;")
    if column.description:
        lines.append(f"    description: {_quote(column.description)}")
    lines.append("  }")
    return lines


def render_view(mart: Mart) -> str:
    """The text of `lookml/views/<mart>.view.lkml`."""
    lines = [
        f"# Generated from dbt/models/marts/{mart.name}.yml by `streamqoe lookml generate`;",
        "# do not edit: change the contract and regenerate. Measures are in",
        f"# lookml/measures/{mart.name}.measures.lkml.",
        f"view: {mart.name} {{",
        f"  sql_table_name: `@{{PROJECT}}.@{{DATASET}}.{mart.name}` ;;",
        f"  view_label: {_quote(VIEW_LABELS[mart.name])}",
    ]
    for column in mart.columns:
        lines.append("")
        lines.extend(_field(mart, column))
    lines.append("}")
    return "\n".join(lines) + "\n"


def rendered_views(views_dir: Path = VIEWS_DIR) -> dict[Path, str]:
    """Every generated view file and its expected text."""
    return {views_dir / f"{m.name}.view.lkml": render_view(m) for m in load_marts()}


def write(views_dir: Path = VIEWS_DIR) -> list[Path]:
    """Write every generated view; return the files that changed."""
    views_dir.mkdir(parents=True, exist_ok=True)
    changed = []
    for path, text in rendered_views(views_dir).items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed


def check(views_dir: Path = VIEWS_DIR) -> list[str]:
    """Problems between lookml/views/ and the contracts (empty when in sync)."""
    expected = rendered_views(views_dir)
    problems = [
        f"{p.name} is out of date (run `streamqoe lookml generate`)"
        for p, text in expected.items()
        if not p.exists() or p.read_text() != text
    ]
    problems += [
        f"{p.name} has no mart contract"
        for p in sorted(views_dir.glob("*.view.lkml"))
        if p not in expected
    ]
    return problems
