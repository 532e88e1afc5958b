"""Cheaper equivalents of four BundleBasedDirectRunner internals it calls per key or bundle.

Same results, less work: a key's state copied without deepcopy, the pane counter's CombineFn
built once, the timer scan skipping keys without timers, and the watermark refresh computing each
pending bundle's lowest timestamp once (Beam re-reads every pending element on every finished
bundle, quadratic once a backlog builds up). Installed by `tune_local_runner`, once per process;
only the local runner calls these (its trigger driver, keyed state and watermark manager).
"""

from __future__ import annotations

import collections
import copy
from typing import Any

from apache_beam.runners.direct.util import TimerFiring
from apache_beam.runners.direct.watermark_manager import WatermarkManager, _TransformWatermarks
from apache_beam.transforms import trigger
from apache_beam.utils.timestamp import TIME_GRANULARITY, Timestamp


def _copy_state(self: Any) -> Any:
    """InMemoryUnmergedState.copy without deepcopy: timers hold immutable Timestamps and merging
    windows' `window_ids` immutable windows and lists of ints, so copying the dicts and lists is
    the same copy (the runner copies a key's state on every access; deepcopy made it the
    runner's largest cost). Other global state still goes through deepcopy."""
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
    """_CombiningValueStateTag.without_extraction, whose CombineFn (a class built on every call,
    i.e. on every pane-counter access of every key) is made once per combine_fn."""
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
    """_TransformWatermarks.extract_transform_timers, skipping the keys without a timer (most of
    them: a session window past its on-time pane has none) and reading the clock once per call
    instead of once per key. Same firings, same flag."""
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
    """_TransformWatermarks.refresh with each pending bundle's lowest timestamp computed once
    (Beam re-reads every element of every pending bundle on every refresh, its own TODO; with a
    backlog that is most of the runner's time). Same watermarks."""
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
    trigger driver, keyed state and watermark manager)."""
    for cls, name, replacement in _REPLACED:
        setattr(cls, name, globals()[replacement] if enabled else _ORIGINALS[(cls, name)])
