"""The dbt marts' contracts as the LookML generator needs them: columns, types, descriptions, keys.

Reads `dbt/models/marts/<mart>.yml` and renders `{{ doc('name') }}` from the `{% docs %}` blocks
under `dbt/models/docs/` the way dbt does at parse time. Leaves out tests, unit tests and configs
other than what the views need (the key, the partition column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MARTS_DIR = ROOT / "dbt" / "models" / "marts"
DOCS_DIR = ROOT / "dbt" / "models" / "docs"

_DOCS_BLOCK = re.compile(r"{%\s*docs\s+(\w+)\s*%}(.*?){%\s*enddocs\s*%}", re.S)
_DOC_CALL = re.compile(r"{{\s*doc\('(\w+)'\)\s*}}")
_PARTITION = re.compile(r"partition_by=\{'field':\s*'(\w+)'")
_FLOAT_TYPE = "{{ var('float_type')[target.type] }}"


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str  # string, bigint, float, boolean, date, timestamp
    description: str


@dataclass(frozen=True)
class Mart:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: str
    partition_column: str | None


def docs_blocks(docs_dir: Path = DOCS_DIR) -> dict[str, str]:
    """Every `{% docs name %}` block under dbt/models/docs/, by name."""
    blocks = {}
    for path in sorted(docs_dir.glob("*.md")):
        for name, body in _DOCS_BLOCK.findall(path.read_text()):
            blocks[name] = " ".join(body.split())
    return blocks


def render_description(text: str, blocks: dict[str, str]) -> str:
    """A YAML description with its doc() calls replaced, on one line."""
    return " ".join(_DOC_CALL.sub(lambda m: blocks[m.group(1)], text or "").split())


def _column_type(raw: str) -> str:
    return "float" if raw == _FLOAT_TYPE else raw


def load_marts(marts_dir: Path = MARTS_DIR) -> list[Mart]:
    """One Mart per `<mart>.yml` in dbt/models/marts/, sorted by name."""
    blocks = docs_blocks(marts_dir.parent / "docs")
    marts = []
    for path in sorted(marts_dir.glob("*.yml")):
        spec = yaml.safe_load(path.read_text())
        (model,) = [m for m in spec["models"] if m["name"] == path.stem]
        columns, key = [], None
        for col in model["columns"]:
            columns.append(
                Column(
                    col["name"],
                    _column_type(col["data_type"]),
                    render_description(col.get("description", ""), blocks),
                )
            )
            if "unique" in (col.get("data_tests") or []):
                key = col["name"]
        if key is None:
            raise ValueError(f"{path}: no column with a unique test (the mart's key)")
        sql = path.with_suffix(".sql").read_text()
        partition = _PARTITION.search(sql)
        marts.append(
            Mart(
                name=model["name"],
                description=render_description(model.get("description", ""), blocks),
                columns=tuple(columns),
                primary_key=key,
                partition_column=partition.group(1) if partition else None,
            )
        )
    return marts
