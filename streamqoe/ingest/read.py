"""Open input files and split them into units for the parsers; the only module here doing I/O.

`-` is standard input. Gzip is recognized by its magic bytes (CloudFront delivers `.gz` logs), not
by the file name. Line formats yield every non-blank line (CloudFront `#` headers included, the
parser consumes them); document formats yield the whole file as one unit when it is one JSON
document (pretty-printed, or not valid JSON at all, such as a commented official sample) and one
unit per line when it is JSON lines. Unit ids are `file:<path>:<line>`.

Left out: object stores (gs://, s3://); the pipelines read those with Beam's IO.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import re
import sys
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from streamqoe.ingest.formats import HEAD_BYTES, detect_format, get_format, parse_units
from streamqoe.ingest.outcome import Outcome

logger = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
# CloudFront standard logs holding at least this much log text (decompressed, see content_size)
# take the columnar path (streamqoe.ingest.columnar_cloudfront); smaller ones, and stdin, the row
# parser. Below it the columnar path's fixed cost (a DuckDB database, query planning: 30-40 ms)
# outweighs its speed: on the 2-vCPU bench machine the two broke even at 1.2-1.5 MiB.
COLUMNAR_MIN_BYTES = 1024 * 1024
# CloudFront standard log names: <distribution id>.YYYY-MM-DD-HH.<unique>.gz
_CLOUDFRONT_NAME = re.compile(r"^([A-Z0-9]{6,32})\.\d{4}-\d{2}-\d{2}-\d{2}\.[A-Za-z0-9]+")


class UnreadableInput(OSError):
    """A path that cannot be opened or read (missing, a directory, a broken gzip stream)."""


def open_binary(path: str) -> BinaryIO:
    """Open `path` (or stdin for `-`) for binary reading, decompressing gzip transparently.

    Raises:
        UnreadableInput: the file cannot be opened or read.
    """
    try:
        if path == "-":
            stream: BinaryIO = io.BytesIO(sys.stdin.buffer.read())
        else:
            stream = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
        magic = stream.read(2)
        stream.seek(0)
    except OSError as exc:
        raise UnreadableInput(f"{path}: {exc.strerror or exc}") from None
    if magic == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[return-value]
    return stream


def read_content(path: str) -> bytes:
    """Return the whole decompressed content of `path` (or stdin for `-`), as open_binary reads
    it, for the columnar parsers: a plain file in one unbuffered read (no buffer copies), a gzip
    file in one `gzip.decompress` call (all in C). A file that call refuses is read again through
    open_binary, so a broken stream fails with the message the row parsers' readers give.

    Raises:
        UnreadableInput: the file cannot be opened, or its gzip stream is broken.
    """
    if path != "-":
        try:
            with open(path, "rb", buffering=0) as handle:
                raw = handle.readall()
            return raw if raw[:2] != GZIP_MAGIC else gzip.decompress(raw)
        except (OSError, EOFError, ValueError, zlib.error):
            pass  # reported below
    try:
        with open_binary(path) as stream:
            return stream.read()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise UnreadableInput(f"{path}: {exc}") from None


def read_head(path: str, size: int = HEAD_BYTES) -> bytes:
    """Return the first `size` decompressed bytes of a file (for format detection)."""
    if path == "-":
        raise UnreadableInput("-: standard input cannot be read twice; name a --format")
    try:
        with open_binary(path) as stream:
            return stream.read(size)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise UnreadableInput(f"{path}: {exc}") from None


def read_lines(path: str) -> Iterator[tuple[str, bytes]]:
    """Yield (unit id, line without its line ending) for every non-blank line.

    Raises:
        UnreadableInput: the file cannot be opened, or its gzip stream is broken.
    """
    prefix = f"file:{path}:"
    try:
        with open_binary(path) as stream:
            for number, line in enumerate(stream, start=1):
                line = line.rstrip(b"\r\n")
                if line.strip():
                    yield f"{prefix}{number}", line
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise UnreadableInput(f"{path}: {exc}") from None


def _is_json_lines(data: bytes) -> bool:
    lines = [line.strip() for line in data.split(b"\n") if line.strip()]
    if len(lines) < 2:
        return False
    first = lines[0]
    return first[:1] in (b"{", b"[") and first[-1:] in (b"}", b"]")


def read_documents(path: str) -> Iterator[tuple[str, bytes]]:
    """Yield the whole file as one unit, or one unit per line when the file is JSON lines.

    Raises:
        UnreadableInput: the file cannot be opened, or its gzip stream is broken.
    """
    try:
        with open_binary(path) as stream:
            data = stream.read()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise UnreadableInput(f"{path}: {exc}") from None
    if not data.strip():
        return
    if not _is_json_lines(data):
        yield f"file:{path}:1", data
        return
    for number, line in enumerate(data.split(b"\n"), start=1):
        line = line.rstrip(b"\r")
        if line.strip():
            yield f"file:{path}:{number}", line


def distribution_from_name(path: str) -> str | None:
    """Return the CloudFront distribution id a standard log's file name starts with, if any."""
    match = _CLOUDFRONT_NAME.match(Path(path).name)
    return match.group(1) if match else None


def resolve_format(path: str, name: str) -> str:
    """Return `name`, or the detected format when `name` is `auto`.

    Raises:
        UnreadableInput: the file cannot be read.
        ValueError: `auto` and the format cannot be recognized.
    """
    if name != "auto":
        get_format(name)
        return name
    detected = detect_format(read_head(path))
    if detected is None:
        raise ValueError(f"{path}: cannot recognize the format; name one with --format")
    logger.info("%s: detected format %s", path, detected)
    return detected


def content_size(path: str) -> int:
    """Return about how many bytes of content a file holds, without reading it.

    A gzip file's content is its trailer's ISIZE (the last member's size, modulo 4 GiB), taken as
    at least the file's own size; any other file's is its size.

    Raises:
        OSError: the file cannot be opened.
    """
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < 18 or handle.read(2) != GZIP_MAGIC:  # 18: the smallest gzip member
            return size
        handle.seek(size - 4)
        return max(size, int.from_bytes(handle.read(4), "little"))


def use_columnar(path: str) -> bool:
    """Whether a CloudFront standard log file holds enough for the columnar path."""
    if path == "-":
        return False
    try:
        return content_size(path) >= COLUMNAR_MIN_BYTES
    except OSError:
        return False  # the row path reports the unreadable file


def parse_file(path: str, name: str, *, received_at: datetime) -> Iterator[Outcome]:
    """Parse one file (or `-`) in format `name` (not `auto`; see resolve_format).

    A CloudFront standard log holding COLUMNAR_MIN_BYTES or more (see use_columnar) is parsed as
    a whole by the columnar path (same outcomes, same order, much faster); everything else unit
    by unit.

    Raises:
        UnreadableInput: the file cannot be opened or read (possibly after some outcomes).
    """
    fmt = get_format(name)
    if name == "cloudfront" and use_columnar(path):
        from streamqoe.ingest.columnar_cloudfront import iter_cloudfront_outcomes

        distribution = distribution_from_name(path)
        yield from iter_cloudfront_outcomes(
            path, received_at=received_at, distribution=distribution
        )
        return
    kind = fmt.units
    if kind == "lines_or_documents":
        head = read_head(path, 4096) if path != "-" else b""
        kind = "documents" if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[") else "lines"
    units = read_lines(path) if kind == "lines" else read_documents(path)
    distribution = distribution_from_name(path) if name == "cloudfront" else None
    yield from parse_units(name, units, received_at=received_at, distribution=distribution)
