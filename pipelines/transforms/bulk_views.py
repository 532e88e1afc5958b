"""Batch views in bulk: player events travel as Arrow shards, views are computed per shard.

The per-element batch path (views.SessionizeViews + ComputeViewQoe) ships every player event as its
own Beam element through a shuffle keyed by view_id. Here each beacon file's events (one Arrow table,
from ReadAndParseFiles(beacon_tables=True)) are split by view key into a handful of shards (a
stable hash of the view_id, so every event, CMCD report and CDN request of a view lands in the same
shard), and the shuffle groups a few shard keys instead of every event. CMCD reports (key cmcd.sid)
and CDN requests carrying CMCD (key cmcd.sid, already deduplicated) join the same shards through
the same keying functions as the per-element path (views.key_cmcd_report, views.key_cdn_request).

Spill (pipelines/transforms/spill.py): the events do not travel through the shuffle themselves
(a runner holds a bounded stage's shuffle data, here every event, until all input is read). Each
file's shard slices are written, one Arrow IPC stream per shard (compressed), to one spill file per
beacon file; CMCD reports and CDN requests are pickled per shard (spill.SpillShardItemsFn). Only
references go through the combine; the run's spill directory is deleted once every shard has been
computed (DeleteSpill, fed by the count of computed shards).

Per shard, ComputeShardViewsFn reads its files (sorted by beacon file), orders the events by view
and turns them into dicts a chunk of views at a time (VIEW_CHUNK_EVENTS events), so memory holds
one shard's compact Arrow columns plus one chunk's dicts. Per view key it runs the per-element
path's own steps: views.split_sessions (sessions exactly as Beam's Sessions(gap) merges them),
views.view_row (build_view, is_final, version, updated_at) and views.minute_sums; each row is
stamped with views.session_timestamp_ms, as a session window's output would be. The shard's minute
contributions are summed into one aggregates.MinuteTotals before they leave the shard.

Left out: streaming (it stays per message) and early panes (a bounded input has one final pane
per view, as in the per-element batch path).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import pickle
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.windowed_value import PaneInfoTiming

from pipelines.transforms.parse import METRICS_NAMESPACE
from pipelines.transforms.spill import (
    CollectShardItemsFn,
    SpillShardItemsFn,
    delete_spill_dir,
    new_spill_dir,
    read_spill,
    remove_at_exit,
    shard_of,
    write_spill,
)
from pipelines.transforms.views import (
    EVENT,
    MINUTES,
    ToGlobalWindow,
    expand_item,
    key_cdn_request,
    key_cmcd_report,
    key_player_event,
    minute_sums,
    session_timestamp_ms,
    split_sessions,
    utc_now,
    view_row,
)
from streamqoe.qoe.minutes import MinuteTotals, dimension_values
from streamqoe.qoe.timeline import DIMENSION_FIELDS

logger = logging.getLogger(__name__)

VIEW_SHARDS = 16
SPILL_COMPRESSION = "zstd"  # Arrow IPC buffer compression of spilled event slices (or None)
VIEW_CHUNK_EVENTS = 50_000  # events turned into dicts at a time in ComputeShardViewsFn
# A shard element refers to spilled data: (TABLE, (beacon file, spill file, offset, length)) is
# an Arrow IPC stream of one beacon file's events of the shard; (ITEMS, (spill file, offset,
# length)) a pickled list of (view key, compact_item(item)) of other view items.
TABLE = "t"
# The player_event fields build_view reads (build_timeline: the state machine's fields and
# the view's descriptive fields); the shards carry only these columns.
VIEW_EVENT_FIELDS = tuple(
    dict.fromkeys(
        (
            "view_id",
            "client_ts_ms",
            "sequence_number",
            "event_type",
            "bitrate_kbps",
            "rendition",
            "dropped_frames",
            "decoded_frames",
            "startup_ms",
            "error_fatal",
            "error_code",
            *DIMENSION_FIELDS,
        )
    )
)


def shard_column(keys: pa.Array | pa.ChunkedArray, shards: int) -> np.ndarray:
    """shard_of for every value of a string column, hashing each distinct value once."""
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    encoded = pc.dictionary_encode(keys)
    per_value = np.array(
        [shard_of(key, shards) for key in encoded.dictionary.to_pylist()], dtype=np.int64
    )
    return per_value[encoded.indices.to_numpy(zero_copy_only=False)]


def to_ipc(table: pa.Table, compression: str | None = None) -> pa.Buffer:
    """Arrow IPC stream of a table, its buffers compressed with `compression` (lz4, zstd or
    None)."""
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression=compression)
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue()


def from_ipc(data: bytes | pa.Buffer) -> pa.Table:
    """Inverse of to_ipc (compressed buffers are recognised as such)."""
    return pa.ipc.open_stream(data).read_all()


def shard_slices(table: pa.Table, shards: int) -> Iterator[tuple[int, pa.Table]]:
    """(shard, slice) for each shard holding events of one file's table; only VIEW_EVENT_FIELDS,
    rows in file order."""
    events = table.select(list(VIEW_EVENT_FIELDS))
    shard = shard_column(events.column("view_id"), shards)
    order = np.argsort(shard, kind="stable")
    ordered = shard[order]
    events = events.take(pa.array(order))
    bounds = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1], True]).tolist()
    for start, end in itertools.pairwise(bounds):
        yield int(ordered[start]), events.slice(start, end - start)


class SpillShardSlicesFn(beam.DoFn):
    """In: (beacon file path, Arrow table of its player events). Out: (shard, (TABLE, (path,
    spill file, offset, length))) for each shard holding events of the file; the slices (only
    VIEW_EVENT_FIELDS, rows in file order) are written to one spill file in `directory`."""

    def __init__(self, directory: str, shards: int, compression: str | None = SPILL_COMPRESSION):
        self.directory = directory
        self.shards = shards
        self.compression = compression

    def process(self, element: tuple[str, pa.Table]) -> Iterator[tuple[int, tuple[str, Any]]]:
        path, table = element
        slices = list(shard_slices(table, self.shards))
        if not slices:
            return
        spill, spans = write_spill(
            self.directory, TABLE, [to_ipc(part, self.compression) for _, part in slices]
        )
        for (shard, _), (offset, length) in zip(slices, spans, strict=True):
            yield shard, (TABLE, (path, spill, offset, length))


def _pylist(column: pa.ChunkedArray) -> list[Any]:
    """A column's Python values; strings that repeat share one object (dictionary-decoded)."""
    column = column.combine_chunks()
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        encoded = pc.dictionary_encode(column)
        values = np.array([*encoded.dictionary.to_pylist(), None], dtype=object)
        indices = encoded.indices.fill_null(len(values) - 1)
        return values[indices.to_numpy(zero_copy_only=False)].tolist()
    if pa.types.is_integer(column.type) and column.null_count == 0:
        return column.to_numpy().tolist()
    return column.to_pylist()


def table_events(table: pa.Table) -> list[dict[str, Any]]:
    """The rows of an event table as dicts (the columns of the table, nulls as None)."""
    names = table.column_names
    columns = [_pylist(table.column(name)) for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def read_shard(
    refs: Iterable[tuple[str, Any]],
) -> tuple[pa.Table | None, dict[str, list[tuple[Any, ...]]]]:
    """One shard's spilled data: its events (one table, beacon files in path order, rows of a
    file in file order; None without any) and its other items per view key (compact)."""
    tables: list[tuple[str, str, int, int]] = []
    items: list[tuple[str, int, int]] = []
    for kind, ref in refs:
        (tables if kind == TABLE else items).append(ref)
    tables.sort(key=lambda ref: ref[0])  # by beacon file (stable: one file listed twice)
    events = None
    if tables:
        parts = read_spill([ref[1:] for ref in tables])
        events = pa.concat_tables([from_ipc(data) for data in parts])
    others: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for data in read_spill(sorted(items)):
        for key, compact in pickle.loads(data):
            others[key].append(compact)
    return events, others


def shard_view_chunks(
    events: pa.Table | None, others: Mapping[str, list[tuple[Any, ...]]], chunk_events: int
) -> Iterator[dict[str, list[tuple[str, Any]]]]:
    """One shard's tagged view items per view key, a chunk of views at a time: player events in
    file order, then the view's other items (CMCD reports, CDN requests); views with only other
    items come last. Each chunk holds whole views and about `chunk_events` events (more for a
    single larger view)."""
    done: set[str] = set()
    if events is not None and events.num_rows:
        # rows of a view made contiguous (a stable sort keeps file order within a view)
        views = pc.dictionary_encode(events.column("view_id").combine_chunks())
        codes = views.indices.to_numpy(zero_copy_only=False)
        order = np.argsort(codes, kind="stable")
        codes = codes[order]
        bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True])
        keys = views.dictionary.to_pylist()
        first = 0  # index in bounds of the chunk's first view
        while first < len(bounds) - 1:
            start = int(bounds[first])
            last = int(np.searchsorted(bounds, start + chunk_events, side="right")) - 1
            last = min(max(last, first + 1), len(bounds) - 1)  # at least one view
            end = int(bounds[last])
            # taken a chunk at a time: no second copy of the shard's events
            chunk = events.take(pa.array(order[start:end]))
            tagged = [(EVENT, e) for e in table_events(chunk)]
            del chunk
            by_view: dict[str, list[tuple[str, Any]]] = {}
            for lo, hi in itertools.pairwise(bounds[first : last + 1].tolist()):
                key = keys[codes[lo]]
                items = tagged[lo - start : hi - start]
                if key in others:
                    items.extend(expand_item(c) for c in others[key])
                    done.add(key)
                by_view[key] = items
            del tagged
            yield by_view
            first = last
    rest = sorted(key for key in others if key not in done)
    step = max(1, chunk_events // 8)
    for at in range(0, len(rest), step):
        yield {key: [expand_item(c) for c in others[key]] for key in rest[at : at + step]}


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ComputeShardViewsFn(beam.DoFn):
    """In: (shard, collected references to its spilled data) in the global window. Out: one
    views.v1 row per session of every view key (stamped like a session window's output) and, on
    tag `minutes`, the shard's summed minute contributions (MinuteTotals).

    Reads the spill files and deletes nothing: a retried bundle reads them again."""

    def __init__(
        self,
        gap_seconds: float,
        clock: Callable[[], str] = utc_now,
        chunk_events: int = VIEW_CHUNK_EVENTS,
    ):
        self.gap_ms = int(gap_seconds * 1000)
        self.clock = clock
        self.chunk_events = chunk_events

    def process(self, element: tuple[int, list[Any]]) -> Iterator[Any]:
        _, refs = element
        events, others = read_shard(refs)
        chunks = shard_view_chunks(events, others, self.chunk_events)
        del events
        totals: list[MinuteTotals] = []
        rows_out = cdn_only = 0
        while True:
            # hundreds of thousands of dicts, no cycles: the collector's passes only cost time
            with _collector_paused():
                by_view = next(chunks, None)
                if by_view is None:
                    break
                rows, contributions, chunk_cdn_only = self.views(by_view)
                del by_view
                totals.append(MinuteTotals.of_views(contributions))
            rows_out += len(rows)
            cdn_only += chunk_cdn_only
            yield from rows
        Metrics.counter(METRICS_NAMESPACE, "view_rows").inc(rows_out)
        if cdn_only:
            Metrics.counter(METRICS_NAMESPACE, "cdn_only_sessions").inc(cdn_only)
        yield beam.pvalue.TaggedOutput(MINUTES, MinuteTotals.merge(totals))

    def views(
        self, by_view: Mapping[str, list[tuple[str, Any]]]
    ) -> tuple[list[TimestampedValue], list[tuple[Any, Any]], int]:
        """Rows (timestamped), per-view (pairs, minute sums) and the CDN-only session count."""
        rows: list[TimestampedValue] = []
        contributions: list[tuple[Any, Any]] = []
        cdn_only = 0
        for key in sorted(by_view):
            for session in split_sessions(by_view[key], self.gap_ms):
                built = view_row(
                    session, timing=PaneInfoTiming.ON_TIME, gap_ms=self.gap_ms, clock=self.clock
                )
                if built is None:
                    cdn_only += 1
                    continue
                row, timeline = built
                at_ms = session_timestamp_ms(session, self.gap_ms)
                rows.append(TimestampedValue(row, at_ms / 1000))
                contributions.append((dimension_values(row), minute_sums(timeline)))
        return rows, contributions, cdn_only


class ComputeViewsInShards(beam.PTransform):
    """In: dict with `player_event_table` (PCollection[(path, Arrow table)] of bounded beacon
    files), `player_event` (records from elsewhere, usually none), `cmcd_report` and
    `cdn_request` (deduplicated) records. Out: dict `views` ->
    PCollection[views.v1 row] (global window, stamped at the end of each view's session window)
    and `minutes` -> PCollection[MinuteTotals], one per shard.

    The same rows as SessionizeViews + ComputeViewQoe on a bounded input; see the module
    docstring for how the work is split and spilled. `spill_location`: where the run's spill
    directory goes (the pipeline's --temp_location; None: the local temp directory);
    `compression`: of the spilled Arrow slices (lz4, zstd or None).
    """

    def __init__(
        self,
        gap_seconds: float,
        clock: Callable[[], str] = utc_now,
        shards: int = VIEW_SHARDS,
        spill_location: str | None = None,
        compression: str | None = SPILL_COMPRESSION,
    ):
        super().__init__()
        self.gap_seconds = gap_seconds
        self.clock = clock
        self.shards = shards
        self.spill_location = spill_location
        self.compression = compression
        self.spill_dir: str | None = None  # set by expand

    def expand(self, inputs: Mapping[str, beam.PCollection]) -> dict[str, beam.PCollection]:
        shards = self.shards
        self.spill_dir = spill = new_spill_dir(self.spill_location)
        remove_at_exit(spill)
        tables = inputs["player_event_table"] | "ShardPlayerEventTables" >> beam.ParDo(
            SpillShardSlicesFn(spill, shards, self.compression)
        )
        items = (
            (
                inputs["player_event"] | "KeyPlayerEvents" >> beam.Map(key_player_event),
                inputs["cmcd_report"] | "KeyCmcdReports" >> beam.FlatMap(key_cmcd_report),
                inputs["cdn_request"] | "KeyCdnRequests" >> beam.FlatMap(key_cdn_request),
            )
            | "FlattenViewItems" >> beam.Flatten()
            | "ItemsGlobalWindow" >> ToGlobalWindow()
            | "SpillShardItems" >> beam.ParDo(SpillShardItemsFn(spill, shards))
        )
        result = (
            (tables, items)
            | "FlattenShardItems" >> beam.Flatten()
            | "GlobalWindow" >> ToGlobalWindow()
            | "CollectPerShard" >> beam.CombinePerKey(CollectShardItemsFn())
            | "ComputeShardViewsFn"
            >> beam.ParDo(ComputeShardViewsFn(self.gap_seconds, self.clock)).with_outputs(
                MINUTES, main="views"
            )
        )
        # every shard computed: the spill files are no longer needed (a step after all of them,
        # so a retried shard still finds its files)
        _ = (
            result[MINUTES]
            | "CountComputedShards" >> beam.combiners.Count.Globally()
            | "DeleteSpill" >> beam.Map(delete_spill_dir, spill)
        )
        return {"views": result.views, MINUTES: result[MINUTES]}
