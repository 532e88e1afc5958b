"""Check JSON Schema `format` keywords for the generated decoders, exactly as the registry does.

msgspec has no `format` constraint, and its own datetime decoding differs from jsonschema's
`date-time` check (which uses rfc3339-validator: year 0000 refused, leap second :60 and a trailing
newline accepted, the value kept as a string). So a field with a `format` decodes as the JSON
value it is, and the generated Struct's `__post_init__` asks the very format checker the
registry's validator uses (`jsonschema.Draft202012Validator.FORMAT_CHECKER`). The answer is the
same by construction, including for formats jsonschema does not check (always true).

Left out: formats on objects and arrays (the generator refuses them).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import jsonschema

logger = logging.getLogger(__name__)

FORMAT_CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER
"""The checker `streamqoe.contracts.registry.validator` passes to jsonschema."""
FORMAT_MEMO_SIZE = 65_536
"""Verdicts kept per format: timestamps repeat across records (minute windows, updated_at)."""
_SHOWN_CHARS = 80


class FormatViolation(ValueError):
    """A value does not have its `format`; raised in `__post_init__`, wrapped by msgspec.

    Args:
        suffix: path of the value below the Struct that raised, e.g. `.started_at`, `.xs[2]`.
        format_name: the `format`, e.g. `date-time`.
        value: the offending value.
    """

    def __init__(self, suffix: str, format_name: str, value: Any):
        shown = repr(value)
        if len(shown) > _SHOWN_CHARS:
            shown = shown[:_SHOWN_CHARS] + "..."
        self.suffix = suffix
        self.reason = f"Expected `str` of format `{format_name}`, got {shown}"
        super().__init__(self.reason)


def format_checker(format_name: str) -> Callable[[Any], bool]:
    """Return a predicate: True when a value conforms to `format_name` (memoized, by type)."""
    conforms = FORMAT_CHECKER.conforms

    def check(value: Any) -> bool:
        return conforms(value, format_name)

    # typed: 1, 1.0 and True stay apart; values are JSON scalars, so hashable.
    return functools.lru_cache(maxsize=FORMAT_MEMO_SIZE, typed=True)(check)
