"""Spill files: data of a bounded step kept on disk (or GCS) instead of in a runner's shuffle.

A runner holds a bounded stage's shuffle data (every element of it, on the FnApiRunner in memory)
until all of its input is read. Steps that must see every element of a key at once (batch views,
batch deduplication) therefore write their elements, a bundle at a time and hashed into a fixed
number of shards (shard_of), to spill files, and only references (shard, (kind, spill file,
offset, length)) go through the shuffle: one element per shard and bundle.

The spill files of one pipeline step live in a directory of their own (new_spill_dir) under the
pipeline's --temp_location (gs:// on Dataflow, where workers share no disk) or the local temp
directory when it is unset, and are written through Beam's FileSystems. A spill file has a unique
name per attempt, so a retried bundle writes its own files and its output names only those.
Nothing is deleted per shard (a retried shard must find its files again): the whole directory is
deleted once every shard is done (delete_spill_dir), and, for a local directory, when the
constructing process exits (remove_at_exit: a pipeline that failed).
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import os
import pickle
import shutil
import tempfile
import uuid
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystem import BeamIOError, CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.io.localfilesystem import LocalFileSystem
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import WindowedValue

from pipelines.transforms.parse import METRICS_NAMESPACE
from pipelines.transforms.views import compact_item

logger = logging.getLogger(__name__)

SPILL_ITEMS = 100_000  # items per spill file at most (SpillShardItemsFn)
SPILL_PREFIX = "streamqoe-spill-"
ITEMS = "i"  # kind of a reference to a pickled list of (key, compact item)


def shard_of(key: str, shards: int) -> int:
    """The shard of a key: a hash that is the same in every process (CRC-32 of UTF-8)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % shards


def spill_root(location: str | None) -> str:
    """Where spill directories go: `location` (the pipeline's --temp_location) or, unset, the
    local temp directory."""
    return location or tempfile.gettempdir()


def new_spill_dir(location: str | None) -> str:
    """A directory name of its own for one pipeline's spill files, under spill_root(location);
    created by the first file written in it."""
    return FileSystems.join(spill_root(location), f"{SPILL_PREFIX}{uuid.uuid4().hex}")


def write_spill(directory: str, kind: str, parts: Sequence[Any]) -> tuple[str, list[tuple]]:
    """Write `parts` (bytes-like) one after the other into a new file of `directory` (a name
    no other attempt uses); returns (its path, [(offset, length)] of each part)."""
    path = FileSystems.join(directory, f"{kind}-{uuid.uuid4().hex}")
    spans = []
    offset = 0
    with FileSystems.create(path, compression_type=CompressionTypes.UNCOMPRESSED) as out:
        for part in parts:
            view = memoryview(part)
            out.write(view)
            spans.append((offset, view.nbytes))
            offset += view.nbytes
    Metrics.counter(METRICS_NAMESPACE, "spill_files").inc()
    Metrics.counter(METRICS_NAMESPACE, "spill_bytes").inc(offset)
    return path, spans


def read_spill(refs: Iterable[tuple[str, int, int]]) -> Iterator[bytes]:
    """The bytes of each (spill file, offset, length), in order; each file opened once for a
    run of references to it."""
    for path, group in itertools.groupby(refs, key=lambda ref: ref[0]):
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            for _, offset, length in group:
                f.seek(offset)
                data = f.read(length)
                if len(data) != length:
                    raise OSError(f"{path}: {len(data)} bytes at {offset}, expected {length}")
                yield data


def is_local(path: str) -> bool:
    """Whether `path` is on the local file system (not gs:// or another Beam file system)."""
    return isinstance(FileSystems.get_filesystem(path), LocalFileSystem)


def remove_spill_dir(directory: str) -> None:
    """Delete a spill directory and everything in it; nothing to do if it is gone already (a
    retried clean-up)."""
    directory = directory.rstrip("/")
    if is_local(directory):
        # FileSystems.delete of a local directory removes the files it matches, not the directory
        shutil.rmtree(directory, ignore_errors=not os.path.isdir(directory))
        return
    try:
        FileSystems.delete([directory + "/"])  # a prefix on GCS: everything under it
    except BeamIOError:
        if FileSystems.match([FileSystems.join(directory, "*")])[0].metadata_list:
            raise
    logger.debug("removed spill directory %s", directory)


def _remove_spill_dir_quietly(directory: str) -> None:
    with contextlib.suppress(Exception):
        remove_spill_dir(directory)


def remove_at_exit(directory: str) -> None:
    """Remove a local spill directory when this process exits: a local run that fails never
    reaches the step that deletes it (delete_spill_dir). Nothing for a remote one (gs://), whose
    files outlive the launching process; a bucket lifecycle rule cleans up after failed jobs."""
    if is_local(directory):
        atexit.register(_remove_spill_dir_quietly, directory)


class SpillShardItemsFn(beam.DoFn):
    """In: (key, tagged item) in the global window (e.g. views.key_player_event, key_cmcd_report,
    key_cdn_request). Out: (shard, (ITEMS, (spill file, offset, length))): the items of a bundle,
    compacted (views.compact_item) and pickled per shard of their key (shard_of) into spill files
    of at most `max_items` items; each reference names a pickled list of (key, compact item)."""

    def __init__(self, directory: str, shards: int, max_items: int = SPILL_ITEMS):
        self.directory = directory
        self.shards = shards
        self.max_items = max_items
        self.pending: dict[int, list[tuple[str, Any]]] = defaultdict(list)
        self.pending_items = 0

    def start_bundle(self) -> None:
        self.pending, self.pending_items = defaultdict(list), 0

    def process(self, element: tuple[str, tuple[str, Any]]) -> Iterator[tuple[int, Any]]:
        key, item = element
        self.pending[shard_of(key, self.shards)].append((key, compact_item(item)))
        self.pending_items += 1
        if self.pending_items >= self.max_items:
            yield from self.flush()

    def finish_bundle(self) -> Iterator[WindowedValue]:
        window = GlobalWindow()
        for shard_ref in self.flush():
            yield WindowedValue(shard_ref, window.max_timestamp(), [window])

    def flush(self) -> list[tuple[int, tuple[str, Any]]]:
        """Write the pending items; their references."""
        if not self.pending:
            return []
        shards = sorted(self.pending)
        parts = [pickle.dumps(self.pending[s], protocol=pickle.HIGHEST_PROTOCOL) for s in shards]
        self.pending, self.pending_items = defaultdict(list), 0
        spill, spans = write_spill(self.directory, ITEMS, parts)
        return [
            (shard, (ITEMS, (spill, offset, length)))
            for shard, (offset, length) in zip(shards, spans, strict=True)
        ]


class CollectShardItemsFn(beam.CombineFn):
    """Collect one shard's references (TABLE or ITEMS) in a list; the accumulator crosses the
    shuffle pickled (PickleCoder: tuples of plain values pickle fast)."""

    def create_accumulator(self) -> list[Any]:
        return []

    def add_input(self, acc: list[Any], item: tuple[str, Any]) -> list[Any]:
        acc.append(item)
        return acc

    def add_inputs(self, acc: list[Any], items: Iterable[tuple[str, Any]]) -> list[Any]:
        acc.extend(items)
        return acc

    def merge_accumulators(self, accs: Iterable[list[Any]]) -> list[Any]:
        merged: list[Any] = []
        for acc in accs:
            merged.extend(acc)
        return merged

    def extract_output(self, acc: list[Any]) -> list[Any]:
        return acc

    def get_accumulator_coder(self) -> beam.coders.Coder:
        return beam.coders.PickleCoder()


def delete_spill_dir(done: int, directory: str) -> int:
    """Delete a spill directory once every shard is done with it (`done`: their count); feed it
    from a step that runs after all of them, so that a retried shard still finds its files."""
    remove_spill_dir(directory)
    Metrics.counter(METRICS_NAMESPACE, "spill_dirs_removed").inc()
    return done
