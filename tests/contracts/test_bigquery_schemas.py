"""The generated BigQuery schemas must match the contracts (drift) and follow the mapping."""

from __future__ import annotations

import json

import pytest

from streamqoe.contracts import bigquery as bq
from streamqoe.contracts import generated
from streamqoe.contracts.registry import contract


def test_committed_derived_files_match_the_contracts() -> None:
    assert generated.drift() == []


def test_drift_is_detected(tmp_path) -> None:
    for c in bq.landed_contracts():
        (tmp_path / f"{c.table_name}.json").write_text(bq.render_table_file(c))
    assert generated.drift(tmp_path) == []
    path = tmp_path / "player_events.json"
    doc = json.loads(path.read_text())
    doc["schema"] = [f for f in doc["schema"] if f["name"] != "bitrate_kbps"]
    path.write_text(json.dumps(doc, indent=2) + "\n")
    (tmp_path / "orphan_table.json").write_text("{}")
    problems = generated.drift(tmp_path)
    assert any("player_events.json: differs" in p for p in problems)
    assert any("orphan_table" in p for p in problems)


@pytest.mark.parametrize(
    ("prop", "required", "expected"),
    [
        ({"type": "string"}, True, ("STRING", "REQUIRED")),
        ({"type": ["string", "null"]}, True, ("STRING", "NULLABLE")),
        ({"type": "string", "format": "date-time"}, False, ("TIMESTAMP", "NULLABLE")),
        ({"type": "string", "format": "date"}, True, ("DATE", "REQUIRED")),
        ({"type": "string", "contentEncoding": "base64"}, True, ("BYTES", "REQUIRED")),
        ({"type": ["integer", "null"]}, False, ("INTEGER", "NULLABLE")),
        ({"type": "number"}, True, ("FLOAT", "REQUIRED")),
        ({"type": "boolean"}, True, ("BOOLEAN", "REQUIRED")),
        ({"type": ["object", "null"], "x-bigquery-type": "JSON"}, False, ("JSON", "NULLABLE")),
        ({"type": "array", "items": {"type": "integer"}}, True, ("INTEGER", "REPEATED")),
    ],
)
def test_type_mapping(prop, required, expected) -> None:
    field = bq.bigquery_field("x", prop, required)
    assert (field["type"], field["mode"]) == expected


def test_nested_records_and_cross_file_refs() -> None:
    fields = {f["name"]: f for f in bq.table_schema(contract("cdn_request"))}
    cmcd = fields["cmcd"]
    assert (cmcd["type"], cmcd["mode"]) == ("RECORD", "NULLABLE")
    inner = {f["name"]: f["type"] for f in cmcd["fields"]}
    assert inner["sid"] == "STRING" and inner["br"] == "INTEGER" and inner["bs"] == "BOOLEAN"
    assert inner["custom"] == "JSON"
    outputs = {f["name"]: f for f in bq.table_schema(contract("transcode_event"))}["outputs"]
    assert (outputs["type"], outputs["mode"]) == ("RECORD", "REPEATED")


@pytest.mark.parametrize("c", bq.landed_contracts(), ids=lambda c: c.name)
def test_partition_and_clustering_columns_exist(c) -> None:
    fields = {f["name"]: f for f in bq.table_schema(c)}
    partition = fields[c.table["partition"]["field"]]
    assert partition["type"] == "TIMESTAMP" and partition["mode"] == "REQUIRED"
    for name in c.table["clustering"]:
        assert fields[name]["type"] == "STRING" and fields[name]["mode"] != "REPEATED"
    assert len(c.table["clustering"]) <= 4  # BigQuery allows at most four clustering columns
    assert {"ingested_at", "ingest_id"} <= fields.keys()


def test_every_column_is_described() -> None:
    def walk(fields, prefix=""):
        for f in fields:
            assert f.get("description"), f"{prefix}{f['name']} has no description"
            walk(f.get("fields", []), f"{prefix}{f['name']}.")

    for c in bq.landed_contracts():
        walk(bq.table_schema(c), f"{c.table_name}.")
