"""dbt's sources YAML is generated from the contracts, checked for drift, and used by staging."""

from __future__ import annotations

import re

import yaml

from streamqoe.contracts import generated
from streamqoe.contracts.bigquery import landed_contracts, table_schema
from streamqoe.contracts.dbt_sources import (
    DBT_STAGING_DIR,
    SOURCE_OF_TABLE,
    render_sources,
    sources_files,
    sources_path,
)


def _flat(fields, prefix=""):
    for f in fields:
        yield prefix + f["name"], f.get("description", "")
        if f["type"] == "RECORD":
            yield from _flat(f["fields"], prefix + f["name"] + ".")


def test_sources_files_are_derived_files_and_match_the_contracts() -> None:
    derived = generated.derived_files()
    for path, source in sources_files().items():
        assert path in derived
        assert path.read_text() == render_sources(source), f"{path} drifted: regenerate"
    assert not [p for p in generated.drift() if "_sources.yml" in p]


def test_every_landed_table_is_a_source_with_every_column_and_freshness() -> None:
    tables = {}
    for path in sources_files():
        for source in yaml.safe_load(path.read_text())["sources"]:
            assert source["config"]["loaded_at_field"] == "ingested_at"
            if source["name"] == "pipeline":  # dead letters: no news is good news
                assert source["config"]["freshness"] is None
            else:
                assert {"warn_after", "error_after"} <= set(source["config"]["freshness"])
            assert "env_var('STREAMQOE_LANDING_SCHEMA'" in source["schema"]
            for table in source["tables"]:
                tables[table["name"]] = (source["name"], table)
    assert set(tables) == {c.table_name for c in landed_contracts()}
    for c in landed_contracts():
        source, table = tables[c.table_name]
        assert source == SOURCE_OF_TABLE[c.table_name]
        assert table["description"] == c.table["description"]
        assert [(col["name"], col["description"]) for col in table["columns"]] == list(
            _flat(table_schema(c))
        )


def test_a_changed_contract_column_shows_as_drift() -> None:
    path = sources_path("player")
    committed = path.read_text()
    edited = committed.replace("- name: rebuffer_ratio\n", "- name: rebuffer_fraction\n", 1)
    assert edited != committed
    assert edited != render_sources("player")


def test_each_landed_table_has_one_staging_model_reading_it() -> None:
    reads: dict[tuple[str, str], list[str]] = {}
    for sql in DBT_STAGING_DIR.rglob("stg_*.sql"):
        for source, table in re.findall(r"source\('(\w+)', '(\w+)'\)", sql.read_text()):
            reads.setdefault((source, table), []).append(sql.stem)
            assert sql.stem.startswith(f"stg_{source}__"), sql
    expected = {(SOURCE_OF_TABLE[c.table_name], c.table_name) for c in landed_contracts()}
    assert set(reads) == expected
    assert all(len(models) == 1 for models in reads.values()), reads
