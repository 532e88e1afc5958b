"""The LookML project in `lookml/`, parsed with lkml (dashboards with PyYAML) and cross-checked.

`load_project()` parses every file, applies the refinements (`view: +name`) to their views in
include order, and returns a `Project`: constants, the model's includes and datagroups, views with
their fields (dimension groups expanded to one field per timeframe), explores and dashboards.
`Project.problems()` lists every reference that does not resolve: includes that match nothing or
leave a file out, `@{constant}`s, `${field}` references in views and join conditions, measure
filters, `always_filter` fields, datagroups, and every dashboard element's model, explore, fields,
filters, sorts and `listen`. Not covered: LookML parameters the project does not use (derived
tables, liquid, access grants).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lkml
import yaml

from app.lookml.contracts import ROOT

LOOKML_DIR = ROOT / "lookml"
MODEL_FILE = "streamqoe.model.lkml"
CONSTANT = re.compile(r"@\{(\w+)\}")
REFERENCE = re.compile(r"\$\{([\w.]+)\}")
JOIN_RELATIONSHIPS = ("one_to_one", "many_to_one", "one_to_many", "many_to_many")
MEASURE_TYPES = ("count", "count_distinct", "sum", "average", "max", "min", "percentile", "number")
DIMENSION_TYPES = ("string", "number", "yesno")


@dataclass
class Field:
    """One selectable field: a dimension, one timeframe of a dimension group, or a measure."""

    view: str
    name: str
    kind: str  # dimension | measure
    type: str  # string, number, yesno, date, time | a measure type
    sql: str
    raw: dict[str, Any]
    group: str | None = None  # the dimension_group a timeframe field belongs to
    timeframe: str | None = None
    datatype: str = "timestamp"  # of a dimension group: timestamp or date

    @property
    def ref(self) -> str:
        return f"{self.view}.{self.name}"


@dataclass
class View:
    name: str
    sql_table_name: str
    fields: dict[str, Field] = field(default_factory=dict)
    primary_key: str | None = None
    source: list[str] = field(default_factory=list)


@dataclass
class Join:
    view: str
    relationship: str
    sql_on: str


@dataclass
class Explore:
    name: str
    raw: dict[str, Any]
    joins: list[Join]
    always_filter: dict[str, str]

    @property
    def views(self) -> list[str]:
        return [self.name, *(j.view for j in self.joins)]


@dataclass
class Project:
    root: Path
    constants: dict[str, str]
    model: dict[str, Any]
    views: dict[str, View]
    explores: dict[str, Explore]
    dashboards: dict[str, dict[str, Any]]
    files: list[Path]
    parse_problems: list[str] = field(default_factory=list)

    def resolve_constants(self, text: str) -> str:
        return CONSTANT.sub(lambda m: self.constants[m.group(1)], text)

    def with_constants(self, **overrides: str) -> Project:
        """The same project with some constants overridden (as a Looker instance overrides them)."""
        unknown = set(overrides) - set(self.constants)
        if unknown:
            raise KeyError(f"unknown constants {sorted(unknown)}")
        return Project(
            **{**self.__dict__, "constants": {**self.constants, **overrides}}  # type: ignore[arg-type]
        )

    def field(self, ref: str) -> Field:
        view, _, name = ref.partition(".")
        return self.views[view].fields[name]

    def problems(self, style: bool = True) -> list[str]:
        """Every unresolved reference; with `style`, also the house rules for measures (label,
        value_format_name, a description citing docs/metrics.md)."""
        return self.parse_problems + _problems(self, style)


def filter_pairs(value: Any) -> dict[str, str]:
    """lkml's `filters__all: [[{k: v}, ...]]` as {k: v}."""
    out: dict[str, str] = {}
    for group in value or []:
        for pair in group:
            out.update(pair)
    return out


def _expand(view: View, kind: str, spec: dict[str, Any]) -> list[Field]:
    name = spec["name"]
    sql = spec.get("sql", f"${{TABLE}}.{name}")
    if kind == "dimension_group":
        datatype = spec.get("datatype", "timestamp")
        return [
            Field(view.name, f"{name}_{tf}", "dimension", "date" if tf != "time" else "time",
                  sql, spec, group=name, timeframe=tf, datatype=datatype)
            for tf in spec.get("timeframes", [])
        ]  # fmt: skip
    default = "string" if kind == "dimension" else "count"
    return [
        Field(view.name, name, kind.removesuffix("_group"), spec.get("type", default), sql, spec)
    ]


def _apply(view: View, spec: dict[str, Any], path: str, problems: list[str]) -> None:
    view.source.append(path)
    if "sql_table_name" in spec:
        view.sql_table_name = spec["sql_table_name"].strip()
    for kind in ("dimension", "dimension_group", "measure"):
        for item in spec.get(f"{kind}s", []):
            for f in _expand(view, kind, item):
                if f.name in view.fields and len(view.source) == 1:
                    problems.append(f"{path}: field {f.ref} defined twice")
                elif f.name in view.fields and view.fields[f.name].kind != f.kind:
                    problems.append(
                        f"{path}: {f.kind} {f.ref} redefines a {view.fields[f.name].kind}"
                    )
                view.fields[f.name] = f
            if kind == "dimension" and item.get("primary_key") == "yes":
                view.primary_key = item["name"]


def _included(root: Path, patterns: list[str]) -> list[Path]:
    out: list[Path] = []
    for pattern in patterns:
        for path in sorted(root.glob(pattern.lstrip("/"))):
            if path not in out:
                out.append(path)
    return out


def load_project(root: Path = LOOKML_DIR) -> Project:
    """Parse the project under `root` (default `lookml/`)."""
    problems: list[str] = []
    manifest = lkml.load((root / "manifest.lkml").read_text())
    constants = {c["name"]: c["value"] for c in manifest.get("constants", [])}
    model = lkml.load((root / MODEL_FILE).read_text())
    includes = model.get("includes", [])
    files = _included(root, includes)
    for pattern in includes:
        if not _included(root, [pattern]):
            problems.append(f"{MODEL_FILE}: include {pattern!r} matches no file")
    every = [p for p in sorted(root.rglob("*")) if p.suffix in (".lkml", ".lookml")]
    for path in every:
        if path not in files and path.name not in ("manifest.lkml", MODEL_FILE):
            problems.append(f"{path.relative_to(root)} is not included by the model")
    views: dict[str, View] = {}
    explores: dict[str, Explore] = {}
    dashboards: dict[str, dict[str, Any]] = {}
    for path in files:
        rel = str(path.relative_to(root))
        if path.name.endswith(".dashboard.lookml"):
            for dash in yaml.safe_load(path.read_text()):
                dashboards[dash["dashboard"]] = {**dash, "_file": rel}
            continue
        parsed = lkml.load(path.read_text())
        for spec in parsed.get("views", []):
            name = spec["name"]
            if name.startswith("+"):
                if name[1:] not in views:
                    problems.append(f"{rel}: refinement of unknown view {name[1:]}")
                    continue
                _apply(views[name[1:]], spec, rel, problems)
            else:
                if name in views:
                    problems.append(f"{rel}: view {name} defined twice")
                views[name] = View(name, "")
                _apply(views[name], spec, rel, problems)
        for spec in parsed.get("explores", []):
            joins = [
                Join(j["name"], j.get("relationship", "many_to_one"), j.get("sql_on", ""))
                for j in spec.get("joins", [])
            ]
            always = filter_pairs(spec.get("always_filter", {}).get("filters__all"))
            explores[spec["name"]] = Explore(spec["name"], {**spec, "_file": rel}, joins, always)
    return Project(root, constants, model, views, explores, dashboards, files, problems)


def _check_refs(
    project: Project, where: str, sql: str, own: str | None, scope: list[str]
) -> list[str]:
    """Problems with the `${...}` references of `sql`: TABLE and own fields in a view, view.field
    among `scope` in an explore."""
    out = []
    for ref in REFERENCE.findall(sql):
        if ref == "TABLE":
            if own is None:
                out.append(f"{where}: ${{TABLE}} outside a view")
            continue
        view, _, name = ref.rpartition(".")
        view = view or own
        if view is None or view not in scope:
            out.append(f"{where}: ${{{ref}}} names a view not in scope")
        elif name not in project.views[view].fields:
            out.append(f"{where}: ${{{ref}}} does not resolve")
    return out


def _problems(project: Project, style: bool) -> list[str]:
    out = []
    texts = [p.read_text() for p in project.files]
    texts += [(project.root / n).read_text() for n in ("manifest.lkml", MODEL_FILE)]
    for text in texts:
        for const in CONSTANT.findall(text):
            if const not in project.constants:
                out.append(f"@{{{const}}} is not a constant of manifest.lkml")
    datagroups = {d["name"] for d in project.model.get("datagroups", [])}
    for view in project.views.values():
        if not view.sql_table_name:
            out.append(f"view {view.name} has no sql_table_name")
        if view.primary_key is None:
            out.append(f"view {view.name} has no primary key")
        for f in view.fields.values():
            where = f"{f.ref} ({', '.join(view.source)})"
            if f.kind == "dimension" and f.group is None and f.type not in DIMENSION_TYPES:
                out.append(f"{where}: dimension type {f.type} not supported")
            if f.kind == "measure":
                if f.type not in MEASURE_TYPES:
                    out.append(f"{where}: measure type {f.type} not supported")
                for key in ("label", "value_format_name", "description") if style else ():
                    if key not in f.raw:
                        out.append(f"{where}: measure has no {key}")
                if style and "docs/metrics.md" not in f.raw.get("description", ""):
                    out.append(f"{where}: description does not cite docs/metrics.md")
                for name in filter_pairs(f.raw.get("filters__all")):
                    if name not in view.fields:
                        out.append(f"{where}: filter on unknown field {name}")
            if f.kind == "measure" and f.type == "count":
                continue
            out += _check_refs(project, where, f.sql, view.name, [view.name])
    for explore in project.explores.values():
        where = f"explore {explore.name}"
        if explore.name not in project.views:
            out.append(f"{where}: no view of that name")
            continue
        for join in explore.joins:
            if join.view not in project.views:
                out.append(f"{where}: join of unknown view {join.view}")
            if join.relationship not in JOIN_RELATIONSHIPS:
                out.append(f"{where}: join {join.view} relationship {join.relationship}")
            if not join.sql_on:
                out.append(f"{where}: join {join.view} has no sql_on")
            out += _check_refs(
                project, f"{where} join {join.view}", join.sql_on, None, explore.views
            )
        for ref in explore.always_filter:
            out += _check_refs(
                project, f"{where} always_filter", f"${{{ref}}}", None, explore.views
            )
        if explore.raw.get("persist_with") not in datagroups:
            out.append(f"{where}: persist_with names no datagroup of the model")
    out += _dashboard_problems(project)
    return out


def _dashboard_problems(project: Project) -> list[str]:
    out = []
    model_name = project.constants.get("MODEL")
    for name, dash in project.dashboards.items():
        filters = {f["name"]: f for f in dash.get("filters", [])}
        for flt in filters.values():
            explore = project.explores.get(flt.get("explore", ""))
            if explore is None:
                out.append(f"dashboard {name} filter {flt['name']}: unknown explore")
            else:
                out += _check_refs(project, f"dashboard {name} filter {flt['name']}",
                                   f"${{{flt['field']}}}", None, explore.views)  # fmt: skip
        for element in dash.get("elements", []):
            where = f"dashboard {name} tile {element.get('title')!r}"
            if project.resolve_constants(str(element.get("model", ""))) != model_name:
                out.append(f"{where}: model is not @{{MODEL}}")
            explore = project.explores.get(element.get("explore", ""))
            if explore is None:
                out.append(f"{where}: unknown explore {element.get('explore')}")
                continue
            refs = list(element.get("fields", []))
            refs += list(element.get("filters") or {})
            refs += [s.split()[0] for s in element.get("sorts", [])]
            refs += list((element.get("listen") or {}).values())
            for ref in refs:
                out += _check_refs(project, where, f"${{{ref}}}", None, explore.views)
            for flt in element.get("listen") or {}:
                if flt not in filters:
                    out.append(f"{where}: listens to unknown dashboard filter {flt}")
            if not element.get("fields"):
                out.append(f"{where}: no fields")
    return out
