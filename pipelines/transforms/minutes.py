"""Per-minute QoE for live monitoring (qoe_minute.v1), from the views' minute contributions.

A view's contributions to each minute change while it is open (each pane of the view recomputes
them), so EmitMinuteDeltasFn keeps the last contributions of each of the view's session windows in
keyed state and emits only the difference: positive for new playing time, negative to retract
what an earlier pane over-counted (a breakdown value that changed, e.g. the PoP became known, or
two windows of a paused view that merged into one). Summed per minute, the deltas equal the
contributions of the latest pane of each window, so no view is counted twice, and both stretches of
a view paused longer than the gap are counted, as in batch.
AggregateQoePerMinute sums them in one-minute event-time windows per (dimension, value).
SumMinuteTotals does the same for batch's bulk path, whose shards arrive already summed
(aggregates.MinuteTotals, see bulk_views.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.transforms.window import FixedWindows, GlobalWindows, TimestampedValue
from apache_beam.utils.timestamp import Duration, Timestamp
from apache_beam.utils.windowed_value import PaneInfoTiming

from pipelines.transforms.views import ToGlobalWindow, TriggeredComposite, utc_now
from streamqoe.qoe.minutes import (
    MinuteTotals,
    add_minute_delta,
    merge_minute_accumulators,
    new_minute_accumulator,
    qoe_minute_record,
    subtract_contributions,
)
from streamqoe.times import MINUTE_MS

MINUTE_SECONDS = MINUTE_MS // 1000


ViewWindow = tuple[int, int]
MinutePane = tuple[int, ViewWindow, dict[tuple[int, str, str], dict[str, Any]]]


def minute_deltas(
    held: dict[ViewWindow, tuple[int, dict[Any, Any]]], version: int, window: ViewWindow, new: Any
) -> dict[Any, dict[str, Any]] | None:
    """What one pane of a view changes in the minute sums, given the view's panes held so far.

    Args:
        held: window -> (version, contributions) of the latest pane of each of the view's session
            windows seen so far (updated in place).
        version, window, new: the pane's version, session window (start ms, end ms) and minute
            contributions.

    Returns:
        The deltas (new minus everything the pane supersedes), or None for a pane superseded
        itself: an older or equal version of a held window, or a window a held window contains
        (a pane emitted before its window merged into a bigger one, delivered late). A pane
        supersedes the held windows its window contains: its own earlier panes (a session window
        only grows) and the windows it merged (a view paused longer than the gap is two windows
        until an item in the pause bridges them).
    """
    start, end = window
    for (s, e), (v, _) in held.items():
        if (s, e) == window and version <= v:
            return None
        if s <= start and end <= e and (s, e) != window:
            return None
    deltas = new
    for key in [k for k in held if start <= k[0] and k[1] <= end]:
        deltas = subtract_contributions(deltas, held.pop(key)[1])
    held[window] = (version, new)
    return deltas


@beam.typehints.with_input_types(tuple[str, Any])
class EmitMinuteDeltasFn(beam.DoFn):
    """In: (view_id, (version, window, contributions)) in the global window, keyed by view_id.
    Out: ((dimension, value), delta) stamped at the start of the delta's minute.

    State: per session window of the view, the latest pane's version and contributions
    (minute_deltas). Cleared by an event-time timer `expiry_seconds` after the end of the latest
    window: past the window's end + allowed lateness, the grouping step has dropped the window,
    so no pane of it can come any more.
    """

    PANES = ReadModifyWriteStateSpec("panes", PickleCoder())
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, expiry_seconds: float):
        self.expiry_seconds = expiry_seconds

    def process(
        self,
        element: tuple[str, MinutePane],
        panes_state: Any = beam.DoFn.StateParam(PANES),  # noqa: B008 - Beam DoFn parameter idiom
        expiry: Any = beam.DoFn.TimerParam(EXPIRY),  # noqa: B008 - Beam DoFn parameter idiom
    ) -> Iterator[TimestampedValue]:
        _, (version, window, contributions) = element
        held = panes_state.read() or {}
        deltas = minute_deltas(held, version, window, contributions)
        if deltas is None:
            return
        panes_state.write(held)
        latest_end_ms = max(e for _, e in held)
        expiry.set(Timestamp(micros=latest_end_ms * 1000) + Duration(seconds=self.expiry_seconds))
        for (minute_ms, dimension, value), delta in deltas.items():
            yield TimestampedValue(((dimension, value), delta), minute_ms / 1000)

    @on_timer(EXPIRY)
    def expire(
        self,
        panes_state: Any = beam.DoFn.StateParam(PANES),  # noqa: B008 - Beam DoFn parameter idiom
    ) -> None:
        panes_state.clear()


def contributions_by_minute(
    element: tuple[str, MinutePane],
) -> Iterator[tuple[tuple[int, str, str], dict[str, Any]]]:
    """((minute start ms, dimension, value), contribution): the deltas of a view's only pane
    (bounded input, where every window has exactly one pane), keyed with their minute."""
    _, (_, _, contributions) = element
    yield from contributions.items()


class SumMinuteDeltasFn(beam.CombineFn):
    """Sum minute deltas into an accumulator (sums and a multiset of startup times)."""

    def create_accumulator(self) -> dict[str, Any]:
        return new_minute_accumulator()

    def add_input(self, acc: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
        return add_minute_delta(acc, delta)

    def merge_accumulators(self, accs: Any) -> dict[str, Any]:
        return merge_minute_accumulators(accs)

    def extract_output(self, acc: dict[str, Any]) -> dict[str, Any]:
        return acc


def split_minute_key(
    key: tuple[Any, ...], window: Any, dimensions: int
) -> tuple[int, tuple[Any, ...]]:
    """(minute start ms, dimension values) of a per-minute key with `dimensions` values: a batch
    key (minute start ms, *values) in the global window carries its minute; a streaming key is
    the values alone and its minute is the start of its one-minute window."""
    if len(key) == dimensions + 1:
        return key[0], tuple(key[1:])
    return round(window.start.micros / 1000), tuple(key)


class FormatMinuteFn(beam.DoFn):
    """Base of the per-minute row formatters. In: (key, accumulator), the key being (minute start
    ms, *values) in the global window (batch) or the `DIMENSIONS` values in a one-minute window
    (streaming). Out: the row of `minute_record`, with is_final (not an early pane), version
    (pane index) and updated_at (clock)."""

    DIMENSIONS = 2

    def __init__(self, clock: Callable[[], str] = utc_now):
        self.clock = clock

    def process(
        self,
        element: tuple[tuple[Any, ...], dict[str, Any]],
        window: Any = beam.DoFn.WindowParam,
        pane: Any = beam.DoFn.PaneInfoParam,
    ) -> Iterator[dict[str, Any]]:
        key, acc = element
        minute_ms, values = split_minute_key(key, window, self.DIMENSIONS)
        yield self.minute_record(
            minute_ms,
            values,
            acc,
            is_final=pane.timing != PaneInfoTiming.EARLY,
            version=pane.index,
            updated_at=self.clock(),
        )

    def minute_record(
        self, minute_ms: int, values: tuple[Any, ...], acc: dict[str, Any], **pane_fields: Any
    ) -> dict[str, Any]:
        """The row of one minute and key values; `pane_fields` are is_final, version and
        updated_at."""
        raise NotImplementedError


class FormatQoeMinuteFn(FormatMinuteFn):
    """In: ((dimension, value), accumulator) in a one-minute window, or ((minute start ms,
    dimension, value), accumulator) in the global window (batch). Out: a qoe_minute.v1 row."""

    def minute_record(
        self, minute_ms: int, values: tuple[Any, ...], acc: dict[str, Any], **pane_fields: Any
    ) -> dict[str, Any]:
        dimension, value = values
        return qoe_minute_record(
            window_start_ms=minute_ms,
            dimension=dimension,
            dimension_value=value,
            acc=acc,
            **pane_fields,
        )


class AggregateQoePerMinute(TriggeredComposite):
    """In: ComputeViewQoe's `minutes` output, (view_id, (version, window, contributions)).
    Out: PCollection[qoe_minute.v1 row], one-minute fixed windows of event time per (dimension,
    value), early panes every `early_firing_seconds`, late panes up to `allowed_lateness_seconds`,
    accumulating; version = pane index (fixed windows never merge). An unbounded input goes through
    EmitMinuteDeltasFn; a bounded one has one pane per view, so its contributions are used as
    they are (same result, no per-key state)."""

    def expand(self, minutes: beam.PCollection) -> beam.PCollection:
        if minutes.is_bounded:
            # Batch: one pane per view, so its contributions are already the deltas; the minute
            # goes into the key and everything stays in the global window (one final pane per
            # key, through the runner's fast path for the global window).
            return (
                minutes
                | "KeyContributionsByMinute" >> beam.FlatMap(contributions_by_minute)
                | "GlobalWindow" >> ToGlobalWindow()
                | "SumMinuteDeltas" >> beam.CombinePerKey(SumMinuteDeltasFn())
                | "FormatQoeMinuteFn" >> beam.ParDo(FormatQoeMinuteFn(self.clock))
            )
        deltas = (
            minutes
            | "GlobalWindow" >> beam.WindowInto(GlobalWindows())
            | "EmitMinuteDeltasFn"
            >> beam.ParDo(
                EmitMinuteDeltasFn(expiry_seconds=self.allowed_lateness_seconds + MINUTE_SECONDS)
            ).with_input_types(tuple[str, Any])
        )
        return (
            deltas
            | "MinuteWindows" >> self.windowing(FixedWindows(MINUTE_SECONDS), bounded=False)
            | "SumMinuteDeltas" >> beam.CombinePerKey(SumMinuteDeltasFn())
            | "FormatQoeMinuteFn" >> beam.ParDo(FormatQoeMinuteFn(self.clock))
        )


def merged_accumulators(
    element: tuple[Any, Iterable[MinuteTotals]],
) -> Iterator[tuple[tuple[int, str, str], dict[str, Any]]]:
    """((minute start ms, dimension, value), accumulator) for every key of the merged shards'
    totals: what SumMinuteDeltas gives for the same contributions."""
    _, parts = element
    yield from MinuteTotals.merge(parts).accumulators()


class SumMinuteTotals(TriggeredComposite):
    """In: PCollection[MinuteTotals] (bounded; the per-shard sums of ComputeViewsInShards).
    Out: PCollection[qoe_minute.v1 row], one per (minute, dimension, value), formatted by
    FormatQoeMinuteFn as AggregateQoePerMinute does in batch (one final pane per key)."""

    def expand(self, totals: beam.PCollection) -> beam.PCollection:
        return (
            totals
            | "GlobalWindow" >> ToGlobalWindow()
            | "KeyAllShards" >> beam.Map(lambda t: (None, t))
            | "GroupShardTotals" >> beam.GroupByKey()
            | "MergeShardTotals" >> beam.FlatMap(merged_accumulators)
            | "FormatQoeMinuteFn" >> beam.ParDo(FormatQoeMinuteFn(self.clock))
        )
