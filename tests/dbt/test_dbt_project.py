"""Static checks of the dbt project's YAML (fast; the builds are in the integration tests)."""

from __future__ import annotations

import re

import yaml

from streamqoe.config import REPO_ROOT

DBT_DIR = REPO_ROOT / "dbt"
MODELS_DIR = DBT_DIR / "models"
MARTS_DIR = MODELS_DIR / "marts"
DOCS_DIR = MODELS_DIR / "docs"
METRICS_MD = REPO_ROOT / "docs" / "metrics.md"

DOCS_BLOCK = re.compile(r"{%\s*docs\s+(\w+)\s*%}(.*?){%\s*enddocs\s*%}", re.S)
DOC_CALL = re.compile(r"""{{\s*doc\(\s*['"](\w+)['"]\s*\)\s*}}""")


def _anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _docs_blocks() -> dict[str, str]:
    """Every `{% docs name %}` block of the project, stripped as dbt strips it."""
    blocks: dict[str, str] = {}
    for path in sorted(MODELS_DIR.rglob("*.md")):
        for name, body in DOCS_BLOCK.findall(path.read_text()):
            assert name not in blocks, f"docs block {name!r} defined twice"
            blocks[name] = body.strip()
    return blocks


def _render(description: str, blocks: dict[str, str]) -> str:
    """A description with its `{{ doc('name') }}` calls replaced by the blocks' text."""
    return DOC_CALL.sub(lambda m: blocks[m.group(1)], description)


def _mart_ymls() -> list[tuple[str, dict]]:
    return [(p.stem, yaml.safe_load(p.read_text())) for p in sorted(MARTS_DIR.glob("*.yml"))]


def _marts() -> list[dict]:
    """The marts' YAML with doc() calls rendered."""
    blocks = _docs_blocks()
    models = [m for _, y in _mart_ymls() for m in y["models"]]
    for model in models:
        for column in model["columns"]:
            column["description"] = _render(column.get("description", ""), blocks)
    return models


def _unit_tests() -> list[dict]:
    return [
        t
        for p in sorted(MODELS_DIR.rglob("*.yml"))
        for t in (yaml.safe_load(p.read_text()) or {}).get("unit_tests", [])
    ]


def test_every_mart_sql_file_is_documented_and_vice_versa() -> None:
    files = {p.stem for p in MARTS_DIR.glob("*.sql")}
    assert files == {m["name"] for m in _marts()}


def test_each_mart_has_its_own_yml_holding_only_it_and_its_unit_tests() -> None:
    for stem, content in _mart_ymls():
        assert [m["name"] for m in content["models"]] == [stem]
        assert {t["model"] for t in content.get("unit_tests", [])} <= {stem}


def test_doc_calls_name_existing_blocks_and_every_block_is_used() -> None:
    blocks = _docs_blocks()
    used = {name for p in MODELS_DIR.rglob("*.yml") for name in DOC_CALL.findall(p.read_text())}
    assert used <= set(blocks), used - set(blocks)
    assert set(blocks) <= used, set(blocks) - used


def test_no_column_description_is_pasted_into_several_marts() -> None:
    """A description several marts share is one docs block (models/docs/), used through doc()."""
    marts_of: dict[str, set[str]] = {}
    for stem, content in _mart_ymls():
        for column in content["models"][0]["columns"]:
            if not DOC_CALL.search(column["description"]):
                marts_of.setdefault(column["description"], set()).add(stem)
    assert not {text: m for text, m in marts_of.items() if len(m) > 1}


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
    tested = {t["model"] for t in _unit_tests()}
    for model in _marts():
        computes = (MARTS_DIR / f"{model['name']}.sql").read_text()
        if "ratio(" in computes or "datediff(" in computes:
            assert model["name"] in tested, model["name"]


def test_models_divide_only_through_the_ratio_macro() -> None:
    """Sum over sum with a zero guard is defined once, in macros/ratio.sql."""
    for path in MODELS_DIR.rglob("*.sql"):
        sql = re.sub(r"{#.*?#}|--[^\n]*", "", path.read_text(), flags=re.S)
        assert not re.search(r"[^/*]/[^/*]|nullif\(", sql), path.name
