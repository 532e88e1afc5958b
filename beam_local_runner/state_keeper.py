"""Housekeeping of the BundleBasedDirectRunner's in-memory state, and a count of it.

What Beam 2.77 does, three things that make the local runner's state grow with every view ever
processed and its timer scan with it:

- Windows are never cleared unless their trigger finishes. apache_beam/transforms/trigger.py:
  GeneralTriggerDriver.process_elements ignores new elements of a window once the input
  watermark passes its end + allowed lateness ("ignore expired windows") but keeps the window's
  state; GeneralTriggerDriver._output clears it only when the trigger finishes ("TODO(robertwb):
  allowed lateness"), and ours fire late panes, so they never do. There is no garbage-collection
  timer at end + allowed lateness as Java's ReduceFnRunner has.
- Keys are never forgotten. apache_beam/runners/direct/evaluation_context.py:
  DirectStepContext.get_keyed_state creates a DirectUnmergedState for every key it is asked for
  in the step's entry of EvaluationContext._transform_keyed_states, and nothing removes one (an
  empty state object per view, viewer and request id ever seen).
- Every key's timers are scanned between every two tasks. apache_beam/runners/direct/executor.py:
  _ExecutorServiceParallelExecutor._MonitorTask._fire_timers calls
  EvaluationContext.extract_all_timers, which walks every key of every stateful step
  (watermark_manager.py: _TransformWatermarks.extract_transform_timers), and fires whatever is
  due at once (30 s after a long bundle: every open view's early pane).

What the fix does: `LocalStateKeeper` (installed by `keep_state` on one run) wraps that run's
`EvaluationContext.extract_all_timers` (an attribute of the private `result._evaluation_context`):
it looks for due timers every LOCAL_TIMER_SECONDS and fires at most LOCAL_TIMER_MAX_FIRINGS at a
time; every LOCAL_HOUSEKEEPING_SECONDS it expires the windows Beam already ignores, prunes empty
keys and counts what is held (`HeldState`). Dataflow clears its state itself.

Upstream: none found for the three behaviours above (behaviour at trigger.py:
GeneralTriggerDriver._output, evaluation_context.py: DirectStepContext.get_keyed_state,
executor.py: _MonitorTask._fire_timers). Related, both open: apache/beam#18642 (the Python
DirectRunner's memory grows in a long streaming run) and apache/beam#21260 (the Python
DirectRunner does nothing at a window's garbage-collection time).

Delete when Beam's Python trigger driver (or the local runner) clears a window's state once the
watermark passes its end + allowed lateness and forgets empty keys, and the timer look no longer
walks every key after every task; or when local streaming moves to a runner that needs no fix
(beam_version.py).
"""

from __future__ import annotations

import logging
import time
import weakref
from dataclasses import dataclass
from typing import Any

from apache_beam.runners.direct import executor as direct_executor
from apache_beam.runners.direct.direct_runner import _StreamingGroupAlsoByWindow
from apache_beam.runners.runner import PipelineResult
from apache_beam.utils.timestamp import Duration, Timestamp

from beam_local_runner.beam_version import check_beam_version

logger = logging.getLogger(__name__)

# How often LocalStateKeeper looks for due timers (the runner looks between every two tasks,
# scanning every key's timers each time; early panes fire up to this much late) ...
LOCAL_TIMER_SECONDS = 2.0
# ... and fires at most this many of them at a time (the earliest first), so that a burst of early
# panes (every open view's, 30 s after the same bundle) does not hold up the reads for seconds.
LOCAL_TIMER_MAX_FIRINGS = 1000
# How often it expires, prunes and counts.
LOCAL_HOUSEKEEPING_SECONDS = 10.0


@dataclass(frozen=True)
class StepState:
    """What the local runner holds for one stateful step.

    Attributes:
        keys: per-key state objects.
        windows: windows with state (GroupByKey: session / minute windows; stateful DoFns: the
            global window of each key holding a value).
        values: state values (GroupByKey: buffered elements, pane counters, holds; stateful
            DoFns: one per state cell).
        timers: timers set.
        elements: elements buffered by a GroupByKey (part of `values`).
    """

    keys: int = 0
    windows: int = 0
    values: int = 0
    timers: int = 0
    elements: int = 0


@dataclass(frozen=True)
class HeldState:
    """A count of the local runner's held state, per stateful step (full label)."""

    at: float
    steps: dict[str, StepState]
    expired_windows: int = 0
    pruned_keys: int = 0
    seconds: float = 0.0

    def total(self) -> StepState:
        """All steps summed."""
        fields = ("keys", "windows", "values", "timers", "elements")
        return StepState(
            **{f: sum(getattr(step, f) for step in self.steps.values()) for f in fields}
        )


def _values_of(state: Any) -> tuple[int, int, int]:
    """(windows, values, GroupByKey elements) held in one runner key state."""
    windows = values = elements = 0
    for tags in state.state.values():
        held = 0
        for tag, value in tags.items():
            n = len(value) if isinstance(value, list) else 1
            held += n
            if tag == "elements":
                elements += n
        if held:
            windows += 1
            values += held
    return windows, values, elements


def _is_empty(state: Any) -> bool:
    """Whether a runner key state holds nothing: no timer, no value (reads leave empty lists
    behind), no window (merging windows keep theirs in `window_ids`)."""
    if any(state.timers.values()):
        return False
    for tag, value in state.global_state.items():
        if tag != "window_ids" or value:
            return False
    return all(value == [] for tags in state.state.values() for value in tags.values())


def _expire_windows(state: Any, input_watermark: Timestamp, lateness: Duration) -> int:
    """Drop the windows of one GroupByKey key state that Beam itself ignores from now on
    (input watermark > window end + allowed lateness: trigger.py:
    GeneralTriggerDriver.process_elements drops their elements, yet keeps their state) with
    their state and timers; return how many. Reads the merging-window layout of 2.77's
    MergeableStateAdapter (global state `window_ids`: window -> state ids).

    A record within the allowed lateness can never land in (or merge with) such a window, since
    ParseUnits dead-letters records later than the lateness by publish time and the watermark
    never passes an unprocessed publish time.
    """
    window_ids = state.global_state.get("window_ids")
    if not window_ids:
        return 0
    expired = 0
    for window, ids in list(window_ids.items()):
        if input_watermark > window.end + lateness:
            for window_id in ids:
                state.state.pop(window_id, None)
                state.timers.pop(window_id, None)
            del window_ids[window]
            expired += 1
    return expired


class LocalStateKeeper:
    """Housekeeping of the BundleBasedDirectRunner's in-memory state, and a count of it.

    Hooked on the evaluation context's timer extraction, which the runner's monitor task calls
    between every two tasks, in the runner's single worker thread:

    - due timers are looked for every `timer_seconds` instead of between every two tasks: each
      look scans the timers of every key of every stateful step, and panes fired together travel
      downstream (and into the sinks) as one bundle instead of many small ones; at most
      `max_firings` of them fire at a time (the earliest; the rest stay due for the next look),
      so the runner reads Pub/Sub in between;
    - every `interval_seconds`, with `collect_garbage`: drops GroupByKey windows past end +
      allowed lateness (`_expire_windows`; Beam's Python trigger driver never clears a window
      whose trigger keeps firing late panes), deletes key states that hold nothing (the runner
      never forgets a key); keys with fired timers still queued are left alone;
    - every `interval_seconds`, always: records a HeldState (`latest`).
    """

    def __init__(
        self,
        result: PipelineResult,
        *,
        collect_garbage: bool = True,
        interval_seconds: float = LOCAL_HOUSEKEEPING_SECONDS,
        timer_seconds: float = LOCAL_TIMER_SECONDS,
        max_firings: int = LOCAL_TIMER_MAX_FIRINGS,
    ):
        self.context = result._evaluation_context  # type: ignore[attr-defined]
        self.collect_garbage = collect_garbage
        self.interval_seconds = interval_seconds
        self.timer_seconds = timer_seconds
        self.max_firings = max_firings
        self.deferred_firings = 0
        self.latest: HeldState | None = None
        self.expired_windows = 0
        self.pruned_keys = 0
        self.errors = 0
        self._due = 0.0
        self._timers_due = 0.0

    def install(self) -> LocalStateKeeper:
        """Hook into the runner (once): replace the run's `EvaluationContext.extract_all_timers`
        (instance attribute) by one that batches and housekeeps. Refused unless the runner runs
        one worker thread (executor.py: _ExecutorServiceParallelExecutor.NUM_WORKERS, 1 in 2.77):
        the housekeeping mutates key states the runner's worker would otherwise be reading.

        Raises:
            UnsupportedBeamVersion: Beam is not SUPPORTED_BEAM_VERSION (nothing is hooked).
        """
        check_beam_version()
        if direct_executor._ExecutorServiceParallelExecutor.NUM_WORKERS != 1:
            logger.warning("local state housekeeping needs a single runner worker: not installed")
            return self
        extract = self.context.extract_all_timers

        def extract_all_timers() -> Any:
            now = time.monotonic()
            if now < self._timers_due:
                return [], True  # (fired timers, any processing-time timer): look again soon
            self._timers_due = now + self.timer_seconds
            self.maybe_run()
            fired, realtime = extract()
            return self.limit(fired), realtime

        self.context.extract_all_timers = extract_all_timers
        return self

    def limit(self, fired: list[tuple[Any, list[Any]]]) -> list[tuple[Any, list[Any]]]:
        """The earliest `max_firings` of the due timers (per step, as the runner sorted them).
        The others stay set in their key's state (the runner removes a timer from there only
        when it processes the firing), so the next look finds them again; they are taken off the
        step's in-flight set, which the extraction filled."""
        total = sum(len(firings) for _, firings in fired)
        if total <= self.max_firings:
            return fired
        cut = sorted(f.timestamp for _, firings in fired for f in firings)[self.max_firings - 1]
        kept, room = [], self.max_firings
        watermarks = self.context._watermark_manager
        for applied, firings in fired:
            chosen = [f for f in firings if f.timestamp <= cut][:room]
            room -= len(chosen)
            if chosen:
                kept.append((applied, chosen))
            if len(chosen) < len(firings):
                tw = watermarks.get_watermarks(applied)
                with tw._lock:
                    tw._fired_timers.difference_update(firings[len(chosen) :])
        self.deferred_firings += total - self.max_firings + room
        return kept

    def maybe_run(self) -> None:
        """Run a pass when one is due; never let housekeeping fail the pipeline."""
        now = time.monotonic()
        if now < self._due:
            return
        self._due = now + self.interval_seconds
        try:
            self.run_once()
        except Exception:  # housekeeping must never stop the runner
            self.errors += 1
            logger.exception("local state housekeeping failed")

    def run_once(self) -> HeldState:
        """Expire, prune and count once; return (and keep as `latest`) the count."""
        started = time.monotonic()
        watermarks = self.context._watermark_manager
        steps: dict[str, StepState] = {}
        for applied, states in self.context._transform_keyed_states.items():
            if not states:
                continue
            tw = watermarks.get_watermarks(applied)
            busy = {firing.encoded_key for firing in tw._fired_timers}
            gbk = isinstance(applied.transform, _StreamingGroupAlsoByWindow)
            lateness = Duration.of(applied.transform.windowing.allowed_lateness) if gbk else None
            input_watermark = tw.input_watermark
            keys = windows = values = timers = elements = 0
            for key in list(states):
                state = states[key]
                if self.collect_garbage and key not in busy:
                    if lateness is not None:
                        expired = _expire_windows(state, input_watermark, lateness)
                        if expired:
                            self.expired_windows += expired
                            tw.hold({key: state.get_earliest_hold()})
                    if _is_empty(state):
                        del states[key]
                        self.pruned_keys += 1
                        continue
                keys += 1
                w, v, e = _values_of(state)
                windows, values, elements = windows + w, values + v, elements + e
                timers += sum(len(t) for t in state.timers.values())
            steps[applied.full_label] = StepState(keys, windows, values, timers, elements)
        self.latest = HeldState(
            time.time(),
            steps,
            self.expired_windows,
            self.pruned_keys,
            time.monotonic() - started,
        )
        return self.latest


_keepers: weakref.WeakKeyDictionary[PipelineResult, LocalStateKeeper] = weakref.WeakKeyDictionary()


def keep_state(result: PipelineResult, *, collect_garbage: bool = True) -> LocalStateKeeper | None:
    """Install a LocalStateKeeper on a BundleBasedDirectRunner run (None for other runners);
    `collect_garbage=False` only counts (Beam's own behaviour).

    Raises:
        UnsupportedBeamVersion: Beam is not SUPPORTED_BEAM_VERSION (nothing is installed).
    """
    if not hasattr(result, "_evaluation_context"):
        return None
    check_beam_version()
    keeper = _keepers[result] = LocalStateKeeper(result, collect_garbage=collect_garbage).install()
    return keeper


def local_state_keeper(result: PipelineResult) -> LocalStateKeeper | None:
    """The LocalStateKeeper installed on a local run (keep_state), if any."""
    return _keepers.get(result)
