"""Cheaper equivalents of four BundleBasedDirectRunner internals it calls per key or bundle.

Same results, less work: a key's state copied without deepcopy, the pane counter's CombineFn
built once, the timer scan skipping keys without timers, and the watermark refresh computing each
pending bundle's lowest timestamp once (Beam re-reads every pending element on every finished
bundle, quadratic once a backlog builds up). Installed by `tune_local_runner`, process-wide, by
replacing methods of Beam classes (`_REPLACED`; Beam's own are kept in `_ORIGINALS`, read at
import, and put back by `tune_local_runner(enabled=False)`); only the local runner calls these
methods (its trigger driver, keyed state and watermark manager). Each replacement's docstring
names the Beam 2.77 code it replaces, what that code does, the upstream reference and when to
delete it. tests/pipelines/test_streaming_semantics.py runs every case with Beam's methods and
with these, expecting the same panes.
"""

from __future__ import annotations

import collections
import copy
from typing import Any

from apache_beam.runners.direct.util import TimerFiring
from apache_beam.runners.direct.watermark_manager import WatermarkManager, _TransformWatermarks
from apache_beam.transforms import trigger
from apache_beam.utils.timestamp import TIME_GRANULARITY, Timestamp

from beam_local_runner.beam_version import check_beam_version


def _copy_state(self: Any) -> Any:
    """Replaces apache_beam/transforms/trigger.py: InMemoryUnmergedState.copy, which
    deep-copies the key's timers and global state on every call; the runner calls it on the first
    access of every key in every bundle (evaluation_context.py: DirectStepContext.get_keyed_state,
    "to avoid partial writes of a bundle"), which made it the runner's largest cost.

    This copy skips deepcopy where it copies nothing more: timers hold immutable Timestamps and
    merging windows' `window_ids` immutable windows and lists of ints, so copying the dicts and
    lists is the same copy. Other global state still goes through deepcopy.

    Upstream issue: none found for this cost (related: apache/beam#3815, BEAM-2718, which made
    the same copy cheaper once). Delete when InMemoryUnmergedState.copy no longer deep-copies
    timers and `window_ids`, or the runner stops copying a key's state on every access."""
    clone = trigger.InMemoryUnmergedState(defensive_copy=self.defensive_copy)
    clone.timers = collections.defaultdict(dict, ((w, dict(t)) for w, t in self.timers.items()))
    window_ids = self.global_state.get("window_ids")
    if type(window_ids) is dict and len(self.global_state) == 1:
        clone.global_state = {"window_ids": {w: list(ids) for w, ids in window_ids.items()}}
    elif not self.global_state:
        clone.global_state = {}
    else:
        clone.global_state = copy.deepcopy(self.global_state)
    for window, tags in self.state.items():
        target = clone.state[window]
        for tag, values in tags.items():
            target[tag] = copy.copy(values)
    return clone


_no_extraction: dict[int, tuple[Any, Any]] = {}
_without_extraction = trigger._CombiningValueStateTag.without_extraction


def _cached_without_extraction(self: Any) -> Any:
    """Replaces apache_beam/transforms/trigger.py: _CombiningValueStateTag.without_extraction,
    which defines a new NoExtractionCombineFn class on every call; MergeableStateAdapter.add_state
    and get_state call it on every access to a combining state (the trigger driver's pane
    counters) of every merging-window key.

    This one makes that CombineFn once per combine_fn (at most 10,000 cached; Beam's path past
    that) and wraps it in a new tag as Beam does.

    Upstream issue: none found; behaviour at trigger.py: _CombiningValueStateTag.without_extraction.
    Delete when Beam builds the no-extraction CombineFn once (or caches it)."""
    hit = _no_extraction.get(id(self.combine_fn))
    if hit is None or hit[0] is not self.combine_fn:
        if len(_no_extraction) >= 10_000:
            return _without_extraction(self)
        hit = _no_extraction[id(self.combine_fn)] = (
            self.combine_fn,
            _without_extraction(self).combine_fn,
        )
    return trigger._CombiningValueStateTag(self.tag, hit[1])


def _extract_transform_timers(self: Any) -> tuple[list[Any], bool]:
    """Replaces apache_beam/runners/direct/watermark_manager.py:
    _TransformWatermarks.extract_transform_timers, which calls `state.get_timers` for every key
    of the step, with or without timers, and reads the clock once per key; the executor's monitor
    task runs it for every stateful step between every two tasks (executor.py:
    _MonitorTask._fire_timers).

    This one skips the keys without a timer (most of them: a session window past its on-time
    pane has none) and reads the clock once per call. Same firings, same flag (per-key clock
    reads differ by microseconds within one scan).

    Upstream issue: none found; behaviour at watermark_manager.py:
    _TransformWatermarks.extract_transform_timers. Delete when Beam keeps timers in a structure
    it can ask for due timers without walking every key."""
    with self._lock:
        fired_timers = []
        has_realtime_timer = False
        watermark, now = self._input_watermark, self._clock.time()
        for encoded_key, state in self._keyed_states.items():
            if not state.timers:
                continue
            timers, had_realtime_timer = state.get_timers(watermark=watermark, processing_time=now)
            if had_realtime_timer:
                has_realtime_timer = True
            for window, (name, time_domain, timestamp, dynamic_timer_tag) in timers:
                fired_timers.append(
                    TimerFiring(
                        encoded_key,
                        window,
                        name,
                        time_domain,
                        timestamp,
                        dynamic_timer_tag=dynamic_timer_tag,
                    )
                )
        self._fired_timers.update(fired_timers)
        return fired_timers, has_realtime_timer


def _pending_minimum(bundle: Any) -> tuple[Timestamp, bool]:
    """(lowest element timestamp, has elements) of a pending bundle, remembered on the bundle once
    it is committed (a committed bundle no longer changes)."""
    cached = bundle.__dict__.get("_streamqoe_minimum")
    if cached is not None:
        return cached
    lowest, has = WatermarkManager.WATERMARK_POS_INF, False
    for wv in bundle.get_elements_iterable():
        has = True
        if wv.timestamp < lowest:
            lowest = wv.timestamp
    if bundle._committed:
        bundle._streamqoe_minimum = (lowest, has)
    return lowest, has


def _refresh(self: Any) -> bool:
    """Replaces apache_beam/runners/direct/watermark_manager.py: _TransformWatermarks.refresh,
    which iterates over every element of every pending bundle on every refresh ("TODO(ccy): we
    can have the Bundle class keep track of the minimum timestamp so we don't have to do an
    iteration here"); with a backlog that is most of the runner's time.

    This one computes each pending bundle's lowest timestamp once (`_pending_minimum`, cached on
    committed bundles through bundle_factory.py: _Bundle's private `_committed`); the rest is
    Beam's code. Same watermarks.

    Upstream: the TODO dates from apache/beam#3322; apache/beam#4117 ("Add get_min_timestamp to
    Bundle", closed unmerged) proposed the same memoisation. Delete when _Bundle tracks its
    minimum timestamp or refresh stops iterating over pending elements."""
    with self._lock:
        min_pending_timestamp = WatermarkManager.WATERMARK_POS_INF
        has_pending_elements = False
        for input_bundle in self._pending:
            lowest, has = _pending_minimum(input_bundle)
            if has:
                has_pending_elements = True
                if lowest < min_pending_timestamp:
                    min_pending_timestamp = lowest
        pending_holder = WatermarkManager.WATERMARK_POS_INF
        if has_pending_elements:
            pending_holder = min_pending_timestamp - TIME_GRANULARITY
        input_watermarks = [tw.output_watermark for tw in self._input_transform_watermarks]
        input_watermarks.append(WatermarkManager.WATERMARK_POS_INF)
        producer_watermark = min(input_watermarks)
        self._input_watermark = max(self._input_watermark, min(pending_holder, producer_watermark))
        earliest_hold = WatermarkManager.WATERMARK_POS_INF
        for hold in self._keyed_earliest_holds.values():
            if hold < earliest_hold:
                earliest_hold = hold
        new_output_watermark = min(self._input_watermark, earliest_hold)
        advanced = new_output_watermark > self._output_watermark
        self._output_watermark = new_output_watermark
        return advanced


_REPLACED = (
    (trigger.InMemoryUnmergedState, "copy", "_copy_state"),
    (trigger._CombiningValueStateTag, "without_extraction", "_cached_without_extraction"),
    (_TransformWatermarks, "extract_transform_timers", "_extract_transform_timers"),
    (_TransformWatermarks, "refresh", "_refresh"),
)
_ORIGINALS = {(cls, name): getattr(cls, name) for cls, name, _ in _REPLACED}


def tune_local_runner(enabled: bool = True) -> None:
    """Replace four Beam internals the BundleBasedDirectRunner calls for every key, state access
    or finished bundle by equivalent, cheaper ones (`_copy_state`, `_cached_without_extraction`,
    `_extract_transform_timers`, `_refresh`), process-wide; `enabled=False` puts Beam's back
    (the tests run the streaming semantics both ways). Only the local runner uses them (its
    trigger driver, keyed state and watermark manager).

    Raises:
        UnsupportedBeamVersion: enabling on a Beam other than SUPPORTED_BEAM_VERSION (nothing
            is replaced). Putting Beam's methods back is always allowed.
    """
    if enabled:
        check_beam_version()
    for cls, name, replacement in _REPLACED:
        setattr(cls, name, globals()[replacement] if enabled else _ORIGINALS[(cls, name)])
