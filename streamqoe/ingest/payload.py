"""Turn raw bytes into text and JSON strictly, with errors that say where the input went wrong.

Strict means: UTF-8 only (a BOM is skipped), JSON per RFC 8259 (no comments, no trailing commas, no
NaN/Infinity, no duplicate-key tolerance beyond the standard library's last-one-wins). Official
provider samples that carry comments or trailing commas are therefore rejected with the position.

Left out: any format-specific shape checks; the parsers do those.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any

from streamqoe.ingest.outcome import IngestError

logger = logging.getLogger(__name__)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def decode_text(raw: bytes) -> str:
    """Decode UTF-8 (BOM skipped); IngestError(stage decode) names the offending byte offset."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            "UnicodeDecodeError", f"not UTF-8 at byte {exc.start}: {exc.reason}", stage="decode"
        ) from None


def load_json(text: str) -> Any:
    """Parse one JSON document strictly; IngestError(stage decode) gives line and column."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        hint = ""
        if exc.msg.startswith("Expecting property name") or exc.msg.startswith("Expecting value"):
            around = text[max(exc.pos - 1, 0) : exc.pos + 2]
            if "/" in around:
                hint = " (comments are not JSON)"
            elif "}" in around or "]" in around:
                hint = " (trailing comma?)"
        raise IngestError(
            "JSONDecodeError",
            f"{exc.msg} at line {exc.lineno} column {exc.colno}{hint}",
            stage="decode",
        ) from None
    except (ValueError, RecursionError) as exc:
        raise IngestError("JSONDecodeError", str(exc), stage="decode") from None


def load_json_bytes(raw: bytes) -> Any:
    """Decode UTF-8 then parse JSON strictly."""
    return load_json(decode_text(raw))


def decode_base64(value: Any, what: str) -> bytes:
    """Decode standard or URL-safe base64; IngestError(stage decode) when it is not base64."""
    if not isinstance(value, str):
        raise IngestError("Base64DecodeError", f"{what}: expected a base64 string", stage="decode")
    text = value.strip()
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise IngestError("Base64DecodeError", f"{what}: {exc}", stage="decode") from None


def require_object(value: Any, what: str) -> dict[str, Any]:
    """Return `value` when it is a JSON object, else IngestError(parse)."""
    if not isinstance(value, dict):
        raise IngestError("UnexpectedShape", f"{what}: expected a JSON object, got {kind(value)}")
    return value


def kind(value: Any) -> str:
    """Name the JSON type of a value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
