"""Group each view's telemetry in event time and compute its QoE, early and final.

SessionizeViews keys player events by view_id, CMCD reports by their session id (cmcd.sid, the
view id of CMCD-only players) and CDN requests carrying CMCD by cmcd.sid (for the PoP join), and
groups them in session windows: a view stays open while telemetry keeps coming and closes after
`gap_seconds` of inactivity. ComputeViewQoe turns every pane into a `views` row through the pure
functions of streamqoe/qoe/ (state_machine.py, views.py), plus each view's per-minute contributions for qoe_minute.

Versions: a pane's version is 2 x (elements grouped so far) + 1 for a watermark (on-time or late)
pane, so it grows with every pane of a view even across session merges (Beam's pane index restarts
when session windows merge). is_final is true once the view closed: a closing event (ended, exit,
fatal error) has been seen, or the watermark passed the inactivity gap.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.transforms import trigger
from apache_beam.transforms.window import (
    GlobalWindows,
    Sessions,
    TimestampCombiner,
    TimestampedValue,
)
from apache_beam.utils.windowed_value import PaneInfoTiming

from pipelines.transforms.parse import METRICS_NAMESPACE, event_time_ms
from streamqoe.qoe import cmcd as qoe_cmcd
from streamqoe.qoe.minute_contributions import minute_contributions
from streamqoe.qoe.minutes import MINUTE_SUMS, dimension_values
from streamqoe.qoe.state_machine import build_timeline
from streamqoe.qoe.timeline import Timeline
from streamqoe.qoe.views import view_record
from streamqoe.times import rfc3339_from_float_epoch_ms

EVENT, REPORT, REQUEST = "e", "c", "r"
MINUTES = "minutes"


def utc_now() -> str:
    """The default clock of `updated_at`: now, RFC 3339 UTC with milliseconds."""
    return rfc3339_from_float_epoch_ms(round(datetime.now(UTC).timestamp() * 1000))


def view_trigger(early_firing_seconds: float) -> trigger.TriggerFn:
    """Early panes every `early_firing_seconds` of processing time while open (none when 0, as in
    batch: FnApiRunner has no processing-time clock, and a batch window has one pane anyway), the
    on-time pane when the watermark passes the window, then one late pane per late element."""
    if early_firing_seconds <= 0:
        return trigger.AfterWatermark(late=trigger.AfterCount(1))
    return trigger.AfterWatermark(
        early=trigger.AfterProcessingTime(max(1, round(early_firing_seconds))),
        late=trigger.AfterCount(1),
    )


def qoe_windowing(
    windowfn: Any,
    *,
    bounded: bool,
    early_firing_seconds: float,
    allowed_lateness_seconds: float,
    timestamp_combiner: Any = None,
) -> beam.WindowInto:
    """The WindowInto every composite uses: view_trigger, accumulating, with allowed lateness.

    A bounded input (batch) keeps Beam's default trigger instead: the watermark passes every
    window once, after all input, so each window yields exactly the one on-time pane the triggered
    form would, through the runner's fast path.
    """
    extra = {"timestamp_combiner": timestamp_combiner} if timestamp_combiner else {}
    if bounded:
        return beam.WindowInto(windowfn, **extra)
    return beam.WindowInto(
        windowfn,
        trigger=view_trigger(early_firing_seconds),
        accumulation_mode=trigger.AccumulationMode.ACCUMULATING,
        allowed_lateness=allowed_lateness_seconds,
        **extra,
    )


class TriggeredComposite(beam.PTransform):
    """Base of the composites that window with qoe_windowing: holds `allowed_lateness_seconds`,
    `early_firing_seconds` and the `clock` for updated_at, and builds their WindowInto."""

    def __init__(
        self,
        allowed_lateness_seconds: float,
        early_firing_seconds: float,
        clock: Callable[[], str] = utc_now,
    ):
        super().__init__()
        self.allowed_lateness_seconds = allowed_lateness_seconds
        self.early_firing_seconds = early_firing_seconds
        self.clock = clock

    def windowing(
        self, windowfn: Any, *, bounded: bool, timestamp_combiner: Any = None
    ) -> beam.WindowInto:
        """qoe_windowing(windowfn) with this composite's early firing and lateness."""
        return qoe_windowing(
            windowfn,
            bounded=bounded,
            early_firing_seconds=self.early_firing_seconds,
            allowed_lateness_seconds=self.allowed_lateness_seconds,
            timestamp_combiner=timestamp_combiner,
        )


class TriggeredSessionsComposite(TriggeredComposite):
    """Base of the composites that group keyed elements in session windows with `gap_seconds`
    (window end as the output timestamp) and build one row per pane."""

    def __init__(
        self,
        gap_seconds: float,
        allowed_lateness_seconds: float,
        early_firing_seconds: float,
        clock: Callable[[], str] = utc_now,
    ):
        super().__init__(allowed_lateness_seconds, early_firing_seconds, clock)
        self.gap_seconds = gap_seconds

    def group_in_sessions(
        self, keyed: beam.PCollection, windowfn: Any, *, window_label: str, group_label: str
    ) -> beam.PCollection:
        """In: PCollection[(key, element)]. Out: PCollection[(key, elements)], one per pane of
        `windowfn` (a session WindowFn), steps labelled `window_label` and `group_label`."""
        return (
            keyed
            | window_label
            >> self.windowing(
                windowfn,
                bounded=keyed.is_bounded,
                timestamp_combiner=TimestampCombiner.OUTPUT_AT_EOW,
            )
            | group_label >> beam.GroupByKey()
        )


class ToGlobalWindow(beam.PTransform):
    """Re-window into the global window, keeping timestamps; a no-op (no per-element step) when
    the input is already globally windowed, as bounded inputs usually are."""

    def expand(self, pcoll: beam.PCollection) -> beam.PCollection:
        if isinstance(pcoll.windowing.windowfn, GlobalWindows):
            return pcoll
        return pcoll | "WindowIntoGlobal" >> beam.WindowInto(GlobalWindows())


def pane_version(element_count: int, timing: int) -> int:
    """Version of a pane: 2 x elements so far, +1 for a watermark (non-early) pane."""
    return 2 * element_count + (0 if timing == PaneInfoTiming.EARLY else 1)


def key_player_event(event: Mapping[str, Any]) -> tuple[str, tuple[str, Any]]:
    """(view_id, tagged event)."""
    return event["view_id"], (EVENT, event)


def key_cmcd_report(report: Mapping[str, Any]) -> Iterator[tuple[str, tuple[str, Any]]]:
    """(cmcd.sid, tagged report); reports without a session id join no view and are skipped."""
    sid = (report.get("cmcd") or {}).get("sid")
    if sid:
        yield sid, (REPORT, report)


def key_cdn_request(request: Mapping[str, Any]) -> Iterator[tuple[str, tuple[str, Any]]]:
    """(cmcd.sid, (tag, (cdn, pop, request time ms))) for requests carrying CMCD: only what the
    PoP join needs."""
    sid = (request.get("cmcd") or {}).get("sid")
    if sid:
        yield (
            sid,
            (REQUEST, (request["cdn"], request.get("pop"), event_time_ms("cdn_request", request))),
        )


def item_time_ms(item: tuple[str, Any]) -> int:
    """Event time of a tagged view item, epoch ms."""
    tag, value = item
    if tag == EVENT:
        return value["client_ts_ms"]
    if tag == REPORT:
        return event_time_ms("cmcd_report", value)
    return value[2]


def split_sessions(items: Iterable[tuple[str, Any]], gap_ms: int) -> list[list[tuple[str, Any]]]:
    """Split one key's items into sessions exactly as Beam's Sessions(gap) merges them: a new
    session starts when an item comes `gap_ms` or more after the latest item so far. Items are
    taken in time order (ties keep their order), so each session is in time order too."""
    items = list(items)
    times = [
        value["client_ts_ms"] if tag == EVENT else item_time_ms((tag, value))
        for tag, value in items
    ]
    sessions: list[list[tuple[str, Any]]] = []
    latest = None
    for index in sorted(range(len(items)), key=times.__getitem__):
        at = times[index]
        if latest is None or at >= latest + gap_ms:
            sessions.append([])
        sessions[-1].append(items[index])
        latest = at  # items come in time order: the latest so far
    return sessions


_SHAPES: dict[tuple[str, ...], tuple[str, ...]] = {}


def compact_item(item: tuple[str, Any]) -> tuple[Any, ...]:
    """A view item in a form cheap to ship through a shuffle: a record becomes (tag, its keys,
    its values), the keys tuple shared by every record of the same shape (pickle writes a shared
    object once per accumulator). expand_item restores the item exactly."""
    tag, value = item
    if type(value) is not dict:
        return item
    keys = tuple(value)
    shape = _SHAPES.get(keys)
    if shape is None:
        shape = _SHAPES.setdefault(keys, keys) if len(_SHAPES) < 1024 else keys
    return tag, shape, tuple(value.values())


def expand_item(compact: tuple[Any, ...]) -> tuple[str, Any]:
    """Inverse of compact_item."""
    if len(compact) == 2:
        return compact  # type: ignore[return-value]
    tag, keys, values = compact
    return tag, dict(zip(keys, values, strict=True))


class CollectViewItemsFn(beam.CombineFn):
    """Collect one view's items as compact tuples (compact_item) in a list; the accumulator goes
    through the shuffle pickled (a list of tuples pickles far faster than Beam's generic coder
    encodes dicts). Out: the compact items, in no particular order."""

    def create_accumulator(self) -> list[tuple[Any, ...]]:
        return []

    def add_input(self, acc: list[tuple[Any, ...]], item: tuple[str, Any]) -> list[Any]:
        acc.append(compact_item(item))
        return acc

    def add_inputs(self, acc: list[tuple[Any, ...]], items: Iterable[tuple[str, Any]]) -> list:
        acc.extend(map(compact_item, items))
        return acc

    def merge_accumulators(self, accs: Iterable[list[tuple[Any, ...]]]) -> list[Any]:
        merged: list[tuple[Any, ...]] = []
        for acc in accs:
            merged.extend(acc)
        return merged

    def extract_output(self, acc: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return acc

    def get_accumulator_coder(self) -> beam.coders.Coder:
        return beam.coders.PickleCoder()


def session_timestamp_ms(session: list[tuple[str, Any]], gap_ms: int) -> int:
    """The timestamp Beam gives the output of a session window holding `session` (the end of the
    window - 1 ms, the end being the latest item + the gap), epoch ms. `session` is one of
    split_sessions' sessions (in time order: its last item is the latest)."""
    return item_time_ms(session[-1]) + gap_ms - 1


class SplitViewSessionsFn(beam.DoFn):
    """In: (view_id, all items of the key, compact as CollectViewItemsFn makes them) in the
    global window (bounded input). Out: (view_id, items) per session, stamped like a session
    window's output (session_timestamp_ms)."""

    def __init__(self, gap_seconds: float):
        self.gap_ms = int(gap_seconds * 1000)

    def process(self, element: tuple[str, list[tuple[Any, ...]]]) -> Iterator[TimestampedValue]:
        view_id, compact = element
        items = [expand_item(c) for c in compact]
        for session in split_sessions(items, self.gap_ms):
            at_ms = session_timestamp_ms(session, self.gap_ms)
            yield TimestampedValue((view_id, session), at_ms / 1000)


class SessionizeViews(beam.PTransform):
    """In: dict with `player_event`, `cmcd_report`, `cdn_request` PCollections of records with
    event timestamps. Out: PCollection[(view_id, list of tagged items)] in session windows per
    view (gap `gap_seconds`), early panes every `early_firing_seconds`, on-time pane at the
    watermark, late panes up to `allowed_lateness_seconds`, accumulating. A bounded input (batch)
    gets the same groups from one combine per view_id and a split at the gaps (global window,
    stamped at the session's end), without the merging-window machinery."""

    def __init__(
        self,
        gap_seconds: float,
        allowed_lateness_seconds: float,
        early_firing_seconds: float,
    ):
        super().__init__()
        self.gap_seconds = gap_seconds
        self.allowed_lateness_seconds = allowed_lateness_seconds
        self.early_firing_seconds = early_firing_seconds

    def expand(self, inputs: Mapping[str, beam.PCollection]) -> beam.PCollection:
        keyed = (
            inputs["player_event"] | "KeyPlayerEvents" >> beam.Map(key_player_event),
            inputs["cmcd_report"] | "KeyCmcdReports" >> beam.FlatMap(key_cmcd_report),
            inputs["cdn_request"] | "KeyCdnRequests" >> beam.FlatMap(key_cdn_request),
        )
        flat = keyed | "FlattenViewTelemetry" >> beam.Flatten()
        if all(pc.is_bounded for pc in keyed):
            # Batch: one combine per view_id (lifted: partial lists per bundle before the
            # shuffle), then the session split in Python, as Sessions(gap) would merge.
            return (
                flat
                | "GlobalWindow" >> ToGlobalWindow()
                | "CollectPerView" >> beam.CombinePerKey(CollectViewItemsFn())
                | "SplitViewSessionsFn" >> beam.ParDo(SplitViewSessionsFn(self.gap_seconds))
            )
        return (
            flat
            | "ViewSessionWindows"
            >> qoe_windowing(
                Sessions(self.gap_seconds),
                bounded=False,
                early_firing_seconds=self.early_firing_seconds,
                allowed_lateness_seconds=self.allowed_lateness_seconds,
                timestamp_combiner=TimestampCombiner.OUTPUT_AT_EOW,
            )
            | "GroupByView" >> beam.GroupByKey()
        )


def _dedupe_reports(reports: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    unique: dict[str, Mapping[str, Any]] = {}
    for report in reports:
        unique.setdefault(json.dumps(report["cmcd"], sort_keys=True, default=str), report)
    return list(unique.values())


def _mode(values: Iterable[str | None]) -> str | None:
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def build_view(
    items: Iterable[tuple[str, Any]], *, watermark_closed: bool, gap_ms: int
) -> tuple[dict[str, Any], Timeline] | None:
    """Compute one view's row (without is_final/version/updated_at) from its tagged items.

    Player events win over CMCD reports of the same view (a player may send both); duplicates are
    removed here (identity (view_id, sequence_number), or the CMCD keys). The view is closed by a
    closing event or, when `watermark_closed`, by inactivity. PoP and (when the player did not
    say) CDN are the ones that served most of the view's requests.

    Returns:
        (row, timeline), or None when only CDN requests were grouped (requests whose player
        telemetry fell in another session, e.g. a skewed client clock: nothing to report).
    """
    events, reports, requests = [], [], []
    for tag, value in items:
        (events if tag == EVENT else reports if tag == REPORT else requests).append(value)
    if events:
        timeline = build_timeline(events, closed=watermark_closed, inactivity_gap_ms=gap_ms)
        row = view_record(timeline, source="beacon")
    elif reports:
        timeline = qoe_cmcd.build_timeline_from_cmcd(
            _dedupe_reports(reports), closed=watermark_closed, inactivity_gap_ms=gap_ms
        )
        row = view_record(timeline, source="cmcd")
    else:
        return None
    row["pop"] = _mode(pop for _, pop, _ in requests)
    if row.get("cdn") is None:
        row["cdn"] = _mode(cdn for cdn, _, _ in requests)
    return row, timeline


def minute_sums(timeline: Timeline) -> list[tuple[int, dict[str, Any]]]:
    """Return the view's non-zero contributions to each minute, as (minute start ms,
    contribution): the MINUTE_SUMS of streamqoe.qoe.minutes and `startup_times_ms` (startup time
    -> 1 in the minute of the first frame). The same for every breakdown of the view."""
    out: list[tuple[int, dict[str, Any]]] = []
    for minute in minute_contributions(timeline):
        contribution = {name: minute[name] for name in MINUTE_SUMS}
        startup = minute["video_startup_time_ms"]
        contribution["startup_times_ms"] = (
            {startup: 1} if minute["video_starts"] and startup is not None else {}
        )
        if any(contribution.values()):
            out.append((minute["window_start_ms"], contribution))
    return out


def view_minute_contributions(
    row: Mapping[str, Any], timeline: Timeline
) -> dict[tuple[int, str, str], dict[str, Any]]:
    """Return the view's qoe_minute contributions keyed (minute start ms, dimension, value):
    minute_sums under each of the view's breakdowns (streamqoe.qoe.minutes.dimension_values)."""
    out: dict[tuple[int, str, str], dict[str, Any]] = {}
    pairs = dimension_values(row)
    for minute_ms, contribution in minute_sums(timeline):
        for dimension, value in pairs:
            out[(minute_ms, dimension, value)] = contribution
    return out


def view_row(
    items: list[tuple[str, Any]], *, timing: int, gap_ms: int, clock: Callable[[], str]
) -> tuple[dict[str, Any], Timeline] | None:
    """The views.v1 row of one pane of a view (all its tagged items so far, `timing` the pane's
    PaneInfoTiming) and its timeline: build_view, then is_final, version (pane_version) and
    updated_at (`clock`). None when only CDN requests were grouped (see build_view)."""
    built = build_view(items, watermark_closed=timing != PaneInfoTiming.EARLY, gap_ms=gap_ms)
    if built is None:
        return None
    row, timeline = built
    row.update(
        is_final=row.get("close_reason") is not None, version=pane_version(len(items), timing)
    )
    row["updated_at"] = clock()
    return row, timeline


def view_window_ms(items: Iterable[tuple[str, Any]], gap_ms: int) -> tuple[int, int]:
    """The session window of a view's items, epoch ms: [earliest item, latest item + gap), the
    window Beam's Sessions(gap) gives them (streaming) and split_sessions reproduces (batch)."""
    times = [item_time_ms(item) for item in items]
    return min(times), max(times) + gap_ms


class ComputeViewQoeFn(beam.DoFn):
    """In: (view_id, tagged items) from SessionizeViews, one pane. Out: a views.v1 row (main
    output) and, on tag `minutes`, (view_id, (version, window, contributions)) for
    AggregateQoePerMinute, `window` being the row's (window start ms, window end ms).
    """

    def __init__(self, gap_seconds: float, clock: Callable[[], str] = utc_now):
        self.gap_ms = int(gap_seconds * 1000)
        self.clock = clock

    def process(
        self,
        element: tuple[str, Iterable[tuple[str, Any]]],
        pane: Any = beam.DoFn.PaneInfoParam,
    ) -> Iterator[Any]:
        view_id, grouped = element
        items = list(grouped)
        built = view_row(items, timing=pane.timing, gap_ms=self.gap_ms, clock=self.clock)
        if built is None:
            Metrics.counter(METRICS_NAMESPACE, "cdn_only_sessions").inc()
            return
        row, timeline = built
        Metrics.counter(METRICS_NAMESPACE, "view_rows").inc()
        yield row
        contributions = view_minute_contributions(row, timeline)
        window = view_window_ms(items, self.gap_ms)
        yield beam.pvalue.TaggedOutput(MINUTES, (view_id, (row["version"], window, contributions)))


class ComputeViewQoe(beam.PTransform):
    """In: SessionizeViews output. Out: dict `views` -> PCollection[views row] (session windows,
    timestamp at the end of the view's window) and `minutes` -> PCollection[(view_id, (version,
    window, contributions))]."""

    def __init__(self, gap_seconds: float, clock: Callable[[], str] = utc_now):
        super().__init__()
        self.gap_seconds = gap_seconds
        self.clock = clock

    def expand(self, grouped: beam.PCollection) -> dict[str, beam.PCollection]:
        result = grouped | "ComputeViewQoeFn" >> beam.ParDo(
            ComputeViewQoeFn(self.gap_seconds, self.clock)
        ).with_outputs(MINUTES, main="views")
        return {"views": result.views, MINUTES: result[MINUTES]}
