"""Bulk text formatting: turn numpy columns into lists of strings and lines without a per-line loop.

The CDN log emitters format hundreds of thousands of lines per chunk. Rather than one f-string per
line, a line is described as a sequence of *pieces* (constant text, per-view strings indexed by the
request's view, per-request strings), each piece a list with one string per line; `join_lines`
interleaves the lists with extended-slice assignment and joins once. Numbers are formatted through
small tables (one string per distinct value) so that a value is formatted once per chunk, not once
per line. Every helper reproduces exactly the text Python's own formatting would give.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import numpy as np

Piece = str | list[str]


def objects(values: Sequence[str]) -> np.ndarray:
    """Return `values` as a 1-D object array (for fancy indexing of strings)."""
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def take(table: np.ndarray | Sequence[str], index: np.ndarray) -> list[str]:
    """Return `table[index]` as a list of strings (table: object array or sequence of str)."""
    if not isinstance(table, np.ndarray):
        table = objects(table)
    return table[index].tolist()


def by_value(values: np.ndarray, fmt: Callable[[int], str]) -> list[str]:
    """Format each value with `fmt`, calling it once per distinct value."""
    if len(values) == 0:
        return []
    uniq, inverse = np.unique(values, return_inverse=True)
    return objects([fmt(u) for u in uniq.tolist()])[inverse.reshape(-1)].tolist()


def ints(values: np.ndarray) -> list[str]:
    """Return `str(int(v))` of each value (as f"{v}" gives for Python ints)."""
    return list(map(str, values.astype(np.int64).tolist()))


_MS_FRACTION = [f"{i:03d}" for i in range(1000)]
_MS_FRACTION_OBJ = objects(_MS_FRACTION)


_WHOLE_SECONDS = objects([f"{i}." for i in range(10_000)])


def ms_as_seconds(ms: np.ndarray) -> list[Piece]:
    """Return f"{ms / 1000:.3f}" of each value, exactly, as two pieces (seconds, fraction).

    Works for integer and float milliseconds; values near a rounding tie, negative or past
    10 000 s are formatted by Python itself.
    """
    if len(ms) == 0:
        return [[], []]
    if np.issubdtype(ms.dtype, np.integer):
        k = ms.astype(np.int64)
        exact = np.ones(len(k), bool)
    else:
        scaled = (ms / 1000.0) * 1000.0
        k = np.rint(scaled).astype(np.int64)
        # A value near a half thousandth is left to Python, so neither the tie rule nor the error
        # of the scaling decides a digit.
        exact = np.abs(scaled - np.floor(scaled) - 0.5) > 1e-6
    exact &= (k >= 0) & (k < 1000 * len(_WHOLE_SECONDS))
    k = np.where(exact, k, 0)
    whole = take(_WHOLE_SECONDS, k // 1000)
    frac = take(_MS_FRACTION_OBJ, k % 1000)
    for i in np.flatnonzero(~exact).tolist():
        whole[i] = f"{float(ms[i]) / 1000:.3f}"
        frac[i] = ""
    return [whole, frac]


def hex16(values: np.ndarray) -> list[str]:
    """Return f"{v:016x}" of each non-negative value below 2**64."""
    h = values.astype(">u8").tobytes().hex()
    return [h[i : i + 16] for i in range(0, len(h), 16)]


def second_text(ms: np.ndarray, fmt: str) -> list[str]:
    """Return the UTC time of each epoch-ms value's second formatted with strftime `fmt`."""
    return by_value(ms // 1000, lambda s: datetime.fromtimestamp(s, UTC).strftime(fmt))


def ms_fraction(ms: np.ndarray) -> list[str]:
    """Return f"{ms % 1000:03d}" of each epoch-ms value."""
    return take(_MS_FRACTION_OBJ, ms % 1000)


def join_lines(
    pieces: Sequence[Piece], n: int, fix: dict[int, Callable[[str], str]] | None = None
) -> str:
    """Concatenate, per line, the pieces (constant text or one string per line); join all lines.

    The last piece must end with a newline. `fix` maps a line number to a function applied to that
    line's text (without its newline), e.g. to cut it short.
    """
    if n == 0:
        return ""
    k = len(pieces)
    flat: list[str] = [""] * (n * k)
    for j, piece in enumerate(pieces):
        flat[j::k] = [piece] * n if isinstance(piece, str) else piece
    for i, f in (fix or {}).items():
        line = "".join(flat[i * k : (i + 1) * k])
        flat[i * k : (i + 1) * k] = [f(line[:-1]) + "\n"] + [""] * (k - 1)
    return "".join(flat)
