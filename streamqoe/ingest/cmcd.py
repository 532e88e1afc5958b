"""Decode and encode Common Media Client Data (CTA-5004 v1, CTA-5004-B v2) into cmcd.v1 dicts.

CMCD is a comma-separated list of `key=value` members in the syntax of RFC 8941 structured-field
dictionaries: integers (`br=3200`), decimals (`pr=1.08`), booleans (a bare key `bs` is true, `bs=?0`
false), tokens (`ot=v`), quoted strings with `\\"` and `\\\\` escapes (`sid="6e2f..."`) and, in v2,
inner lists (`br=(3200 800)`). This module turns one such string, the `CMCD=` query argument of a
URL, the four headers (CMCD-Object, CMCD-Request, CMCD-Session, CMCD-Status), a v2 `application/cmcd`
body (one report per line) or a v2 JSON body into:

- `decode_cmcd(text) -> dict`: the cmcd.v1 shape. Keys the contract names are typed columns; a key
  sent as an inner list keeps its first value in the column and the whole list in `lists` (`ec`
  joins its list with spaces, as the contract says); every other key (custom keys such as
  `com.example-hdr`, reserved keys the contract does not model) goes to `custom`, typed.
- `encode_cmcd(keys) -> str`: the inverse, keys sorted alphabetically as CTA-5004 requires.
- `parse_cmcd*`: outcomes for the cmcd_report contract (one per report).

A value of the wrong type for its key (`br="x"`, `sid=abc` unquoted, `bs=1`) is a parse error
(`CmcdTypeError`), broken syntax is `CmcdSyntaxError`; value constraints (ot in its enum, sid at
most 128 characters) are the contract's job and fail at the validate stage.

Left out, deliberately: structured-field parameters (`;name=value` after a value; CMCD defines none,
so they are rejected rather than dropped), byte sequences and dates (not used by CMCD), the v2
reporting-target configuration, and any leniency about tokens versus quoted strings.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from streamqoe.ingest.outcome import IngestError, Outcome, UnitContext, run_guarded
from streamqoe.ingest.payload import decode_text, kind, load_json
from streamqoe.ingest.privacy import truncate_ip

logger = logging.getLogger(__name__)

CONTRACT = "cmcd_report"
SCHEMA_VERSION = "1.0"

INTEGER, DECIMAL, BOOLEAN, STRING, TOKEN = "integer", "decimal", "boolean", "string", "token"

# The type CTA-5004 / CTA-5004-B give each key that the cmcd.v1 contract models as a column.
KEY_TYPES: dict[str, str] = {
    "v": INTEGER,
    "sid": STRING,
    "cid": STRING,
    "br": INTEGER,
    "ab": INTEGER,
    "lb": INTEGER,
    "tb": INTEGER,
    "tpb": INTEGER,
    "pb": INTEGER,
    "bl": INTEGER,
    "tbl": INTEGER,
    "bs": BOOLEAN,
    "bsd": INTEGER,
    "bsa": INTEGER,
    "bsda": INTEGER,
    "d": INTEGER,
    "dl": INTEGER,
    "mtp": INTEGER,
    "rtp": INTEGER,
    "nor": STRING,
    "nrr": STRING,
    "ot": TOKEN,
    "pr": DECIMAL,
    "sf": TOKEN,
    "st": TOKEN,
    "su": BOOLEAN,
    "sta": TOKEN,
    "e": TOKEN,
    "cen": STRING,
    "ts": INTEGER,
    "sn": INTEGER,
    "pt": INTEGER,
    "msd": INTEGER,
    "ltc": INTEGER,
    "dfa": INTEGER,
    "ec": STRING,
    "bg": BOOLEAN,
    "nr": BOOLEAN,
    "cs": STRING,
    "h": STRING,
    "url": STRING,
    "rc": INTEGER,
    "ttfb": INTEGER,
    "ttfbb": INTEGER,
    "ttlb": INTEGER,
    "cmsdd": STRING,
    "cmsds": STRING,
    "smrt": STRING,
}
JOINED_LIST_KEYS = frozenset({"ec"})
HEADER_NAMES = ("cmcd-object", "cmcd-request", "cmcd-session", "cmcd-status")
RESPONSE_MODE_KEYS = frozenset({"rc", "ttfb", "ttfbb", "ttlb", "url", "cmsdd", "cmsds", "smrt"})
MAX_INTEGER = 999_999_999_999_999  # RFC 8941: at most 15 digits

# Structured-field keys are lowercase; CTA-5004's own custom-key example (com.example-myNumericKey)
# is not, so uppercase letters are accepted.
_KEY = re.compile(r"[A-Za-z*][A-Za-z0-9_.*-]*\Z", re.ASCII)
_TOKEN = re.compile(r"[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*\Z", re.ASCII)
_INTEGER = re.compile(r"-?[0-9]{1,15}\Z", re.ASCII)
_DECIMAL = re.compile(r"-?[0-9]{1,12}\.[0-9]{1,3}\Z", re.ASCII)


class CmcdError(IngestError):
    """CMCD text or JSON that cannot be decoded; `error_class` says syntax or type."""


def _syntax(message: str) -> CmcdError:
    return CmcdError("CmcdSyntaxError", message)


# --- the structured-field reader -------------------------------------------------------------


def _bare_item(text: str, where: str) -> tuple[str, Any]:
    """Type one bare item (no quotes, no parentheses): integer, decimal, boolean or token."""
    if not text:
        raise _syntax(f"{where}: empty value")
    if ";" in text:
        raise _syntax(f"{where}: parameters (';') are not used by CMCD")
    first = text[0]
    if first == "?":
        if text == "?1":
            return BOOLEAN, True
        if text == "?0":
            return BOOLEAN, False
        raise _syntax(f"{where}: {text!r} is not a boolean (?0 or ?1)")
    if first.isdigit() or first == "-":
        if "." in text:
            if _DECIMAL.match(text):
                return DECIMAL, float(text)
            raise _syntax(f"{where}: {text!r} is not a decimal (at most 12.3 digits)")
        if _INTEGER.match(text):
            return INTEGER, int(text)
        raise _syntax(f"{where}: {text!r} is not an integer (at most 15 digits)")
    if _TOKEN.match(text):
        return TOKEN, text
    raise _syntax(f"{where}: {text!r} is not an integer, decimal, boolean, token or string")


class _Reader:
    """Scan a CMCD string that holds quotes or inner lists (RFC 8941 section 4.2)."""

    __slots__ = ("pos", "text")

    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def members(self) -> list[tuple[str, str, Any]]:
        out: list[tuple[str, str, Any]] = []
        text = self.text
        n = len(text)
        self._skip_spaces()
        while self.pos < n:
            key = self._key()
            if self.pos < n and text[self.pos] == "=":
                self.pos += 1
                tag, value = self._item_or_list(key)
            else:
                tag, value = BOOLEAN, True
            if self.pos < n and text[self.pos] == ";":
                raise _syntax(f"{key}: parameters (';') are not used by CMCD")
            out.append((key, tag, value))
            self._skip_spaces()
            if self.pos >= n:
                break
            if text[self.pos] != ",":
                raise _syntax(f"position {self.pos}: expected ',' after {key}")
            self.pos += 1
            self._skip_spaces()
            if self.pos >= n:
                raise _syntax("trailing ',' at the end")
        return out

    def _skip_spaces(self) -> None:
        text = self.text
        while self.pos < len(text) and text[self.pos] in " \t":
            self.pos += 1

    def _key(self) -> str:
        start = self.pos
        text = self.text
        while self.pos < len(text) and text[self.pos] not in '=,;() \t"':
            self.pos += 1
        key = text[start : self.pos]
        if not _KEY.match(key):
            raise _syntax(f"position {start}: {key!r} is not a CMCD key")
        return key

    def _item_or_list(self, key: str) -> tuple[str, Any]:
        if self.pos < len(self.text) and self.text[self.pos] == "(":
            return "list", self._inner_list(key)
        return self._item(key)

    def _item(self, key: str) -> tuple[str, Any]:
        text = self.text
        if self.pos < len(text) and text[self.pos] == '"':
            return STRING, self._string(key)
        start = self.pos
        while self.pos < len(text) and text[self.pos] not in ',;() \t"':
            self.pos += 1
        return _bare_item(text[start : self.pos], key)

    def _string(self, key: str) -> str:
        text = self.text
        start = self.pos
        self.pos += 1
        chars: list[str] = []
        while self.pos < len(text):
            char = text[self.pos]
            self.pos += 1
            if char == "\\":
                if self.pos >= len(text) or text[self.pos] not in '"\\':
                    raise _syntax(f"{key}: bad escape in string at position {self.pos - 1}")
                chars.append(text[self.pos])
                self.pos += 1
            elif char == '"':
                return "".join(chars)
            elif char < " " or char == "\x7f":
                raise _syntax(f"{key}: control character in string at position {self.pos - 1}")
            else:
                chars.append(char)
        raise _syntax(f"{key}: string opened at position {start} is not closed")

    def _inner_list(self, key: str) -> list[tuple[str, Any]]:
        text = self.text
        self.pos += 1
        items: list[tuple[str, Any]] = []
        while True:
            while self.pos < len(text) and text[self.pos] == " ":
                self.pos += 1
            if self.pos >= len(text):
                raise _syntax(f"{key}: inner list is not closed")
            if text[self.pos] == ")":
                self.pos += 1
                return items
            if text[self.pos] == "(":
                raise _syntax(f"{key}: nested inner lists are not allowed")
            items.append(self._item(key))
            if self.pos < len(text) and text[self.pos] == ";":
                raise _syntax(f"{key}: parameters (';') are not used by CMCD")
            if self.pos < len(text) and text[self.pos] not in " )":
                raise _syntax(f"{key}: expected ' ' or ')' in inner list at position {self.pos}")


def _members(text: str) -> list[tuple[str, str, Any]]:
    """Split a CMCD string into (key, tag, value) members, tag 'list' for inner lists.

    The common case (no inner list, no escape, no ',' inside a string) is split on ','; anything
    else, including every error, goes through the full reader, which words the error precisely.
    """
    if "(" in text or "\\" in text:
        return _Reader(text).members()
    out = []
    for member in text.split(","):
        member = member.strip(" \t")
        if not member:
            raise _syntax("empty member (',,' or a trailing ',')")
        key, eq, value = member.partition("=")
        if key not in KEY_TYPES and not _KEY.match(key):
            return _Reader(text).members()
        if not eq:
            if ";" in key:
                raise _syntax(f"{key}: parameters (';') are not used by CMCD")
            out.append((key, BOOLEAN, True))
        elif value[:1] == '"':
            inner = value[1:-1]
            if len(value) < 2 or value[-1] != '"' or '"' in inner or not inner.isprintable():
                return _Reader(text).members()
            out.append((key, STRING, inner))
        elif '"' in value:
            return _Reader(text).members()
        else:
            out.append((key, *_bare_item(value, key)))
    return out


# --- typing against the standard -------------------------------------------------------------


def _coerce(key: str, expected: str, tag: str, value: Any) -> Any:
    if tag == expected:
        return value
    if expected == DECIMAL and tag == INTEGER:
        return float(value)
    raise CmcdError("CmcdTypeError", f"{key}: expected {expected}, got {tag} {value!r}")


def _assemble(members: Iterable[tuple[str, str, Any]]) -> dict[str, Any]:
    """Build the cmcd.v1 dict from typed members (last occurrence of a key wins, as in RFC 8941)."""
    out: dict[str, Any] = {}
    lists: dict[str, list[Any]] = {}
    custom: dict[str, Any] = {}
    for key, tag, value in members:
        expected = KEY_TYPES.get(key)
        if expected is None:
            if tag == "list":
                custom[key] = [v for _, v in value]
            else:
                custom[key] = value
            continue
        lists.pop(key, None)
        if tag == "list":
            values = [_coerce(key, expected, t, v) for t, v in value]
            lists[key] = values
            if key in JOINED_LIST_KEYS:
                out[key] = " ".join(values)
            elif values:
                out[key] = values[0]
            else:
                out.pop(key, None)
        else:
            out[key] = _coerce(key, expected, tag, value)
    if lists:
        out["lists"] = lists
    if custom:
        out["custom"] = custom
    return out


def decode_cmcd(text: str) -> dict[str, Any]:
    """Decode one CMCD string (already URL-decoded) into a cmcd.v1 dict.

    Raises:
        CmcdError: `CmcdSyntaxError` or `CmcdTypeError`, naming the key or position.
    """
    text = text.strip(" \t")
    if not text:
        return {}
    return _assemble(_members(text))


def _json_tag(key: str, value: Any) -> tuple[str, Any]:
    if isinstance(value, bool):
        return BOOLEAN, value
    if isinstance(value, int):
        return INTEGER, value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CmcdError("CmcdTypeError", f"{key}: {value!r} is not a finite number")
        return DECIMAL, value
    if isinstance(value, str):
        expected = KEY_TYPES.get(key)
        return (TOKEN if expected == TOKEN else STRING), value
    raise CmcdError("CmcdTypeError", f"{key}: {kind(value)} is not a CMCD value")


def decode_cmcd_json(obj: Mapping[str, Any]) -> dict[str, Any]:
    """Decode one CMCD v2 JSON report (key -> JSON value; arrays are inner lists; null = absent)."""
    members: list[tuple[str, str, Any]] = []
    for key, value in obj.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise _syntax(f"{key!r} is not a CMCD key")
        if value is None:
            continue
        if isinstance(value, list):
            members.append((key, "list", [_json_tag(key, v) for v in value]))
        else:
            members.append((key, *_json_tag(key, value)))
    return _assemble(members)


def cmcd_from_query(query: str) -> dict[str, Any] | None:
    """Decode the `CMCD=` argument of a query string or URL; None when there is none or it is empty.

    Raises:
        CmcdError: the argument is present but not valid CMCD.
    """
    if "CMCD=" not in query:
        return None
    if query.startswith(("http://", "https://", "/", "?")):
        query = query.partition("?")[2]
    query = query.split("#", 1)[0]
    for param in query.split("&"):
        name, _, value = param.partition("=")
        if name == "CMCD":
            if "%" in value:
                try:
                    value = unquote(value, errors="strict")
                except UnicodeDecodeError as exc:
                    raise _syntax(
                        f"CMCD argument is not UTF-8 once URL-decoded: {exc.reason}"
                    ) from None
            decoded = decode_cmcd(value)
            return decoded or None
    return None


def cmcd_from_headers(headers: Mapping[str, str]) -> dict[str, Any] | None:
    """Merge the CMCD-Object/Request/Session/Status headers (names case-insensitive).

    Any other header whose name starts with CMCD- is decoded and merged too, so no key is lost.
    Returns None when no CMCD header is present.
    """
    members: list[tuple[str, str, Any]] = []
    found = False
    for name, value in headers.items():
        if not isinstance(name, str) or not name.lower().startswith("cmcd-"):
            continue
        if not isinstance(value, str):
            raise _syntax(f"{name}: header value is not text")
        found = True
        text = value.strip(" \t")
        if text:
            members.extend(_members(text))
    if not found:
        return None
    return _assemble(members)


def parse_header_lines(text: str) -> dict[str, str]:
    """Read `Name: value` header lines (CRLF, LF or tab separated) into a dict."""
    headers: dict[str, str] = {}
    for line in re.split(r"\r?\n|\t", text):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise _syntax(f"{line[:40]!r} is not a 'Name: value' header line")
        headers[name.strip()] = value.strip()
    return headers


# --- the encoder -----------------------------------------------------------------------------


def _encode_item(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) > MAX_INTEGER:
            raise ValueError(f"{key}: {value} has more than 15 digits")
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{key}: {value} is not finite")
        text = f"{round(value, 3):.3f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, str):
        if KEY_TYPES.get(key) == TOKEN:
            if not _TOKEN.match(value):
                raise ValueError(f"{key}: {value!r} is not a token")
            return value
        if any(c < " " or c == "\x7f" for c in value):
            raise ValueError(f"{key}: control characters cannot be encoded")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise ValueError(f"{key}: cannot encode {type(value).__name__}")


def _encode_member(key: str, value: Any) -> str:
    if not _KEY.match(key):
        raise ValueError(f"{key!r} is not a CMCD key")
    if value is True:
        return key
    if isinstance(value, list | tuple):
        return f"{key}=(" + " ".join(_encode_item(key, v) for v in value) + ")"
    return f"{key}={_encode_item(key, value)}"


def encode_cmcd(keys: Mapping[str, Any]) -> str:
    """Encode a cmcd.v1 dict (or plain key -> value mapping) as a CMCD string, keys sorted.

    None values are left out; `lists` entries are sent as inner lists in place of their column;
    `custom` keys are merged in. Strings of token keys (ot, sf, st, sta, e) are sent as tokens,
    other strings quoted. True is sent as the bare key, False as `key=?0`.

    Raises:
        ValueError: a key or value that CMCD cannot carry.
    """
    flat: dict[str, Any] = {}
    for key, value in keys.items():
        if key in ("lists", "custom") or value is None:
            continue
        flat[key] = value
    for key, value in (keys.get("lists") or {}).items():
        flat[key] = list(value)
    for key, value in (keys.get("custom") or {}).items():
        if key in KEY_TYPES:
            raise ValueError(f"custom key {key!r} is a reserved key")
        if value is not None:
            flat[key] = value
    return ",".join(_encode_member(k, flat[k]) for k in sorted(flat))


# --- reports ---------------------------------------------------------------------------------


def report_mode(cmcd: Mapping[str, Any], default: str) -> str:
    """Infer the CMCD reporting mode: event when `e` is set, response when response keys are."""
    if cmcd.get("e") is not None:
        return "event"
    if any(k in cmcd for k in RESPONSE_MODE_KEYS):
        return "response"
    return default


def _report(
    cmcd: dict[str, Any],
    transmission: str,
    default_mode: str,
    ctx: UnitContext,
    client_ip: str | None,
    user_agent: str | None,
) -> dict[str, Any]:
    ts = cmcd.get("ts")
    return {
        "schema_version": SCHEMA_VERSION,
        "report_mode": report_mode(cmcd, default_mode),
        "transmission": transmission,
        "received_at": ctx.received_at,
        "report_ts_ms": ts if isinstance(ts, int) and not isinstance(ts, bool) else None,
        "client_ip": truncate_ip(client_ip),
        "user_agent": user_agent,
        "cmcd": cmcd,
    }


def _looks_like_query(line: str) -> bool:
    return (
        line.startswith(("CMCD=", "?", "/", "http://", "https://"))
        or "?CMCD=" in line
        or "&CMCD=" in line
    )


def _no_cmcd(what: str) -> CmcdError:
    return CmcdError("NoCmcdData", f"{what} carries no CMCD keys")


def _reports_from_text(
    raw: bytes,
    text: str,
    ctx: UnitContext,
    client_ip: str | None,
    user_agent: str | None,
) -> list[Outcome]:
    """One outcome per non-blank line of an application/cmcd body."""
    lines = [line for line in text.splitlines() if line.strip(" \t")]
    if not lines:
        raise _no_cmcd("the body")
    single = len(lines) == 1
    out: list[Outcome] = []
    for index, line in enumerate(lines):
        line_raw = raw if single else line.encode("utf-8", "backslashreplace")

        def build(line: str = line, line_raw: bytes = line_raw) -> list[Outcome]:
            cmcd = decode_cmcd(line)
            if not cmcd:
                raise _no_cmcd("the report line")
            record = _report(cmcd, "body_text", "event", ctx, client_ip, user_agent)
            return [ctx.finish(CONTRACT, record, line_raw)]

        out.extend(ctx.guard(line_raw, CONTRACT, build, None if single else index))
    return out


def _reports_from_json(
    raw: bytes,
    doc: Any,
    ctx: UnitContext,
    client_ip: str | None,
    user_agent: str | None,
) -> list[Outcome]:
    """One outcome per report of a JSON body (an object, or an array of objects)."""
    if isinstance(doc, dict):
        reports, single = [doc], True
    elif isinstance(doc, list):
        if not doc:
            raise CmcdError("EmptyBatch", "the JSON body is an empty array")
        reports, single = doc, False
    else:
        raise CmcdError("UnexpectedShape", f"expected a JSON object or array, got {kind(doc)}")
    out: list[Outcome] = []
    for index, item in enumerate(reports):
        item_raw = raw if single else json.dumps(item, ensure_ascii=False).encode()

        def build(item: Any = item, item_raw: bytes = item_raw) -> list[Outcome]:
            if not isinstance(item, dict):
                raise CmcdError("UnexpectedShape", f"report is a {kind(item)}, not an object")
            cmcd = decode_cmcd_json(item)
            if not cmcd:
                raise _no_cmcd("the report")
            record = _report(cmcd, "body_json", "event", ctx, client_ip, user_agent)
            return [ctx.finish(CONTRACT, record, item_raw)]

        out.extend(ctx.guard(item_raw, CONTRACT, build, None if single else index))
    return out


def _query_report(
    raw: bytes, text: str, ctx: UnitContext, client_ip: str | None, user_agent: str | None
) -> list[Outcome]:
    cmcd = cmcd_from_query(text.strip())
    if not cmcd:
        raise _no_cmcd("the query")
    return [
        ctx.finish(CONTRACT, _report(cmcd, "query", "request", ctx, client_ip, user_agent), raw)
    ]


def _header_report(
    raw: bytes,
    headers: Mapping[str, str],
    ctx: UnitContext,
    client_ip: str | None,
    user_agent: str | None,
) -> list[Outcome]:
    cmcd = cmcd_from_headers(headers)
    if not cmcd:
        raise _no_cmcd("the headers")
    record = _report(cmcd, "headers", "request", ctx, client_ip, user_agent)
    return [ctx.finish(CONTRACT, record, raw)]


def parse_cmcd(
    unit: bytes | str,
    *,
    source: str,
    received_at: datetime,
    message_id: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    client_ip: str | None = None,
    user_agent: str | None = None,
) -> list[Outcome]:
    """Parse one unit holding CMCD in any form, recognized from its content.

    A JSON object or array is a v2 JSON body; a URL, a query string or a line with `CMCD=` is
    the query form; lines starting `CMCD-` are headers (`Name: value`, separated by newlines or
    tabs); anything else is an application/cmcd body with one report per non-blank line.
    """

    def build(raw: bytes, ctx: UnitContext) -> list[Outcome]:
        text = decode_text(raw)
        stripped = text.strip()
        if stripped.startswith(("{", "[")):
            return _reports_from_json(raw, load_json(stripped), ctx, client_ip, user_agent)
        if stripped[:5].lower() == "cmcd-":
            return _header_report(raw, parse_header_lines(stripped), ctx, client_ip, user_agent)
        if _looks_like_query(stripped):
            return _query_report(raw, stripped, ctx, client_ip, user_agent)
        return _reports_from_text(raw, text, ctx, client_ip, user_agent)

    return run_guarded(
        unit,
        CONTRACT,
        build,
        source=source,
        received_at=received_at,
        message_id=message_id,
        attributes=attributes,
    )


def parse_cmcd_query(
    unit: bytes | str,
    *,
    source: str,
    received_at: datetime,
    message_id: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    client_ip: str | None = None,
    user_agent: str | None = None,
) -> list[Outcome]:
    """Parse the `CMCD=` argument of one URL or query string into one report."""

    def build(raw: bytes, ctx: UnitContext) -> list[Outcome]:
        return _query_report(raw, decode_text(raw), ctx, client_ip, user_agent)

    return run_guarded(
        unit,
        CONTRACT,
        build,
        source=source,
        received_at=received_at,
        message_id=message_id,
        attributes=attributes,
    )


def parse_cmcd_headers(
    headers: Mapping[str, str],
    *,
    source: str,
    received_at: datetime,
    message_id: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    client_ip: str | None = None,
    user_agent: str | None = None,
) -> list[Outcome]:
    """Parse one request's CMCD-* headers (a mapping of header name to value) into one report."""
    try:
        raw_text = "\r\n".join(f"{k}: {v}" for k, v in headers.items())
    except Exception:  # a mapping that cannot be iterated still leaves a dead letter
        raw_text = repr(headers)
        headers = {}

    def build(raw: bytes, ctx: UnitContext) -> list[Outcome]:
        return _header_report(raw, headers, ctx, client_ip, user_agent)

    return run_guarded(
        raw_text,
        CONTRACT,
        build,
        source=source,
        received_at=received_at,
        message_id=message_id,
        attributes=attributes,
    )


def parse_cmcd_body(
    unit: bytes | str,
    *,
    content_type: str,
    source: str,
    received_at: datetime,
    message_id: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    client_ip: str | None = None,
    user_agent: str | None = None,
) -> list[Outcome]:
    """Parse a v2 report body: `application/cmcd` (one report per line) or JSON (object or array)."""
    media_type = content_type.split(";", 1)[0].strip().lower()

    def build(raw: bytes, ctx: UnitContext) -> list[Outcome]:
        text = decode_text(raw)
        if media_type == "application/json" or media_type.endswith("+json"):
            return _reports_from_json(raw, load_json(text), ctx, client_ip, user_agent)
        if media_type in ("application/cmcd", "text/plain"):
            return _reports_from_text(raw, text, ctx, client_ip, user_agent)
        raise CmcdError("UnsupportedMediaType", f"content type {content_type!r} is not CMCD")

    return run_guarded(
        unit,
        CONTRACT,
        build,
        source=source,
        received_at=received_at,
        message_id=message_id,
        attributes=attributes,
    )
