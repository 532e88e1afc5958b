"""The LookML project parses, every reference resolves, and it follows the dbt contracts and the
house style (STYLE.md section 4)."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("lkml", reason="lkml is not installed (docs/lookml.md, Dependencies)")

from app.lookml import generate, validate
from app.lookml.contracts import ROOT, load_marts
from app.lookml.project import LOOKML_DIR, load_project

NOW = datetime(2025, 1, 15, 3, tzinfo=UTC)
AGGREGATION_PREFIXES = ("total_", "sum_", "overall_", "average_", "p50_", "p95_", "max_")


def test_project_has_no_problems(project) -> None:
    assert project.problems() == []
    assert validate.static_problems(project, NOW) == []


def test_generated_views_match_the_contracts() -> None:
    assert generate.check() == []


@pytest.mark.parametrize("mart", load_marts(), ids=lambda m: m.name)
def test_every_contract_column_is_a_field_of_its_type(project, mart) -> None:
    view = project.views[mart.name]
    assert view.primary_key == mart.primary_key
    assert view.sql_table_name == f"`@{{PROJECT}}.@{{DATASET}}.{mart.name}`"
    expected = {"string": "string", "bigint": "number", "float": "number", "boolean": "yesno"}
    for column in mart.columns:
        if column.data_type in ("date", "timestamp"):
            group = re.sub(r"_(at|date)$", "", column.name)
            f = view.fields[f"{group}_date"]
            assert f.datatype == ("date" if column.data_type == "date" else "timestamp")
            assert f.sql == f"${{TABLE}}.{column.name}"
        else:
            f = view.fields[column.name]
            assert (f.kind, f.type) == ("dimension", expected[column.data_type]), column.name
            assert f.sql == f"${{TABLE}}.{column.name}"


def test_partitioned_marts_are_always_filtered_on_the_partition_date(project) -> None:
    partitioned = {m.name: m.partition_column for m in load_marts() if m.partition_column}
    for explore in project.explores.values():
        if explore.name in partitioned:
            field = f"{explore.name}.{partitioned[explore.name]}"
            assert re.fullmatch(r"\d+ days", explore.always_filter.get(field, "")), explore.name


def test_measures_follow_the_naming_and_cite_their_metric(project) -> None:
    headings = {
        re.sub(r"[^a-z0-9_ -]", "", h.lower()).replace(" ", "-")
        for h in re.findall(r"^## (.+)$", (ROOT / "docs/metrics.md").read_text(), re.M)
    }
    measures = [f for v in project.views.values() for f in v.fields.values() if f.kind == "measure"]
    assert len(measures) > 60
    for f in measures:
        assert re.fullmatch(r"[a-z0-9_]+", f.name), f.ref
        if f.type == "count":
            assert f.name.endswith("_count"), f.ref
        elif f.type == "percentile":
            assert f.name.startswith(f"p{f.raw['percentile']}_"), f.ref
        elif f.type == "number":
            assert f.name.startswith("overall_") or f.name.endswith("_rate"), f.ref
        else:
            assert f.name.startswith(AGGREGATION_PREFIXES) or f.type == "count_distinct", f.ref
        anchors = re.findall(r"docs/metrics\.md#([\w-]+)", f.raw["description"])
        assert anchors and set(anchors) <= headings, f.ref


def test_every_lookml_field_named_in_metrics_md_exists(project) -> None:
    text = (ROOT / "docs/metrics.md").read_text()
    named = re.findall(r"\*\*LookML:\*\* (.+)", text)
    refs = [r for line in named for r in re.findall(r"`([a-z_]+\.[a-z0-9_]+)`", line)]
    assert len(refs) >= 20
    for ref in refs:
        assert project.field(ref).kind == "measure", ref


def test_tiles_are_titled_metric_by_breakdown_and_use_the_model_constant(project) -> None:
    tiles = validate.tiles(project)
    assert len(tiles) >= 20
    assert {t.dashboard for t in tiles} == {
        "qoe_overview", "cdn_pop_health", "audience_network", "content_ladder",
        "transcode_operations", "live_monitoring",
    }  # fmt: skip
    for tile in tiles:
        assert " by " in tile.title, tile.title
    for path in (LOOKML_DIR / "dashboards").glob("*.dashboard.lookml"):
        text = path.read_text()
        assert "timezone" not in text
        assert text.count('model: "@{MODEL}"') == text.count("model:")


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "lookml"
    shutil.copytree(LOOKML_DIR, copy)
    return copy


@pytest.mark.parametrize(
    ("path", "old", "new", "problem"),
    [
        ("explores/fct_views.explore.lkml", "${dim_content.content_id}", "${dim_content.nope}",
         "${dim_content.nope} does not resolve"),
        ("measures/fct_views.measures.lkml", "${total_playing_time_ms} +", "${playing_time} +",
         "${playing_time} does not resolve"),
        ("views/fct_views.view.lkml", "@{DATASET}", "@{DATA_SET}", "@{DATA_SET} is not a constant"),
        ("dashboards/qoe_overview.dashboard.lookml", "fct_views.cdn, fct_views.view_count",
         "fct_views.cdn, fct_views.views", "${fct_views.views} does not resolve"),
        ("dashboards/qoe_overview.dashboard.lookml", "explore: fct_views\n", "explore: views\n",
         "unknown explore views"),
        ("streamqoe.model.lkml", "/explores/*.explore.lkml", "/explore/*.explore.lkml",
         "matches no file"),
        ("measures/dim_device.measures.lkml", "label: \"Devices\"", "", "measure has no label"),
    ],
)  # fmt: skip
def test_a_broken_reference_is_reported(project_copy, path, old, new, problem) -> None:
    target = project_copy / path
    assert old in target.read_text()
    target.write_text(target.read_text().replace(old, new, 1))
    problems = load_project(project_copy).problems()
    assert any(problem in p for p in problems), problems


def test_generate_check_reports_drift_and_write_fixes_it(tmp_path: Path) -> None:
    views = tmp_path / "views"
    assert len(generate.write(views)) == len(load_marts())
    assert generate.check(views) == []
    edited = views / "fct_views.view.lkml"
    edited.write_text(edited.read_text().replace("type: number", "type: string", 1))
    (views / "stray.view.lkml").write_text("view: stray {}\n")
    assert generate.check(views) == [
        "fct_views.view.lkml is out of date (run `streamqoe lookml generate`)",
        "stray.view.lkml has no mart contract",
    ]
    assert generate.write(views) == [edited]
