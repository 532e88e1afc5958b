"""Inputs on object stores (gs://, or any scheme Beam's FileSystems knows) for the batch pipeline.

The ingest library (streamqoe.ingest) reads local files only: its readers seek, look at gzip
trailers and hand whole files to DuckDB. The batch pipeline therefore lists remote inputs with
Beam's `FileSystems.match` (`match_remote`) and parses each remote object from a local copy
(`local_copy`), deleted as soon as the object is parsed: at most one copy per worker thread.

Credentials and endpoints are Beam's and google-cloud-storage's own: Application Default
Credentials on Dataflow; locally `STORAGE_EMULATOR_HOST` points the GCS client at an emulator
(docs/operations.md#inputs-on-cloud-storage).
"""

from __future__ import annotations

import itertools
import logging
import os
import posixpath
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from streamqoe.ingest.read import UnreadableInput

logger = logging.getLogger(__name__)

COPY_CHUNK_BYTES = 8 * 1024 * 1024
TEMP_PREFIX = "streamqoe-input-"


def is_remote(path: str) -> bool:
    """Whether `path` has a URI scheme (`gs://...`): read through Beam's FileSystems, not open()."""
    return FileSystems.get_scheme(path) is not None


def _zero_directory_variants(pattern: str) -> list[str]:
    """`a/**/b` as Beam matches it (`**` is `.*`, so one directory at least) and as `a/b`.

    Python's recursive glob lets `**/` match zero directories too; matching both variants gives
    remote patterns the local semantics.
    """
    parts = pattern.split("/**/")
    variants = []
    for joints in itertools.product(("/**/", "/"), repeat=len(parts) - 1):
        variants.append(parts[0] + "".join(j + p for j, p in zip(joints, parts[1:], strict=True)))
    return variants


def match_remote(pattern: str) -> list[str]:
    """Return the sorted object paths a remote pattern matches (objects ending in `/`, directory
    placeholders, left out). Glob syntax as Beam's: `*` within a path segment, `**` across them
    (`**/` also matching no directory, as in a local recursive glob).

    Raises:
        ValueError: no Beam filesystem for the pattern's scheme.
        apache_beam.io.filesystem.BeamIOError: the listing failed (missing bucket, no access).
    """
    results = FileSystems.match(_zero_directory_variants(pattern))
    paths = {m.path for result in results for m in result.metadata_list}
    return sorted(p for p in paths if not p.endswith("/"))


@contextmanager
def local_copy(path: str, chunk_bytes: int = COPY_CHUNK_BYTES) -> Iterator[str]:
    """Copy a remote object to a local temporary file; yield its path, delete it on exit.

    The bytes are copied as stored (`CompressionTypes.UNCOMPRESSED`: a `.gz` object stays gzip,
    the readers recognize gzip by its magic bytes), in chunks, into a fresh directory under
    `tempfile.gettempdir()` (`TMPDIR`). The copy keeps the object's base name, which format
    detection and the CloudFront distribution id read.

    Raises:
        UnreadableInput: the object cannot be opened or read (missing, no access, failed reads
            after the client's retries); nothing is left on disk. A failure to write the copy
            (a full temp disk) is raised as is: the bundle fails and is retried, the object is
            not dead-lettered. So are credential errors (google.auth), which no object causes.
    """
    from google.api_core.exceptions import GoogleAPIError

    unreadable = (OSError, EOFError, ValueError, GoogleAPIError)
    directory = tempfile.mkdtemp(prefix=TEMP_PREFIX)
    try:
        local = os.path.join(directory, posixpath.basename(path.rstrip("/")) or "object")
        try:
            source = FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)
        except unreadable as exc:
            raise UnreadableInput(f"{path}: {type(exc).__name__}: {exc}") from None
        with source, open(local, "wb") as target:
            while True:
                try:
                    chunk = source.read(chunk_bytes)
                except unreadable as exc:
                    raise UnreadableInput(f"{path}: {type(exc).__name__}: {exc}") from None
                if not chunk:
                    break
                target.write(chunk)
        logger.debug("copied %s to %s (%s bytes)", path, local, os.path.getsize(local))
        yield local
    finally:
        shutil.rmtree(directory, ignore_errors=True)
