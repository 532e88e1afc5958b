"""Render streamqoe/contracts/decoders_generated.py: the contracts as msgspec Structs.

Every object schema in schemas/*.v1.json becomes a `msgspec.Struct` whose decoding accepts exactly
the JSON documents the registry's validator accepts (`streamqoe.contracts.registry.validator`:
Draft 2020-12, strict integers, int64 bounds, format checks). The mapping, keyword by keyword:

- `type`: string `str`, integer `int` (a JSON integer literal only: msgspec refuses `1.0` and
  `1e3`), number `int | float` (never `float` alone, which would turn `5` into `5.0`), boolean
  `bool`, null `None`, object a Struct or `dict[str, Any]`, array `list[...]`; a list of types is a
  union. Without `type` (and without any other keyword) a value is `Any`.
- `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`: `Meta(ge/le/gt/lt)` on every
  numeric member; integer bounds are the registry's (`bound_integers` adds int64 bounds).
- `minLength`, `maxLength`, `pattern` (searched, as jsonschema does): `Meta` on `str`;
  `minItems`, `maxItems`: `Meta` on the list.
- `enum`, `const`: a `Literal` of the members the rest of the subschema accepts (filtered with
  jsonschema itself when rendering); members are strings, null, or integers of an
  integer-only type.
- `properties`, `required`, `additionalProperties: false`: Struct fields (`kw_only`,
  `forbid_unknown_fields`); a property that is not required defaults to `UNSET`, so an absent
  property stays absent in the decoded record (no default is filled in).
- `items`: the list's item type. `$ref` (alone) and `anyOf` (of alternatives taking disjoint JSON
  types, e.g. a `$ref` or null): the referenced Struct, a union.
- `format`: checked in `__post_init__` by jsonschema's own format checker
  (streamqoe.contracts.formats), so its semantics are the registry's whatever they are.

Anything else fails rendering with `UnsupportedSchema` naming the keyword and where it is, so a
contract using a new keyword cannot silently get a more lenient decoder. Left out on purpose:
open objects with properties (`additionalProperties` absent or a schema: a Struct would drop the
unknown members), `oneOf`/`allOf`/`not`/conditionals, `multipleOf`, `patternProperties`,
`uniqueItems`, `prefixItems`, and formats on objects or arrays.

The rendered source is formatted as `ruff format` leaves it (one construct per line, long literals
exploded with a trailing comma); a line that still cannot fit gets `# fmt: skip`.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streamqoe.contracts.conformance import UnsupportedSchema
from streamqoe.contracts.formats import FORMAT_CHECKER
from streamqoe.contracts.registry import INT64_MAX, INT64_MIN, STRICT_INTEGERS, contracts, registry

DECODERS_PATH = Path(__file__).resolve().with_name("decoders_generated.py")
LINE_LENGTH_CHARS = 100

# Keywords that only describe (no effect on validity in Draft 2020-12); `x-*` are ours.
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "contentEncoding",
        "contentMediaType",
    }
)
SUPPORTED_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "$ref",
        "anyOf",
    }
)
"""Validation keywords the generated decoders implement exactly."""
_KINDS = ("string", "integer", "number", "boolean", "object", "array", "null")
_SCALARS = frozenset({"string", "integer", "number", "boolean", "null"})
_MODULE_DOC = '''"""Typed decoders of the contracts: one msgspec Struct per object schema in schemas/*.v1.json.

Generated from the contracts by `streamqoe contracts generate` (streamqoe/contracts/decoder_source.py);
do not edit: `streamqoe contracts check` reports drift. Decode with streamqoe.contracts.decoders.
Int aliases carry the int64 bounds the registry gives every integer (registry.bound_integers);
`gc=False` because a decoded Struct cannot be part of a reference cycle.
"""'''


@dataclass(frozen=True)
class _Type:
    """A translated subschema: its Python type expression and what it accepts."""

    parts: tuple[str, ...]  # union members, None last (as ruff wants it)
    kinds: frozenset[str]
    format_name: str | None = None  # checked on the value itself
    item_format: str | None = None  # checked on each item of an array value

    @property
    def expr(self) -> str:
        return " | ".join(self.parts)

    def optional(self) -> str:
        """The expression of a property that may be absent: UnsetType before a trailing None."""
        if self.parts[-1] == "None":
            return " | ".join([*self.parts[:-1], "UnsetType", "None"])
        return f"{self.expr} | UnsetType"


def _union(parts: list[str]) -> tuple[str, ...]:
    return tuple([p for p in parts if p != "None"] + (["None"] if "None" in parts else []))


def _pascal(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", text) if part)


def _py_str(text: str) -> str:
    """A Python string literal as ruff format writes it (double quotes unless they need escapes)."""
    body = repr(text)
    if body.startswith("'") and '"' not in text:
        body = '"' + body[1:-1].replace("\\'", "'") + '"'
    return body


def _py_value(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, str):
        return _py_str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if value == INT64_MIN:
            return "INT64_MIN"
        if value == INT64_MAX:
            return "INT64_MAX"
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    raise UnsupportedSchema(f"cannot write {value!r} in generated code")


def _number_name(value: int | float) -> str:
    text = _py_value(value) if isinstance(value, int) else repr(value)
    return text.replace("-", "Minus").replace(".", "p").replace("+", "").replace("e", "E")


def _fits(line: str) -> str:
    return line if len(line) <= LINE_LENGTH_CHARS else f"{line}  # fmt: skip"


def _meta(items: list[tuple[str, Any]]) -> str:
    return "Meta(" + ", ".join(f"{k}={_py_value(v)}" for k, v in items) + ")"


def _int_bounds(schema: Mapping[str, Any], where: str) -> tuple[int | None, int | None]:
    """The smallest and largest integer the numeric keywords allow (None: unbounded)."""
    lo: int | None = None
    hi: int | None = None

    def tighten_lo(candidate: int) -> None:
        nonlocal lo
        lo = candidate if lo is None else max(lo, candidate)

    def tighten_hi(candidate: int) -> None:
        nonlocal hi
        hi = candidate if hi is None else min(hi, candidate)

    for key in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        if key not in schema:
            continue
        bound = schema[key]
        if isinstance(bound, bool) or not isinstance(bound, int | float):
            raise UnsupportedSchema(f"{where}: {key} {bound!r} is not a number")
        if isinstance(bound, float) and not math.isfinite(bound):
            raise UnsupportedSchema(f"{where}: {key} {bound!r} is not finite")
        if key == "minimum":
            tighten_lo(math.ceil(bound))
        elif key == "exclusiveMinimum":
            tighten_lo(math.floor(bound) + 1)
        elif key == "maximum":
            tighten_hi(math.floor(bound))
        else:
            tighten_hi(math.ceil(bound) - 1)
    for bound in (lo, hi):
        if bound is not None and not INT64_MIN <= bound <= INT64_MAX:
            raise UnsupportedSchema(f"{where}: integer bound {bound} does not fit in int64")
    return lo, hi


def _float_bounds(schema: Mapping[str, Any], where: str) -> list[tuple[str, Any]]:
    items = []
    for key, name in (
        ("minimum", "ge"),
        ("exclusiveMinimum", "gt"),
        ("maximum", "le"),
        ("exclusiveMaximum", "lt"),
    ):
        if key in schema:
            bound = schema[key]
            if isinstance(bound, int) and float(bound) != bound:
                raise UnsupportedSchema(f"{where}: {key} {bound} is not exact as a float")
            items.append((name, bound))
    return items


class _Renderer:
    """Translates schemas into aliases and Struct classes, in dependency order."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}  # name -> definition (one or more lines)
        self.alias_by_expr: dict[str, str] = {}
        self.blocks: list[str] = []  # classes, dependencies first
        self.structs: dict[Any, str] = {}  # schema $id or id() -> class name
        self.in_progress: set[Any] = set()
        self.class_names: set[str] = set()
        self.formats: dict[str, str] = {}  # format name -> checker variable
        self.used: set[str] = set()  # names to import

    # -- names -----------------------------------------------------------------------------

    def _alias(
        self, preferred: list[str], expr: str, definition: Callable[[str], str] | None = None
    ) -> str:
        """Return the alias naming `expr`, defining it under the first free preferred name."""
        if expr in self.alias_by_expr:
            return self.alias_by_expr[expr]
        taken = set(self.aliases) | self.class_names
        name = next((n for n in preferred if n not in taken), None)
        counter = 2
        while name is None:
            candidate = f"{preferred[-1]}{counter}"
            name = candidate if candidate not in taken else None
            counter += 1
        self.aliases[name] = definition(name) if definition else _fits(f"{name} = {expr}")
        self.alias_by_expr[expr] = name
        return name

    def _class_name(self, preferred: str) -> str:
        name, counter = preferred, 2
        while name in self.class_names or name in self.aliases:
            name, counter = f"{preferred}{counter}", counter + 1
        self.class_names.add(name)
        return name

    # -- translation -----------------------------------------------------------------------

    def translate(self, schema: Any, owner: str, prop: str, where: str) -> _Type:
        if not isinstance(schema, Mapping):
            raise UnsupportedSchema(f"{where}: boolean schemas are not supported")
        keys = {k for k in schema if k not in _ANNOTATIONS and not k.startswith("x-")}
        unknown = keys - SUPPORTED_KEYWORDS
        if unknown:
            raise UnsupportedSchema(f"{where}: unsupported keywords {sorted(unknown)}")
        if "$ref" in keys:
            if keys != {"$ref"}:
                raise UnsupportedSchema(f"{where}: $ref beside {sorted(keys - {'$ref'})}")
            target = registry().resolver().lookup(schema["$ref"]).contents
            name = _pascal(Path(str(target.get("$id", owner))).name.split(".")[0]) or owner
            return self.translate(target, name, "", schema["$ref"])
        if "anyOf" in keys:
            return self._any_of(schema, keys, owner, prop, where)
        if "enum" in keys or "const" in keys:
            return self._literal(schema, owner, prop, where)
        if "type" not in schema:
            if keys:
                raise UnsupportedSchema(f"{where}: {sorted(keys)} without `type`")
            self.used.add("Any")
            return _Type(("Any",), frozenset(_KINDS))
        types = schema["type"]
        types = [types] if isinstance(types, str) else list(types)
        if not types or set(types) - set(_KINDS) or len(set(types)) != len(types):
            raise UnsupportedSchema(f"{where}: bad type {schema['type']!r}")
        kinds = frozenset(types) | ({"integer"} if "number" in types else set())
        parts: list[str] = []
        item_format = None
        for kind in _KINDS:
            if kind not in types or (kind == "integer" and "number" in types):
                continue
            if kind == "array":
                expr, item_format = self._array(schema, owner, prop, where)
                parts.append(expr)
            else:
                parts.append(self._kind(kind, schema, owner, prop, where))
        format_name = schema.get("format")
        if format_name is not None:
            if not isinstance(format_name, str):
                raise UnsupportedSchema(f"{where}: format {format_name!r} is not a string")
            if kinds - _SCALARS:
                raise UnsupportedSchema(f"{where}: format on objects or arrays")
            self._format_checker(format_name)
        return _Type(_union(parts), kinds, format_name, item_format)

    def _kind(self, kind: str, schema: Mapping[str, Any], owner: str, prop: str, where: str) -> str:
        if kind == "null":
            return "None"
        if kind == "boolean":
            return "bool"
        if kind == "string":
            return self._string(schema, prop, where)
        if kind == "integer":
            lo, hi = _int_bounds(schema, where)
            return self._int(lo, hi, "Int64")
        if kind == "number":
            lo, hi = _int_bounds(schema, where)
            float_meta = _float_bounds(schema, where)
            int_part = self._int(lo, hi, "_Int", int64_names=False)
            if not float_meta:
                return f"{int_part} | float"
            self.used |= {"Annotated", "Meta"}
            name = "Number" + "".join(
                {"ge": "Min", "gt": "Above", "le": "Max", "lt": "Below"}[k] + _number_name(v)
                for k, v in float_meta
            )
            expr = f"{int_part} | Annotated[float, {_meta(float_meta)}]"
            return self._alias([name], expr)
        return self._object(schema, owner, prop, where)

    def _int(self, lo: int | None, hi: int | None, prefix: str, int64_names: bool = True) -> str:
        """An int with bounds; `int64_names` leaves the int64 extremes out of the alias name."""
        meta = [(k, v) for k, v in (("ge", lo), ("le", hi)) if v is not None]
        if not meta:
            return "int"
        self.used |= {"Annotated", "Meta"}
        self.used |= {_py_value(v) for v in (lo, hi) if v in (INT64_MIN, INT64_MAX)}
        name = prefix
        if lo is not None and not (int64_names and lo == INT64_MIN):
            name += "Min" + _number_name(lo)
        if hi is not None and not (int64_names and hi == INT64_MAX):
            name += "Max" + _number_name(hi)
        return self._alias([name], f"Annotated[int, {_meta(meta)}]")

    def _string(self, schema: Mapping[str, Any], prop: str, where: str) -> str:
        meta: list[tuple[str, Any]] = []
        for key, name in (("minLength", "min_length"), ("maxLength", "max_length")):
            if key in schema:
                value = schema[key]
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise UnsupportedSchema(f"{where}: {key} {value!r}")
                meta.append((name, value))
        pattern = schema.get("pattern")
        if pattern is not None:
            if not isinstance(pattern, str):
                raise UnsupportedSchema(f"{where}: pattern {pattern!r}")
            re.compile(pattern)
            meta.insert(0, ("pattern", pattern))
        if not meta:
            return "str"
        self.used |= {"Annotated", "Meta"}
        expr = f"Annotated[str, {_meta(meta)}]"
        if pattern is None:
            name = "Str" + "".join(
                ("Min" if k == "min_length" else "Max") + str(v) for k, v in meta
            )
            return self._alias([name], expr)
        return self._alias([f"{_pascal(prop) or 'Pattern'}Str", "PatternStr"], expr)

    def _array(
        self, schema: Mapping[str, Any], owner: str, prop: str, where: str
    ) -> tuple[str, str | None]:
        item_format = None
        if "items" in schema:
            item = self.translate(schema["items"], owner, f"{prop}_item", f"{where}/items")
            if item.item_format:
                raise UnsupportedSchema(f"{where}: format inside nested arrays")
            item_format = item.format_name
            inner = f"list[{item.expr}]"
        else:
            self.used.add("Any")
            inner = "list[Any]"
        meta: list[tuple[str, Any]] = []
        for key, name in (("minItems", "min_length"), ("maxItems", "max_length")):
            if key in schema:
                value = schema[key]
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise UnsupportedSchema(f"{where}: {key} {value!r}")
                meta.append((name, value))
        if not meta:
            return inner, item_format
        self.used |= {"Annotated", "Meta"}
        return f"Annotated[{inner}, {_meta(meta)}]", item_format

    def _any_of(
        self, schema: Mapping[str, Any], keys: set[str], owner: str, prop: str, where: str
    ) -> _Type:
        if keys != {"anyOf"}:
            raise UnsupportedSchema(f"{where}: anyOf beside {sorted(keys - {'anyOf'})}")
        alternatives = [
            self.translate(s, owner, prop, f"{where}/anyOf/{i}")
            for i, s in enumerate(schema["anyOf"])
        ]
        seen: set[str] = set()
        for alternative in alternatives:
            if alternative.kinds & seen:
                raise UnsupportedSchema(f"{where}: anyOf alternatives overlap in JSON type")
            if alternative.format_name or alternative.item_format:
                raise UnsupportedSchema(f"{where}: format inside anyOf")
            seen |= alternative.kinds
        return _Type(_union([p for a in alternatives for p in a.parts]), frozenset(seen))

    def _literal(self, schema: Mapping[str, Any], owner: str, prop: str, where: str) -> _Type:
        if "format" in schema:  # filtering by format would depend on installed format checkers
            raise UnsupportedSchema(f"{where}: enum or const beside format")
        candidates = list(schema["enum"]) if "enum" in schema else [schema["const"]]
        rest = {k: v for k, v in schema.items() if k != ("enum" if "enum" in schema else "const")}
        check = STRICT_INTEGERS(rest, registry=registry(), format_checker=FORMAT_CHECKER)
        members = []
        for member in candidates:
            if check.is_valid(member) and member not in members:
                members.append(member)
        types = schema.get("type")
        types = [types] if isinstance(types, str) else list(types or ())
        for member in members:
            if member is None or isinstance(member, str):
                continue
            integer_only = "integer" in types and "number" not in types
            if isinstance(member, int) and not isinstance(member, bool) and integer_only:
                continue
            raise UnsupportedSchema(f"{where}: enum member {member!r} (only strings, null, ints)")
        if not members:
            raise UnsupportedSchema(f"{where}: no enum member satisfies the subschema")
        values = [m for m in members if m is not None]
        kinds = {"null"} if None in members else set()
        kinds |= {"string" for m in values if isinstance(m, str)}
        kinds |= {"integer" for m in values if isinstance(m, int)}
        parts = []
        if values:
            self.used.add("Literal")
            listed = ", ".join(_py_value(v) for v in values)
            expr = f"Literal[{listed}]"

            def definition(name: str, expr: str = expr, values: list[Any] = values) -> str:
                one_line = f"{name} = {expr}"
                if len(values) < 2 or len(one_line) <= LINE_LENGTH_CHARS:
                    return _fits(one_line)
                body = "".join(f"    {_py_value(v)},\n" for v in values)
                return f"{name} = Literal[\n{body}]"

            preferred = [f"{_pascal(prop)}Enum", f"{owner}{_pascal(prop)}Enum"]
            parts.append(self._alias(preferred, expr, definition))
        if None in members:
            parts.append("None")
        return _Type(_union(parts), frozenset(kinds))

    def _format_checker(self, format_name: str) -> str:
        if format_name not in self.formats:
            variable = "_" + re.sub(r"\W", "_", format_name).upper()
            self.formats[format_name] = variable
            self.used |= {"format_checker", "FormatViolation"}
        return self.formats[format_name]

    # -- objects ---------------------------------------------------------------------------

    def _object(self, schema: Mapping[str, Any], owner: str, prop: str, where: str) -> str:
        properties = schema.get("properties", {})
        additional = schema.get("additionalProperties", True)
        if additional is not False:
            if additional is not True:
                raise UnsupportedSchema(f"{where}: additionalProperties as a schema")
            if properties or schema.get("required"):
                raise UnsupportedSchema(
                    f"{where}: open object with properties (a Struct would drop unknown members)"
                )
            self.used.add("Any")
            return "dict[str, Any]"
        key = schema.get("$id") or id(schema)
        if key in self.structs:
            return self.structs[key]
        if key in self.in_progress:
            raise UnsupportedSchema(f"{where}: recursive schemas are not supported")
        required = list(schema.get("required", ()))
        missing = [r for r in required if r not in properties]
        if missing:
            raise UnsupportedSchema(f"{where}: required {missing} not among the properties")
        self.in_progress.add(key)
        name = self._class_name(owner + _pascal(prop))
        self.used |= {"Struct"}
        lines: list[str] = []
        checks: list[str] = []
        attrs: set[str] = set()
        for member, sub in properties.items():
            typed = self.translate(sub, name, member, f"{where}/properties/{member}")
            attr = _attribute(member, attrs)
            attrs.add(attr)
            optional = member not in required
            expr = typed.optional() if optional else typed.expr
            if optional:
                self.used |= {"UnsetType", "UNSET"}
            if attr != member:
                self.used.add("field")
                default = (
                    f"field(name={_py_str(member)}, default=UNSET)"
                    if optional
                    else (f"field(name={_py_str(member)})")
                )
                lines.append(_fits(f"    {attr}: {expr} = {default}"))
            else:
                lines.append(_fits(f"    {attr}: {expr}" + (" = UNSET" if optional else "")))
            checks.extend(_format_checks(self, typed, attr, member, optional))
        self.in_progress.discard(key)
        doc = _docstring(schema, owner, prop)
        head = f"class {name}(Struct, kw_only=True, forbid_unknown_fields=True, gc=False):"
        body = [f"    {doc}", "", *lines]
        if checks:
            body += ["", "    def __post_init__(self) -> None:", *checks]
        if not lines and not checks:
            body = [f"    {doc}"]
        self.blocks.append("\n".join([_fits(head), *body]))
        self.structs[key] = name
        return name

    # -- module ----------------------------------------------------------------------------

    def module(self, mapping: dict[str, str]) -> str:
        typing_names = sorted(self.used & {"Annotated", "Any", "Literal"})
        msgspec_names = [
            n for n in ("UNSET", "Meta", "Struct", "UnsetType", "field") if n in self.used
        ]
        formats_names = [n for n in ("FormatViolation", "format_checker") if n in self.used]
        registry_names = [n for n in ("INT64_MAX", "INT64_MIN") if n in self.used]
        out = [_MODULE_DOC, ""]
        if typing_names:
            out += [f"from typing import {', '.join(typing_names)}", ""]
        out.append(f"from msgspec import {', '.join(msgspec_names)}")
        out.append("")
        if formats_names:
            out.append(f"from streamqoe.contracts.formats import {', '.join(formats_names)}")
        if registry_names:
            out.append(f"from streamqoe.contracts.registry import {', '.join(registry_names)}")
        out.append("")
        for format_name, variable in self.formats.items():
            out.append(f"{variable} = format_checker({_py_str(format_name)})")
        if self.formats:
            out.append("")
        out += list(self.aliases.values())
        for block in self.blocks:
            out += ["", "", block]
        out += ["", ""]
        out.append("STRUCTS: dict[str, type[Struct]] = {")
        out += [f"    {_py_str(n)}: {cls}," for n, cls in mapping.items()]
        out.append("}")
        out.append('"""Contract name -> the Struct its records decode into."""')
        return "\n".join(out) + "\n"


def _attribute(member: str, taken: set[str]) -> str:
    attr = member
    if not attr.isidentifier() or keyword.iskeyword(attr) or attr in {"l", "O", "I"}:
        attr = re.sub(r"\W", "_", attr)
        if not attr.isidentifier():
            attr = f"f_{attr}"
        attr += "_"
    if attr.startswith("_"):
        attr = f"f{attr}"
    while attr in taken:
        attr += "_"
    return attr


def _format_checks(
    renderer: _Renderer, typed: _Type, attr: str, member: str, optional: bool
) -> list[str]:
    """The `__post_init__` lines checking one field's format, if it has one."""
    if typed.format_name:
        checker = renderer.formats[typed.format_name]
        format_name = _py_str(typed.format_name)
        path = _py_str(f".{member}")
        test = f"v is not UNSET and not {checker}(v)" if optional else f"not {checker}(v)"
        return [
            f"        v = self.{attr}",
            f"        if {test}:",
            _fits(f"            raise FormatViolation({path}, {format_name}, v)"),
        ]
    if typed.item_format:
        checker = renderer.formats[typed.item_format]
        format_name = _py_str(typed.item_format)
        escaped = member.replace("{", "{{").replace("}", "}}")
        path = "f" + _py_str(f".{escaped}" + "[{i}]")
        return [
            f"        v = self.{attr}",
            "        if isinstance(v, list):",
            "            for i, item in enumerate(v):",
            f"                if not {checker}(item):",
            _fits(f"                    raise FormatViolation({path}, {format_name}, item)"),
        ]
    return []


def _docstring(schema: Mapping[str, Any], owner: str, prop: str) -> str:
    """The Struct's docstring: the contract's key and title, or where a nested object sits."""
    if prop:
        where = prop.removesuffix("_item") + ("[]" if prop.endswith("_item") else "")
        text = f"`{where}` of {owner}"
    else:
        key = Path(str(schema.get("$id", owner))).name.removesuffix(".json")
        text = f"{key}: {schema.get('title', owner)}".rstrip(".")
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return f'"""{text}."""'


def render_module(schemas: Mapping[str, Mapping[str, Any]]) -> str:
    """Render a decoders module for `schemas` (name -> root object schema, integers bounded).

    Raises:
        UnsupportedSchema: a schema uses a keyword (or a form of one) the decoders cannot
            implement exactly.
    """
    renderer = _Renderer()
    mapping: dict[str, str] = {}
    for name, schema in schemas.items():
        typed = renderer.translate(schema, _pascal(name), "", name)
        if typed.kinds != {"object"} or typed.expr not in renderer.class_names:
            raise UnsupportedSchema(f"{name}: a contract must be a closed object")
        mapping[name] = typed.expr
    return renderer.module(mapping)


def render_decoders() -> str:
    """The whole source of decoders_generated.py, from every contract in schemas/."""
    return render_module({name: c.schema for name, c in contracts().items()})
