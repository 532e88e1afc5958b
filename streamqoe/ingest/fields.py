"""Small typed getters shared by the JSON-based parsers (Media CDN, Akamai, transcoders).

Each getter reads one field of a decoded JSON object and either returns a value of the contract's
type or raises IngestError naming the field, so that a wrong type in the input is a parse dead letter
with a precise reason rather than a confusing contract violation. Missing and null fields are None.

Left out: anything format-specific.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from streamqoe.ingest.outcome import IngestError
from streamqoe.ingest.payload import kind

logger = logging.getLogger(__name__)


def _wrong(field: str, value: Any, what: str) -> IngestError:
    shown = repr(value)[:60]
    return IngestError("FieldType", f"{field}: {shown} ({kind(value)}) is not {what}")


def text(obj: Mapping[str, Any], key: str, field: str | None = None) -> str | None:
    """Return a string field ('' and '-' become None)."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _wrong(field or key, value, "a string")
    return value if value not in ("", "-") else None


def integer(obj: Mapping[str, Any], key: str, field: str | None = None) -> int | None:
    """Return an integer field, given as a JSON number or a decimal string (int64 in proto JSON)."""
    value = obj.get(key)
    if value is None or value == "" or value == "-":
        return None
    if isinstance(value, bool):
        raise _wrong(field or key, value, "an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        digits = value[1:] if value.startswith("-") else value
        if digits.isdigit() and digits.isascii():
            return int(value)
    raise _wrong(field or key, value, "an integer")


def number(obj: Mapping[str, Any], key: str, field: str | None = None) -> float | None:
    """Return a finite number field, given as a JSON number or a decimal string."""
    value = obj.get(key)
    if value is None or value == "" or value == "-":
        return None
    if isinstance(value, bool):
        raise _wrong(field or key, value, "a number")
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str) and value[:1].isdigit() and value.isascii():
        try:
            result = float(value)
        except ValueError:
            raise _wrong(field or key, value, "a number") from None
    else:
        raise _wrong(field or key, value, "a number")
    if not math.isfinite(result):
        raise _wrong(field or key, value, "a finite number")
    return result


def boolean(obj: Mapping[str, Any], key: str, field: str | None = None) -> bool | None:
    """Return a boolean field (JSON true/false, or the strings 'true'/'false'/'1'/'0')."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "false", "0"):
        return value.lower() in ("true", "1")
    raise _wrong(field or key, value, "a boolean")


def obj(parent: Mapping[str, Any], key: str, field: str | None = None) -> dict[str, Any]:
    """Return an object field ({} when missing or null)."""
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _wrong(field or key, value, "an object")
    return value


def array(parent: Mapping[str, Any], key: str, field: str | None = None) -> list[Any]:
    """Return an array field ([] when missing or null)."""
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _wrong(field or key, value, "an array")
    return value


def country(value: str | None) -> str | None:
    """Normalize a two-letter country code to upper case; anything else is None."""
    if value and len(value) == 2 and value.isascii() and value.isalpha():
        return value.upper()
    return None
