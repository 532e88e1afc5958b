"""Batch views in bulk: player events travel as Arrow shards, views are computed per shard.

The per-element batch path (views.SessionizeViews + ComputeViewQoe) ships every player event as its
own Beam element through a shuffle keyed by view_id. Here each beacon file's events (one Arrow table,
from ReadAndParseFiles(beacon_tables=True)) are split by view key into a handful of shards (a
stable hash of the view_id, so every event, CMCD report and CDN request of a view lands in the same
shard), each shard of a file is one element (Arrow IPC bytes), and the shuffle groups a few shard
keys instead of every event. CMCD reports (key cmcd.sid) and CDN requests carrying CMCD (key
cmcd.sid, already deduplicated) join the same shards through the same keying functions as the
per-element path (views.key_cmcd_report, views.key_cdn_request).

Per shard, ComputeShardViewsFn groups the items per view key and runs the per-element path's own
steps: views.split_sessions (sessions exactly as Beam's Sessions(gap) merges them), views.view_row
(build_view, is_final, version, updated_at) and views.minute_sums; each row is stamped with
views.session_timestamp_ms, as a session window's output would be. The shard's minute
contributions are summed into one aggregates.MinuteTotals before they leave the shard.

Left out: streaming (it stays per message) and early panes (a bounded input has one final pane
per view, as in the per-element batch path).
"""

from __future__ import annotations

import gc
import itertools
import zlib
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

from pipelines import qoe
from pipelines.aggregates import MinuteTotals, dimension_values
from pipelines.transforms.parse import METRICS_NAMESPACE
from pipelines.transforms.views import (
    EVENT,
    MINUTES,
    ToGlobalWindow,
    compact_item,
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

VIEW_SHARDS = 16
TABLE, ITEM = "t", "i"  # a shard element: a file's event table, or one other view item
# The player_event fields build_view reads (qoe.build_timeline: the state machine's fields and
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
            *qoe.DIMENSION_FIELDS,
        )
    )
)


def shard_of(key: str, shards: int) -> int:
    """The shard of a view key: a hash that is the same in every process (CRC-32 of UTF-8)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % shards


def shard_column(keys: pa.Array | pa.ChunkedArray, shards: int) -> np.ndarray:
    """shard_of for every value of a string column, hashing each distinct value once."""
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    encoded = pc.dictionary_encode(keys)
    per_value = np.array(
        [shard_of(key, shards) for key in encoded.dictionary.to_pylist()], dtype=np.int64
    )
    return per_value[encoded.indices.to_numpy(zero_copy_only=False)]


def to_ipc(table: pa.Table) -> bytes:
    """Arrow IPC stream bytes of a table (what a shard element carries through the shuffle)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def from_ipc(data: bytes) -> pa.Table:
    """Inverse of to_ipc."""
    return pa.ipc.open_stream(data).read_all()


def shard_event_table(
    element: tuple[str, pa.Table], shards: int
) -> Iterator[tuple[int, tuple[str, tuple[str, bytes]]]]:
    """(shard, (TABLE, (path, IPC bytes))) for each shard holding events of one file's table;
    only VIEW_EVENT_FIELDS travel, rows in file order."""
    path, table = element
    events = table.select(list(VIEW_EVENT_FIELDS))
    shard = shard_column(events.column("view_id"), shards)
    order = np.argsort(shard, kind="stable")
    ordered = shard[order]
    events = events.take(pa.array(order))
    bounds = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1], True]).tolist()
    for start, end in itertools.pairwise(bounds):
        yield int(ordered[start]), (TABLE, (path, to_ipc(events.slice(start, end - start))))


def shard_keyed(
    keyed: Iterable[tuple[str, tuple[str, Any]]], shards: int
) -> Iterator[tuple[int, tuple[str, Any]]]:
    """(shard, (ITEM, (view key, compact_item(item)))) for each (view key, tagged item) of
    views.key_player_event / key_cmcd_report / key_cdn_request."""
    for key, item in keyed:
        yield shard_of(key, shards), (ITEM, (key, compact_item(item)))


class CollectShardItemsFn(beam.CombineFn):
    """Collect one shard's elements (TABLE or ITEM) in a list; the accumulator crosses the
    shuffle pickled (PickleCoder: bytes and tuples of plain values pickle fast)."""

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


def shard_view_items(items: Iterable[tuple[str, Any]]) -> dict[str, list[tuple[str, Any]]]:
    """Group one shard's collected elements per view key, as tagged view items: player events
    in file order (tables sorted by path), then the other items (CMCD reports, CDN requests)."""
    tables: list[tuple[str, bytes]] = []
    others: list[tuple[str, Any]] = []
    for kind, value in items:
        (tables if kind == TABLE else others).append(value)
    tables.sort(key=lambda t: t[0])
    by_view: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    events = pa.concat_tables([from_ipc(data) for _, data in tables]) if tables else None
    if events is not None and events.num_rows:
        # rows of a view made contiguous (a stable sort keeps file order within a view)
        views = pc.dictionary_encode(events.column("view_id").combine_chunks())
        codes = views.indices.to_numpy(zero_copy_only=False)
        order = np.argsort(codes, kind="stable")
        tagged = [(EVENT, event) for event in table_events(events.take(pa.array(order)))]
        codes = codes[order]
        bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True]).tolist()
        keys = views.dictionary.to_pylist()
        for start, end in itertools.pairwise(bounds):
            by_view[keys[codes[start]]] = tagged[start:end]
    for key, compact in others:
        by_view[key].append(expand_item(compact))
    return by_view


class ComputeShardViewsFn(beam.DoFn):
    """In: (shard, collected items) in the global window. Out: one views.v1 row per session of
    every view key (stamped like a session window's output) and, on tag `minutes`, the shard's
    summed minute contributions (MinuteTotals)."""

    def __init__(self, gap_seconds: float, clock: Callable[[], str] = utc_now):
        self.gap_ms = int(gap_seconds * 1000)
        self.clock = clock

    def process(self, element: tuple[int, list[Any]]) -> Iterator[Any]:
        _, items = element
        enabled = gc.isenabled()
        gc.disable()  # hundreds of thousands of event dicts, no cycles: skip the collector passes
        try:
            rows, contributions, cdn_only = self.views(shard_view_items(items))
        finally:
            if enabled:
                gc.enable()
        Metrics.counter(METRICS_NAMESPACE, "view_rows").inc(len(rows))
        if cdn_only:
            Metrics.counter(METRICS_NAMESPACE, "cdn_only_sessions").inc(cdn_only)
        yield from rows
        yield beam.pvalue.TaggedOutput(MINUTES, MinuteTotals.of_views(contributions))

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
    docstring for how the work is split.
    """

    def __init__(
        self, gap_seconds: float, clock: Callable[[], str] = utc_now, shards: int = VIEW_SHARDS
    ):
        super().__init__()
        self.gap_seconds = gap_seconds
        self.clock = clock
        self.shards = shards

    def expand(self, inputs: Mapping[str, beam.PCollection]) -> dict[str, beam.PCollection]:
        shards = self.shards
        keyed = (
            inputs["player_event_table"]
            | "ShardPlayerEventTables" >> beam.FlatMap(shard_event_table, shards),
            inputs["player_event"]
            | "ShardPlayerEvents"
            >> beam.FlatMap(lambda e: shard_keyed([key_player_event(e)], shards)),
            inputs["cmcd_report"]
            | "ShardCmcdReports" >> beam.FlatMap(lambda r: shard_keyed(key_cmcd_report(r), shards)),
            inputs["cdn_request"]
            | "ShardCdnRequests" >> beam.FlatMap(lambda r: shard_keyed(key_cdn_request(r), shards)),
        )
        result = (
            keyed
            | "FlattenShardItems" >> beam.Flatten()
            | "GlobalWindow" >> ToGlobalWindow()
            | "CollectPerShard" >> beam.CombinePerKey(CollectShardItemsFn())
            | "ComputeShardViewsFn"
            >> beam.ParDo(ComputeShardViewsFn(self.gap_seconds, self.clock)).with_outputs(
                MINUTES, main="views"
            )
        )
        return {"views": result.views, MINUTES: result[MINUTES]}
