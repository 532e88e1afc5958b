"""Static checks of the dbt project's YAML (fast; the builds are in the integration tests)."""

from __future__ import annotations

import re

import yaml

from streamqoe.config import REPO_ROOT

DBT_DIR = REPO_ROOT / "dbt"
MARTS_YML = DBT_DIR / "models" / "marts" / "_marts__models.yml"
UNIT_TESTS_YML = DBT_DIR / "models" / "marts" / "_marts__unit_tests.yml"
METRICS_MD = REPO_ROOT / "docs" / "metrics.md"


def _anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _marts() -> list[dict]:
    return yaml.safe_load(MARTS_YML.read_text())["models"]


def test_every_mart_sql_file_is_documented_and_vice_versa() -> None:
    files = {p.stem for p in (DBT_DIR / "models" / "marts").glob("*.sql")}
    assert files == {m["name"] for m in _marts()}


def test_every_mart_column_has_a_type_and_a_description_and_the_grain_is_stated() -> None:
    for model in _marts():
        assert model["description"].startswith("One row per"), model["name"]
        for column in model["columns"]:
            assert column.get("data_type"), (model["name"], column["name"])
            assert column.get("description"), (model["name"], column["name"])


def test_metric_links_point_at_headings_of_docs_metrics() -> None:
    anchors = {
        _anchor(line.lstrip("#"))
        for line in METRICS_MD.read_text().splitlines()
        if line[:3] == "## "
    }
    for model in _marts():
        for column in model["columns"]:
            for anchor in re.findall(r"docs/metrics\.md#([\w-]+)", column["description"]):
                assert anchor in anchors, (model["name"], column["name"], anchor)


def test_ratio_columns_link_their_metric_and_are_range_tested() -> None:
    for model in _marts():
        for column in model["columns"]:
            if not column["name"].endswith(("_ratio", "_rate")):
                continue
            assert "docs/metrics.md#" in column["description"], (model["name"], column["name"])
            ranges = [
                t["accepted_range"]["arguments"]
                for t in column.get("data_tests", [])
                if isinstance(t, dict) and "accepted_range" in t
            ]
            assert {"min_value": 0, "max_value": 1} in ranges, (model["name"], column["name"])


def test_every_mart_that_computes_a_metric_has_a_unit_test() -> None:
    tested = {t["model"] for t in yaml.safe_load(UNIT_TESTS_YML.read_text())["unit_tests"]}
    for model in _marts():
        computes = (DBT_DIR / "models" / "marts" / f"{model['name']}.sql").read_text()
        if "safe_ratio(" in computes or "datediff(" in computes:
            assert model["name"] in tested, model["name"]
