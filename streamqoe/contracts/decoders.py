"""Decode and validate a contract's JSON in one pass, with msgspec Structs generated from it.

`decode(name, payload)` returns the record exactly as `json.loads` gives it (same keys, values
and types; an absent optional property stays absent) when, and only when, the registry's
validator accepts it; otherwise it raises `DecodeError` naming the first offending field, e.g.
"Expected `int`, got `float` - at `$.cmcd.br`". `decode_many` does the same for a JSON array, one
result per element, so that a bad element fails alone (the beacon's batch rule).

The Structs live in decoders_generated.py, rendered from schemas/ by decoder_source.py; the
equivalence with jsonschema is proven by tests/contracts/test_decoders.py. Two inputs that
`json.loads` accepts are refused here, because msgspec's JSON reader refuses them: numbers too
large for a float (`1e400`, which json.loads turns into infinity; "Number out of range" at the
number's path) and lone UTF-16 surrogate escapes (`"\\ud800"`; stage `decode`). Neither can be
written to the warehouse as JSON or UTF-8.

Left out: dead letters and outcome wiring (the parsers' job), enrichment, and error lists:
msgspec stops at the first violation, so a DecodeError names one (use
streamqoe.contracts.registry.violations for all of them).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import msgspec

from streamqoe.contracts.decoders_generated import STRUCTS
from streamqoe.contracts.formats import FormatViolation
from streamqoe.contracts.registry import contract

logger = logging.getLogger(__name__)

_BOM = b"\xef\xbb\xbf"
_AT = " - at `"
_ANY = msgspec.json.Decoder()
_ELEMENTS = msgspec.json.Decoder(list[msgspec.Raw])
_ENCODER = msgspec.json.Encoder()

Payload = bytes | bytearray | memoryview | str


class DecodeError(ValueError):
    """A payload is not a record of its contract.

    Attributes:
        contract: the contract's key, e.g. `player_event.v1`.
        reason: what is wrong, in msgspec's words, e.g. "Expected `int` >= 0".
        path: where, e.g. `$.outputs[2].width` (`$` is the whole document).
        stage: `decode` (not UTF-8, not JSON) or `validate` (JSON that breaks the contract).
        index: for an element of `decode_many`, its position in the array.
    """

    def __init__(
        self,
        contract: str,
        reason: str,
        path: str = "$",
        *,
        stage: str = "validate",
        index: int | None = None,
    ):
        self.contract = contract
        self.reason = reason
        self.path = path
        self.stage = stage
        self.index = index
        super().__init__(f"{reason} - at `{path}`")

    def in_element(self, index: int) -> DecodeError:
        """The same error, located in element `index` of an array."""
        path = f"$[{index}]{self.path.removeprefix('$')}"
        return DecodeError(self.contract, self.reason, path, stage=self.stage, index=index)


def _validation_error(key: str, exc: msgspec.ValidationError) -> DecodeError:
    message = str(exc)
    reason, at, where = message.rpartition(_AT)
    path = where.removesuffix("`") if at else "$"
    if not at:
        reason = message
    cause = exc.__cause__
    if isinstance(cause, FormatViolation):
        reason, path = cause.reason, path + cause.suffix
    return DecodeError(key, reason, path)


def _syntax_error(key: str, exc: Exception) -> DecodeError:
    if isinstance(exc, UnicodeDecodeError):
        return DecodeError(key, f"not UTF-8 at byte {exc.start}: {exc.reason}", stage="decode")
    return DecodeError(key, str(exc), stage="decode")


def _text(payload: Payload) -> bytes | str:
    if isinstance(payload, str):
        return payload.removeprefix("\ufeff")
    data = payload if isinstance(payload, bytes) else bytes(payload)
    return data[3:] if data.startswith(_BOM) else data


class ContractDecoder:
    """Decodes the records of one contract (from `decoder(name)`, or any generated Struct)."""

    def __init__(self, key: str, struct: type[msgspec.Struct]):
        self.key = key
        self.struct = struct
        self._decoder = msgspec.json.Decoder(struct)

    def _decode(self, data: bytes | str | msgspec.Raw) -> dict[str, Any]:
        try:
            return msgspec.to_builtins(self._decoder.decode(data))
        except msgspec.ValidationError:
            pass
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise _syntax_error(self.key, exc) from None
        # msgspec validates a repeated key at each occurrence, json.loads keeps only the last:
        # decide on the document with repeats collapsed (this also finds bad JSON further on).
        try:
            collapsed = _ENCODER.encode(_ANY.decode(data))
        except msgspec.ValidationError as exc:
            raise _validation_error(self.key, exc) from None
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise _syntax_error(self.key, exc) from None
        try:
            return msgspec.to_builtins(self._decoder.decode(collapsed))
        except msgspec.ValidationError as exc:
            raise _validation_error(self.key, exc) from None

    def decode(self, payload: Payload) -> dict[str, Any]:
        """Decode one JSON document (a UTF-8 BOM is skipped); see `decode`."""
        return self._decode(_text(payload))

    def decode_many(self, payload: Payload) -> list[dict[str, Any] | DecodeError]:
        """Decode a JSON array element by element; see `decode_many`."""
        try:
            elements = _ELEMENTS.decode(_text(payload))
        except msgspec.ValidationError as exc:
            raise _validation_error(self.key, exc) from None
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise _syntax_error(self.key, exc) from None
        out: list[dict[str, Any] | DecodeError] = []
        for index, element in enumerate(elements):
            try:
                out.append(self._decode(element))
            except DecodeError as exc:
                out.append(exc.in_element(index))
        return out


@functools.cache
def decoder(name: str) -> ContractDecoder:
    """Return the decoder of contract `name`.

    Raises:
        KeyError: no such contract, or decoders_generated.py predates it (regenerate).
    """
    key = contract(name).key
    try:
        return ContractDecoder(key, STRUCTS[name])
    except KeyError:
        raise KeyError(
            f"{key} has no generated decoder: run `streamqoe contracts generate`"
        ) from None


def decode(name: str, payload: Payload) -> dict[str, Any]:
    """Decode one JSON document and check it against contract `name` (a UTF-8 BOM is skipped).

    Returns:
        The record, equal to `json.loads(payload)`.

    Raises:
        DecodeError: the payload is not UTF-8 or JSON, or breaks the contract.
        KeyError: no such contract.
    """
    return decoder(name).decode(payload)


def decode_many(name: str, payload: Payload) -> list[dict[str, Any] | DecodeError]:
    """Decode a JSON array of records of contract `name`, element by element.

    Returns:
        One entry per element, in order: the record, or the DecodeError of that element (its
        path starts with `$[index]`, its `index` set). An empty array gives an empty list.

    Raises:
        DecodeError: the payload is not UTF-8 or JSON, or not an array.
        KeyError: no such contract.
    """
    return decoder(name).decode_many(payload)
