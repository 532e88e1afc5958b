"""Compute the QoE figures of one view from its player events: pure functions, no Beam, no clock.

The flow for one view (all events share a view_id):

    order_events(events)            dedupe by sequence_number, sort by (client_ts_ms, sequence_number)
    build_timeline(events, ...)     one pass of a small state machine -> Timeline: state intervals
                                    (starting, playing, paused, seeking, rebuffering) plus the point
                                    events that metrics count (first frame, rebuffer and seek starts,
                                    bitrate switches, the close)
    <metric>(timeline)              one function per metric, named as its column in view.v1
    view_record(timeline, ...)      the view.v1 record minus the pipeline-owned fields
    minute_contributions(timeline)  the view's share of each one-minute window, for qoe_minute

`compute_view(events, ...)` chains the first three. CMCD v2 event reports are mapped onto the same
event vocabulary by `streamqoe.qoe.cmcd`, so a CMCD view goes through the same state machine and gets
the same figures. Scores live in `streamqoe.qoe.scores`. Definitions, sources and edge cases of every
figure: docs/metrics.md (one heading per metric, named as the column).

Times are the client's clock in epoch milliseconds; durations are differences of client timestamps,
so a constant clock offset cancels out. Nothing here corrects skew between clients.

Deliberately left out: keys, windows, watermarks and state (the Beam layer decides when a view is
closed and passes `closed=True`), the pipeline-owned view fields (`is_final`, `version`,
`updated_at`, `pop`), ads, and any I/O.

Speed: these functions run once per view over every event of the batch pipeline, so the per-event
paths are kept lean (bench/qoe_bench.py measures them against a bare json.loads): each event dict is
read once for ordering and once by the state machine, which decides the common event (a heartbeat
at the current rendition) inline; per-state totals are summed once per timeline; each interval is
split into minutes once (not every minute times every interval); timestamps are formatted without
datetime arithmetic. The definitions are those of docs/metrics.md, unchanged; where a faster form
replaces a plain one, the docstring gives the plain one it equals.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any

from streamqoe.qoe import scores

logger = logging.getLogger(__name__)

INACTIVITY_GAP_MS = 120_000
"""A view with no event for longer than this is closed at its last event (heartbeats come every
10 s, so 12 missed heartbeats)."""
MINUTE_MS = 60_000
"""Width of the live-monitoring windows of qoe_minute."""
VIEW_SCHEMA_VERSION = "1.0"
"""schema_version written on view records (schemas/view.v1.json)."""
PIPELINE_OWNED_FIELDS = ("is_final", "version", "updated_at", "pop")
"""view.v1 fields this module does not fill: the pipeline adds them."""
ERROR_CODE_MAX_CHARS = 128
"""view.v1 error_code maxLength; a longer code (a CMCD ec list) is cut."""
CLOSE_REASONS = ("exit", "ended", "fatal_error", "inactivity")
"""Allowed values of close_reason (view.v1)."""
DIMENSION_FIELDS = (
    "session_id",
    "viewer_id",
    "content_id",
    "content_title",
    "stream_type",
    "cdn",
    "country",
    "asn",
    "isp",
    "device_type",
    "os_name",
    "browser_name",
    "player_name",
    "player_version",
    "app_name",
)
"""Descriptive view fields copied from the events: the first non-null value in event order."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_MS = 86_400_000
_YEAR_10000_MS = 253_402_300_800_000
"""Epoch ms of 10000-01-01: below it (and from 1970 on) a date has exactly four year digits."""


class State(StrEnum):
    """What the player was doing during an interval of the timeline."""

    STARTING = "starting"
    """From the view's first event (normally play_request) to the first frame."""
    PLAYING = "playing"
    """Frames advancing."""
    PAUSED = "paused"
    """Paused by the viewer (CMCD `a`, and `w` waiting)."""
    SEEKING = "seeking"
    """From a seek to playback restarting: seek buffering, never rebuffering."""
    REBUFFERING = "rebuffering"
    """The buffer ran dry after the first frame (a stall not caused by a seek)."""


@dataclass(frozen=True, init=False)
class StateInterval:
    """One stretch of constant state and rendition, [start_ms, end_ms) in client epoch ms."""

    state: State
    start_ms: int
    end_ms: int
    bitrate_kbps: int | None
    height: int | None

    def __init__(
        self, state: State, start_ms: int, end_ms: int, bitrate_kbps: int | None, height: int | None
    ) -> None:
        # Written out: the generated __init__ of a frozen dataclass sets each field through
        # object.__setattr__, at twice the cost, and a timeline makes one interval per change.
        fields = self.__dict__
        fields["state"] = state
        fields["start_ms"] = start_ms
        fields["end_ms"] = end_ms
        fields["bitrate_kbps"] = bitrate_kbps
        fields["height"] = height

    @property
    def duration_ms(self) -> int:
        """Length of the interval, ms."""
        return self.end_ms - self.start_ms


@dataclass(frozen=True, init=False)
class BitrateSwitch:
    """A change of the playing rendition's bitrate after the first frame."""

    at_ms: int
    from_kbps: int
    to_kbps: int

    def __init__(self, at_ms: int, from_kbps: int, to_kbps: int) -> None:
        # Written out, as StateInterval's: one switch per bitrate change.
        fields = self.__dict__
        fields["at_ms"] = at_ms
        fields["from_kbps"] = from_kbps
        fields["to_kbps"] = to_kbps


@dataclass(frozen=True)
class Timeline:
    """The internal timeline of one view: every metric is computed from this and nothing else.

    Intervals cover [start_ms, end_ms) without gaps or overlaps; `end_ms` is the close time when the
    view is closed (`close_reason` set), else the last event's time.
    """

    view_id: str
    start_ms: int
    end_ms: int
    last_event_ms: int
    event_count: int
    intervals: tuple[StateInterval, ...]
    play_request_ms: int | None = None
    first_frame_ms: int | None = None
    player_startup_ms: int | None = None
    rebuffer_starts_ms: tuple[int, ...] = ()
    seek_starts_ms: tuple[int, ...] = ()
    bitrate_switches: tuple[BitrateSwitch, ...] = ()
    close_reason: str | None = None
    error_code: str | None = None
    dropped_frames: int | None = None
    decoded_frames: int | None = None
    top_bitrate_kbps: int | None = None
    dimensions: Mapping[str, Any] = field(default_factory=dict)

    def time_in(self, state: State) -> int:
        """Total time spent in `state`, ms.

        Same as `sum(i.duration_ms for i in self.intervals if i.state is state)`, from totals summed
        once per timeline (view_record asks for three states).
        """
        if type(state) is not State:  # not a member: no interval `is` it (the plain definition)
            return sum(i.duration_ms for i in self.intervals if i.state is state)
        return self._time_per_state.get(state, 0)

    @cached_property
    def _time_per_state(self) -> dict[State, int]:
        """Total duration per state, ms, over the intervals in order (intervals are immutable)."""
        totals: dict[State, int] = {}
        for interval in self.intervals:
            state = interval.state
            if type(state) is State:
                totals[state] = totals.get(state, 0) + (interval.end_ms - interval.start_ms)
        return totals


# --------------------------------------------------------------------------------------------------
# Ordering and the state machine


def order_events(events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Dedupe one view's events by sequence_number (first kept) and sort them.

    Args:
        events: player_event dicts of one view, in any order, possibly repeated.

    Returns:
        The distinct events sorted by (client_ts_ms, sequence_number).
    """
    return [event for _, _, event in _timed_events(events)]


def _timed_events(events: Iterable[Mapping[str, Any]]) -> list[tuple[Any, Any, Mapping[str, Any]]]:
    """order_events as sorted (client_ts_ms, sequence_number, event) triples.

    One pass reads each event's sequence_number (the first copy is kept) and time, so each event
    dict is looked into once here (they are large and scattered in memory). (client_ts_ms,
    sequence_number) is unique among the kept triples, so the sort never compares two events and
    gives the order of sorting the distinct events by that key. A missing field is left to
    `_timed_events_plain`, which raises what the plain definition raises.
    """
    distinct: dict[Any, tuple[Any, Any, Mapping[str, Any]]] = {}
    if not isinstance(events, list | tuple):
        events = list(events)
    try:
        for event in events:
            number = event["sequence_number"]
            if number not in distinct:
                distinct[number] = (event["client_ts_ms"], number, event)
    except KeyError:
        return _timed_events_plain(events)
    return sorted(distinct.values())


def _timed_events_plain(
    events: Iterable[Mapping[str, Any]],
) -> list[tuple[Any, Any, Mapping[str, Any]]]:
    """_timed_events the plain way: dedupe in input order, then sort by (time, number)."""
    distinct: dict[Any, Mapping[str, Any]] = {}
    for event in events:
        number = event["sequence_number"]
        if number not in distinct:
            distinct[number] = event
    ordered = sorted(distinct.values(), key=lambda e: (e["client_ts_ms"], e["sequence_number"]))
    return [(e["client_ts_ms"], e["sequence_number"], e) for e in ordered]


class _TimelineBuilder:
    """Replay ordered events through the player state machine (docs/metrics.md#the-timeline)."""

    def __init__(self, start_ms: int) -> None:
        self.intervals: list[StateInterval] = []
        self.state = State.STARTING
        self.since_ms = start_ms
        self.bitrate_kbps: int | None = None
        self.height: int | None = None
        # Where `resume` goes: PLAYING, or REBUFFERING when the pause interrupted a stall.
        self.resume_to = State.PLAYING
        self.after_seek = State.PLAYING  # where `seek_end` goes: PAUSED if the seek began paused
        self.awaiting_seek_recovery = False  # a seek started and playback has not restarted since
        # Time of a seek_end whose effect the next event decides (see replay).
        self.pending_seek_end_ms: int | None = None
        self.play_request_ms: int | None = None
        self.first_frame_ms: int | None = None
        self.player_startup_ms: int | None = None
        self.rebuffer_starts: list[int] = []
        self.seek_starts: list[int] = []
        self.switches: list[BitrateSwitch] = []
        self.terminal: str | None = None
        self.error_code: str | None = None
        self.dropped_frames: int | None = None
        self.decoded_frames: int | None = None

    @property
    def started(self) -> bool:
        return self.first_frame_ms is not None

    def _set_state(self, at_ms: int, state: State) -> None:
        """Move to `state` at `at_ms` (same rendition), closing the current interval.

        States are State members, so `is` is their equality.
        """
        if state is self.state:
            return
        self._close_interval(at_ms)
        self.state = state

    def _set_rendition(self, at_ms: int, bitrate_kbps: int | None, height: int | None) -> None:
        """Move to a rendition at `at_ms` (same state), closing the current interval.

        "The same rendition" is the element test of tuple equality: identical or equal.
        """
        if (bitrate_kbps is self.bitrate_kbps or bitrate_kbps == self.bitrate_kbps) and (
            height is self.height or height == self.height
        ):
            return  # the same rendition: nothing changes
        self._close_interval(at_ms)
        self.bitrate_kbps, self.height = bitrate_kbps, height

    def _close_interval(self, at_ms: int) -> None:
        """End the current interval at `at_ms` (an empty one is not kept)."""
        if at_ms > self.since_ms:
            self.intervals.append(
                StateInterval(self.state, self.since_ms, at_ms, self.bitrate_kbps, self.height)
            )
            self.since_ms = at_ms

    def finish(self, end_ms: int) -> None:
        """Close the last interval at the view's end."""
        self._settle_seek_end()
        self._close_interval(end_ms)

    def replay(
        self, timed: Sequence[tuple[int, Any, Mapping[str, Any]]], inactivity_gap_ms: int
    ) -> tuple[str | None, int]:
        """Apply ordered events, (client_ts_ms, sequence_number, event) triples, until the view closes.

        Per event, in this order: a gap longer than `inactivity_gap_ms` since the previous event
        closes the view at the previous event; a pending seek_end is settled (see on_seek_end); the
        frame counters keep their highest value; the rendition follows the event's bitrate and
        height; the event's handler (if its type has one) moves the state; a closing event closes
        the view at its own time.

        This loop runs once per event of every view, so it keeps the frame counters and the current
        rendition in locals, calls `_rendition` only when the event's bitrate or height differs from
        the current one (most events are heartbeats at the current rendition), and looks for a
        close only after a handler ran (only handlers close a view).

        Returns:
            (the close reason the events give, or None while open; the time of the last event
            applied, where the view's figures end).
        """
        handlers = _HANDLERS
        dropped_max, decoded_max = self.dropped_frames, self.decoded_frames
        bitrate_now, height_now = self.bitrate_kbps, self.height  # only _rendition changes them
        pending = self.pending_seek_end_ms is not None  # only a handler (seek_end) sets it
        previous_ms = timed[0][0]
        reason: str | None = None
        for at, _, event in timed:
            if at - previous_ms > inactivity_gap_ms:
                reason = "inactivity"
                break
            if pending:
                kind = event["event_type"]
                if kind in _SEEK_RECOVERY_EVENTS:
                    self.pending_seek_end_ms = None  # the seek lasts until this recovery
                elif kind == "rebuffer_start":
                    self.pending_seek_end_ms = None  # still seek buffering
                else:
                    self._settle_seek_end()
                pending = False
            # Cumulative counters: the highest value seen, i.e. max(current or 0, value).
            dropped = event.get("dropped_frames")
            if dropped is not None:
                current = dropped_max or 0
                dropped_max = dropped if dropped > current else current
            decoded = event.get("decoded_frames")
            if decoded is not None:
                current = decoded_max or 0
                decoded_max = decoded if decoded > current else current
            bitrate = event.get("bitrate_kbps")
            rendition = event.get("rendition")
            height = rendition.get("height") if rendition else None
            # The exact test below implies this cheaper one, which most events fail.
            if (bitrate != bitrate_now or height != height_now) and (
                (bitrate is not None and bitrate != bitrate_now)
                or (height is not None and height != height_now)
            ):
                self._rendition(at, bitrate, height)
                bitrate_now, height_now = self.bitrate_kbps, self.height
            handler = handlers.get(event["event_type"])
            previous_ms = at
            if handler is not None:
                handler(self, at, event)
                if self.terminal is not None:
                    reason = self.terminal
                    break
                pending = self.pending_seek_end_ms is not None
        self.dropped_frames, self.decoded_frames = dropped_max, decoded_max
        return reason, previous_ms

    def _settle_seek_end(self) -> None:
        """End a seek at its seek_end: the event after it showed no further buffering."""
        if self.pending_seek_end_ms is not None:
            self._set_state(self.pending_seek_end_ms, self.after_seek)
            self.pending_seek_end_ms = None

    def _rendition(self, at: int, bitrate: int | None, height: int | None) -> None:
        """Follow the rendition: any event's bitrate_kbps (and rendition.height) is the current one."""
        if bitrate is None:
            if height is not None and height != self.height:
                self._set_rendition(at, self.bitrate_kbps, height)
            return
        if bitrate != self.bitrate_kbps:
            if self.first_frame_ms is not None and self.bitrate_kbps is not None:  # started
                self.switches.append(BitrateSwitch(at, self.bitrate_kbps, bitrate))
            # A new bitrate without its rendition leaves the height unknown.
            self._set_rendition(at, bitrate, height)
        elif height is not None and height != self.height:
            self._set_rendition(at, bitrate, height)

    def on_play_request(self, at: int, event: Mapping[str, Any]) -> None:
        if self.play_request_ms is None and not self.started:
            self.play_request_ms = at

    def on_playing(self, at: int, event: Mapping[str, Any]) -> None:
        if not self.started:
            self.first_frame_ms = at
            self.player_startup_ms = event.get("startup_ms")
        self.awaiting_seek_recovery = False
        self._set_state(at, State.PLAYING)

    def on_pause(self, at: int, event: Mapping[str, Any]) -> None:
        if self.state in (State.PLAYING, State.REBUFFERING, State.SEEKING):
            self.resume_to = State.REBUFFERING if self.state is State.REBUFFERING else State.PLAYING
            self._set_state(at, State.PAUSED)

    def on_resume(self, at: int, event: Mapping[str, Any]) -> None:
        if self.state is State.PAUSED:
            self.awaiting_seek_recovery = False
            self._set_state(at, self.resume_to)

    def on_seek_start(self, at: int, event: Mapping[str, Any]) -> None:
        if not self.started or self.state is State.SEEKING:
            return
        self.seek_starts.append(at)
        self.after_seek = State.PAUSED if self.state is State.PAUSED else State.PLAYING
        self.resume_to = State.PLAYING  # a seek flushes an interrupted stall
        self.awaiting_seek_recovery = True
        self._set_state(at, State.SEEKING)

    def on_seek_end(self, at: int, event: Mapping[str, Any]) -> None:
        # Players send seek_end when the new position is reached; playback may still be waiting
        # for data. The next event decides: playing/rebuffer_end end the seek at their own time,
        # rebuffer_start continues it, anything else ends it here (see apply).
        if self.state is State.SEEKING:
            self.pending_seek_end_ms = at

    def on_rebuffer_start(self, at: int, event: Mapping[str, Any]) -> None:
        if self.state not in (State.PLAYING, State.PAUSED):
            return  # before the first frame (startup), already stalled, or seek buffering
        if self.state is State.PAUSED and self.resume_to is State.REBUFFERING:
            self._set_state(at, State.REBUFFERING)  # the stall interrupted by the pause goes on
        elif self.awaiting_seek_recovery:
            self.after_seek = State.PLAYING
            self._set_state(at, State.SEEKING)  # buffering right after a seek: seek buffering
        else:
            self.rebuffer_starts.append(at)
            self._set_state(at, State.REBUFFERING)

    def on_rebuffer_end(self, at: int, event: Mapping[str, Any]) -> None:
        if self.state in (State.REBUFFERING, State.SEEKING):
            self.awaiting_seek_recovery = False
            self._set_state(at, State.PLAYING)
        elif self.state is State.PAUSED and self.resume_to is State.REBUFFERING:
            self.resume_to = State.PLAYING  # the buffer refilled during the pause

    def on_error(self, at: int, event: Mapping[str, Any]) -> None:
        if event.get("error_fatal") is True:
            self.terminal = "fatal_error"
            self.error_code = event.get("error_code")

    def on_ended(self, at: int, event: Mapping[str, Any]) -> None:
        self.terminal = "ended"

    def on_exit(self, at: int, event: Mapping[str, Any]) -> None:
        self.terminal = "exit"


_SEEK_RECOVERY_EVENTS = ("playing", "rebuffer_end")
_HANDLERS = {
    "play_request": _TimelineBuilder.on_play_request,
    "playing": _TimelineBuilder.on_playing,
    "pause": _TimelineBuilder.on_pause,
    "resume": _TimelineBuilder.on_resume,
    "seek_start": _TimelineBuilder.on_seek_start,
    "seek_end": _TimelineBuilder.on_seek_end,
    "rebuffer_start": _TimelineBuilder.on_rebuffer_start,
    "rebuffer_end": _TimelineBuilder.on_rebuffer_end,
    "error": _TimelineBuilder.on_error,
    "ended": _TimelineBuilder.on_ended,
    "exit": _TimelineBuilder.on_exit,
    # bitrate_change and heartbeat only carry the rendition and frame counters.
}


def build_timeline(
    events: Iterable[Mapping[str, Any]],
    *,
    closed: bool = False,
    close_reason: str | None = None,
    inactivity_gap_ms: int = INACTIVITY_GAP_MS,
) -> Timeline:
    """Build the state timeline of one view from its player events.

    The view closes at its first `ended`, `exit` or fatal `error` event, or at the last event before
    a gap longer than `inactivity_gap_ms`; events after the close still count in `event_count` and
    `last_event_ms` but not in any figure.

    Args:
        events: player_event dicts of one view, in any order, duplicates allowed.
        closed: the caller (the pipeline) declares the view closed; when its events do not close it,
            it closes by inactivity at its last event.
        close_reason: overrides the derived close reason (one of CLOSE_REASONS); needs `closed`.
        inactivity_gap_ms: the largest gap between two events that keeps a view open.

    Returns:
        The view's Timeline.

    Raises:
        ValueError: no events, no view_id, or a close_reason that is unknown or given while open.
    """
    if close_reason is not None and (not closed or close_reason not in CLOSE_REASONS):
        raise ValueError(
            f"close_reason {close_reason!r} needs closed=True and one of {CLOSE_REASONS}"
        )
    if isinstance(events, list) and events and all(type(e) is dict for e in events[:1]):
        from collections import deque
        from itertools import repeat

        for key in (
            "sequence_number",
            "client_ts_ms",
            "event_type",
            "bitrate_kbps",
            "rendition",
            "app_name",
            "browser_name",
        ):
            try:
                deque(map(dict.get, events, repeat(key)), maxlen=0)
            except TypeError:
                break
    timed = _timed_events(events)
    if not timed:
        raise ValueError("a view needs at least one event")
    ordered = [event for _, _, event in timed]
    view_id = _first_non_null(ordered, "view_id")
    if not view_id:
        raise ValueError("the events carry no view_id")
    start_ms = timed[0][0]
    builder = _TimelineBuilder(start_ms)
    derived_reason, end_ms = builder.replay(timed, inactivity_gap_ms)
    if derived_reason is None and closed:
        derived_reason = "inactivity"
    builder.finish(end_ms)
    return Timeline(
        view_id=view_id,
        start_ms=start_ms,
        end_ms=end_ms,
        last_event_ms=timed[-1][0],
        event_count=len(timed),
        intervals=tuple(builder.intervals),
        play_request_ms=builder.play_request_ms,
        first_frame_ms=builder.first_frame_ms,
        player_startup_ms=builder.player_startup_ms,
        rebuffer_starts_ms=tuple(builder.rebuffer_starts),
        seek_starts_ms=tuple(builder.seek_starts),
        bitrate_switches=tuple(builder.switches),
        close_reason=close_reason or derived_reason,
        error_code=builder.error_code if builder.terminal == "fatal_error" else None,
        dropped_frames=builder.dropped_frames,
        decoded_frames=builder.decoded_frames,
        dimensions={name: _first_non_null(ordered, name) for name in DIMENSION_FIELDS},
    )


def view_close(
    timeline: Timeline,
    *,
    watermark_ms: int | None = None,
    inactivity_gap_ms: int = INACTIVITY_GAP_MS,
) -> tuple[str, int] | None:
    """Say whether and when a view is closed, for a pipeline deciding to emit its final version.

    Args:
        timeline: the view's timeline (built without `closed`).
        watermark_ms: event time the pipeline has reached (e.g. the watermark), or None.
        inactivity_gap_ms: the same gap the timeline was built with.

    Returns:
        (close_reason, close time in epoch ms), or None while the view is open. A view without a
        closing event is closed by inactivity at its last event once `watermark_ms` is more than
        `inactivity_gap_ms` past it.
    """
    if timeline.close_reason is not None:
        return timeline.close_reason, timeline.end_ms
    if watermark_ms is not None and watermark_ms - timeline.end_ms > inactivity_gap_ms:
        return "inactivity", timeline.end_ms
    return None


def _first_non_null(events: Sequence[Mapping[str, Any]], name: str) -> Any:
    """The first non-null value of `name` in the events (None when every event lacks it)."""
    for event in events:
        value = event.get(name)
        if value is not None:
            return value
    return None


# --------------------------------------------------------------------------------------------------
# One function per metric (docs/metrics.md#<name>)


def video_startup_time_ms(timeline: Timeline) -> int | None:
    """Play request to first frame, ms; the player's own figure when the play request is missing.

    Returns None when the video never started, or when neither a play_request nor the player's
    startup_ms (CMCD msd) is known.
    """
    if timeline.first_frame_ms is None:
        return None
    if timeline.play_request_ms is not None:
        return timeline.first_frame_ms - timeline.play_request_ms
    return timeline.player_startup_ms


def playing_time_ms(timeline: Timeline) -> int:
    """Time in the playing state, first frame to close, pauses and (seek) buffering excluded, ms."""
    return timeline.time_in(State.PLAYING)


def rebuffer_count(timeline: Timeline) -> int:
    """Stalls after the first frame, seek buffering excluded."""
    return len(timeline.rebuffer_starts_ms)


def rebuffer_duration_ms(timeline: Timeline) -> int:
    """Time in the rebuffering state, ms (paused time and seek buffering excluded)."""
    return timeline.time_in(State.REBUFFERING)


def rebuffer_ratio(timeline: Timeline) -> float | None:
    """rebuffer_duration_ms / (playing_time_ms + rebuffer_duration_ms); None when both are 0."""
    rebuffering = rebuffer_duration_ms(timeline)
    total = playing_time_ms(timeline) + rebuffering
    return rebuffering / total if total else None


def seek_count(timeline: Timeline) -> int:
    """Seeks after the first frame (a seek started while seeking is the same seek)."""
    return len(timeline.seek_starts_ms)


def seek_buffering_duration_ms(timeline: Timeline) -> int:
    """Time from each seek to playback restarting, ms."""
    return timeline.time_in(State.SEEKING)


def avg_bitrate_kbps(timeline: Timeline) -> float | None:
    """Playing-time-weighted average bitrate, kbps; None without playing time at a known bitrate."""
    weighted = known = 0
    for interval in timeline.intervals:
        if interval.state is State.PLAYING and interval.bitrate_kbps is not None:
            duration = interval.end_ms - interval.start_ms
            weighted += interval.bitrate_kbps * duration
            known += duration
    return weighted / known if known else None


def bitrate_switch_count(timeline: Timeline) -> int:
    """Bitrate changes after the first frame."""
    return len(timeline.bitrate_switches)


def bitrate_switch_up_count(timeline: Timeline) -> int:
    """Switches to a higher bitrate."""
    return sum(1 for s in timeline.bitrate_switches if s.to_kbps > s.from_kbps)


def bitrate_switch_down_count(timeline: Timeline) -> int:
    """Switches to a lower bitrate."""
    return sum(1 for s in timeline.bitrate_switches if s.to_kbps < s.from_kbps)


def time_per_rendition(timeline: Timeline) -> list[dict[str, Any]]:
    """Playing time per (bitrate_kbps, height), sorted by bitrate then height; zero entries left out.

    Returns:
        [{"bitrate_kbps": int, "height": int | None, "playing_time_ms": int}, ...]; playing time at
        an unknown bitrate is in playing_time_ms but in no entry.
    """
    totals: dict[tuple[int, int | None], int] = {}
    for interval in timeline.intervals:
        if interval.state is State.PLAYING and interval.bitrate_kbps is not None:
            key = (interval.bitrate_kbps, interval.height)
            totals[key] = totals.get(key, 0) + (interval.end_ms - interval.start_ms)
    ordered = sorted(
        totals.items(), key=lambda kv: (kv[0][0], -1 if kv[0][1] is None else kv[0][1])
    )
    return [
        {"bitrate_kbps": bitrate, "height": height, "playing_time_ms": ms}
        for (bitrate, height), ms in ordered
        if ms > 0
    ]


def dropped_frame_ratio(timeline: Timeline) -> float | None:
    """Dropped / decoded frames (cumulative counters, highest value seen), capped at 1.

    None when either counter is missing or no frame was decoded.
    """
    if timeline.dropped_frames is None or not timeline.decoded_frames:
        return None
    return min(1.0, timeline.dropped_frames / timeline.decoded_frames)


def exit_before_video_start(timeline: Timeline) -> bool:
    """The view closed before its first frame without a fatal error (exit, ended or inactivity)."""
    return (
        timeline.close_reason is not None
        and timeline.close_reason != "fatal_error"
        and timeline.first_frame_ms is None
    )


def video_start_failure(timeline: Timeline) -> bool:
    """A fatal error closed the view before its first frame."""
    return timeline.close_reason == "fatal_error" and timeline.first_frame_ms is None


def video_playback_failure(timeline: Timeline) -> bool:
    """A fatal error closed the view after its first frame."""
    return timeline.close_reason == "fatal_error" and timeline.first_frame_ms is not None


# --------------------------------------------------------------------------------------------------
# The view record


def rfc3339_from_epoch_ms(epoch_ms: int) -> str:
    """Format epoch milliseconds as an RFC 3339 UTC timestamp with milliseconds ('...T20:00:01.180Z').

    The text of `f"{_EPOCH + timedelta(milliseconds=epoch_ms):%Y-%m-%dT%H:%M:%S}"` plus the
    milliseconds; integer times from 1970 to 9999 take the time of day by integer division and the
    date from a cache, anything else goes through datetime.
    """
    if type(epoch_ms) is int and 0 <= epoch_ms < _YEAR_10000_MS:
        days, ms_of_day = divmod(epoch_ms, _DAY_MS)
        minute_of_day, ms_of_minute = divmod(ms_of_day, MINUTE_MS)
        seconds, millis = divmod(ms_of_minute, 1000)
        return f"{_utc_date(days)}T{_HH_MM[minute_of_day]}:{_DIGITS[seconds]}.{_DIGITS3[millis]}Z"
    moment = _EPOCH + timedelta(milliseconds=epoch_ms)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{epoch_ms % 1000:03d}Z"


@lru_cache(maxsize=4096)
def _utc_date(days: int) -> str:
    """'YYYY-MM-DD' of the UTC day `days` after 1970-01-01 (a few distinct days per run)."""
    return f"{_EPOCH + timedelta(days=days):%Y-%m-%d}"


_HH_MM = tuple(f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(24 * 60))
"""'HH:MM' of each minute of a day."""
_DIGITS = tuple(f"{n:02d}" for n in range(60))
"""'00' to '59'."""
_DIGITS3 = tuple(f"{n:03d}" for n in range(1000))
"""'000' to '999'."""


def _minute_labels(first_minute: int, count: int) -> list[str]:
    """rfc3339_from_epoch_ms of the `count` minute starts from `first_minute` (a whole minute).

    Only the date changes from day to day; within a day the labels differ by their 'HH:MM'.
    """
    last = first_minute + (count - 1) * MINUTE_MS
    if (
        type(first_minute) is not int
        or first_minute % MINUTE_MS
        or not 0 <= first_minute <= last < _YEAR_10000_MS
    ):
        return [rfc3339_from_epoch_ms(first_minute + k * MINUTE_MS) for k in range(count)]
    labels: list[str] = []
    day, minute = divmod(first_minute // MINUTE_MS, 24 * 60)
    while len(labels) < count:
        date = _utc_date(day)
        stop = min(24 * 60, minute + count - len(labels))
        labels += [f"{date}T{hh_mm}:00.000Z" for hh_mm in _HH_MM[minute:stop]]
        day, minute = day + 1, 0
    return labels


def view_record(
    timeline: Timeline, *, source: str = "beacon", top_bitrate_kbps: int | None = None
) -> dict[str, Any]:
    """Return the view.v1 record of a timeline, without the pipeline-owned fields.

    Args:
        timeline: from build_timeline (or qoe_cmcd.build_timeline_from_cmcd).
        source: "beacon" or "cmcd".
        top_bitrate_kbps: top of the content's bitrate ladder, for quality_score; when None, the
            CMCD `tb` the view reported, else the highest bitrate the view played.

    Returns:
        Every view.v1 property except PIPELINE_OWNED_FIELDS. ended_at and close_reason are set once
        the view is closed (by a closing event, an inactivity gap, or `closed=True`).
    """
    if source not in ("beacon", "cmcd"):
        raise ValueError(f"source must be 'beacon' or 'cmcd', not {source!r}")
    startup = video_startup_time_ms(timeline)
    ratio = rebuffer_ratio(timeline)
    playing = playing_time_ms(timeline)
    rebuffers = rebuffer_count(timeline)
    average = avg_bitrate_kbps(timeline)
    renditions = time_per_rendition(timeline)
    start_failed = video_start_failure(timeline)
    ebvs = exit_before_video_start(timeline)
    top = top_bitrate_kbps or timeline.top_bitrate_kbps
    if top is None and renditions:
        top = max(r["bitrate_kbps"] for r in renditions)
    closed = timeline.close_reason is not None
    dims = timeline.dimensions
    return {
        "schema_version": VIEW_SCHEMA_VERSION,
        "view_id": timeline.view_id,
        "source": source,
        "session_id": dims.get("session_id"),
        "viewer_id": dims.get("viewer_id"),
        "content_id": dims.get("content_id"),
        "content_title": dims.get("content_title"),
        "stream_type": dims.get("stream_type"),
        "started_at": rfc3339_from_epoch_ms(timeline.start_ms),
        "first_frame_at": (
            rfc3339_from_epoch_ms(timeline.first_frame_ms)
            if timeline.first_frame_ms is not None
            else None
        ),
        "ended_at": rfc3339_from_epoch_ms(timeline.end_ms) if closed else None,
        "last_event_at": rfc3339_from_epoch_ms(timeline.last_event_ms),
        "close_reason": timeline.close_reason,
        "event_count": timeline.event_count,
        "video_startup_time_ms": startup,
        "rebuffer_count": rebuffers,
        "rebuffer_duration_ms": rebuffer_duration_ms(timeline),
        "seek_count": seek_count(timeline),
        "seek_buffering_duration_ms": seek_buffering_duration_ms(timeline),
        "rebuffer_ratio": ratio,
        "playing_time_ms": playing,
        "avg_bitrate_kbps": average,
        "bitrate_switch_count": bitrate_switch_count(timeline),
        "bitrate_switch_up_count": bitrate_switch_up_count(timeline),
        "bitrate_switch_down_count": bitrate_switch_down_count(timeline),
        "time_per_rendition": renditions,
        "dropped_frame_ratio": dropped_frame_ratio(timeline),
        "exit_before_video_start": ebvs,
        "video_start_failure": start_failed,
        "video_playback_failure": video_playback_failure(timeline),
        "error_code": timeline.error_code[:ERROR_CODE_MAX_CHARS] if timeline.error_code else None,
        "startup_score": scores.startup_score(
            startup, video_start_failure=start_failed, exit_before_video_start=ebvs
        ),
        "smoothness_score": scores.smoothness_score(ratio, rebuffers),
        "quality_score": scores.quality_score(average, top),
        "cdn": dims.get("cdn"),
        "country": dims.get("country"),
        "asn": dims.get("asn"),
        "isp": dims.get("isp"),
        "device_type": dims.get("device_type"),
        "os_name": dims.get("os_name"),
        "browser_name": dims.get("browser_name"),
        "player_name": dims.get("player_name"),
        "player_version": dims.get("player_version"),
        "app_name": dims.get("app_name"),
    }


def compute_view(
    events: Iterable[Mapping[str, Any]],
    *,
    source: str = "beacon",
    closed: bool,
    close_reason: str | None = None,
    inactivity_gap_ms: int = INACTIVITY_GAP_MS,
    top_bitrate_kbps: int | None = None,
) -> dict[str, Any]:
    """Compute the view.v1 record (minus pipeline-owned fields) of one view's player events.

    Args:
        events: player_event dicts of one view, any order, duplicates allowed.
        source: "beacon" or "cmcd".
        closed: the pipeline considers the view closed (final version). An open view gets figures
            up to its last event; a closing event in the events closes it either way.
        close_reason: override of the derived reason (normally None: derived from the events).
        inactivity_gap_ms: see build_timeline.
        top_bitrate_kbps: see view_record.

    Returns:
        The record; add is_final, version, updated_at and pop to get a valid view.v1.
    """
    timeline = build_timeline(
        events, closed=closed, close_reason=close_reason, inactivity_gap_ms=inactivity_gap_ms
    )
    return view_record(timeline, source=source, top_bitrate_kbps=top_bitrate_kbps)


# --------------------------------------------------------------------------------------------------
# Per-minute contributions (qoe_minute) and percentiles


def _minute_overlaps(
    intervals: Iterable[StateInterval], state: State, first_minute: int, minutes: int
) -> list[int]:
    """Time in `state` inside each of `minutes` one-minute windows from `first_minute`, ms.

    Entry k is `sum(max(0, min(i.end_ms, we) - max(i.start_ms, ws)) for i in intervals if i.state
    is state)` for the window [ws, we) = [first_minute + k * MINUTE_MS, ws + MINUTE_MS); each
    interval is visited once and split over the windows it touches (the others get 0 from it), in
    interval order, so the sums are the same to the last bit.
    """
    totals = [0] * minutes
    for interval in intervals:
        if interval.state is not state:
            continue
        start, end = interval.start_ms, interval.end_ms
        index = max(0, int((start - first_minute) // MINUTE_MS))  # the window holding the start
        window_start = first_minute + index * MINUTE_MS
        while index < minutes and window_start < end:
            window_end = window_start + MINUTE_MS
            # min(end, window_end) - max(start, window_start), without the two calls
            overlap = (window_end if window_end < end else end) - (
                window_start if window_start > start else start
            )
            if overlap > 0:
                totals[index] += overlap
            index += 1
            window_start = window_end
    return totals


def _minute_index(at_ms: int | None, first_minute: int, minutes: int) -> int | None:
    """Index of the window [ws, ws + MINUTE_MS) holding `at_ms` among `minutes` windows, or None."""
    if at_ms is None:
        return None
    index = int((at_ms - first_minute) // MINUTE_MS)  # int: times may be floats (1.0 is an integer)
    return index if 0 <= index < minutes else None


def minute_contributions(timeline: Timeline) -> list[dict[str, Any]]:
    """Split one view across the one-minute event-time windows it spans, for qoe_minute.

    Every minute from the one holding the view's first event to the one holding its end gets one
    contribution, so summing contributions per (minute, dimension value) gives the qoe_minute sums.

    Returns:
        One dict per minute, in time order: view_id, window_start_ms, window_start, window_end
        (RFC 3339), concurrent_plays (0/1: first frame seen and not closed at some time in the
        minute, paused included), play_attempts (0/1: the play request, or the first event without
        one), video_starts (0/1: the first frame), video_startup_time_ms (startup of that start, or
        None), playing_time_ms and rebuffer_duration_ms (the part inside the minute),
        rebuffer_count (stalls that began in the minute), video_start_failures,
        video_playback_failures, exits_before_video_start (0/1, in the minute of the close), and
        is_settled (the view's timeline has passed the minute's end or is closed: later events of an
        in-order view no longer change this contribution).
    """
    view_id = timeline.view_id
    first_frame = timeline.first_frame_ms
    end_ms = timeline.end_ms
    attempt_ms = (
        timeline.play_request_ms if timeline.play_request_ms is not None else timeline.start_ms
    )
    closed = timeline.close_reason is not None
    # 0/1 counts of the view's outcome, for the minute of its close
    start_failures = int(video_start_failure(timeline))
    playback_failures = int(video_playback_failure(timeline))
    ebvs = int(exit_before_video_start(timeline))
    startup = video_startup_time_ms(timeline)
    first_minute = timeline.start_ms // MINUTE_MS * MINUTE_MS
    windows = range(first_minute, end_ms + 1, MINUTE_MS)
    minutes = len(windows)
    # Everything per minute is worked out once per view, then read by window index: the time in a
    # state splits each interval over its minutes, a point in time (attempt, first frame, stall
    # start, close) falls in exactly one window, and window k ends where window k + 1 starts.
    playing = _minute_overlaps(timeline.intervals, State.PLAYING, first_minute, minutes)
    rebuffering = _minute_overlaps(timeline.intervals, State.REBUFFERING, first_minute, minutes)
    stalls = [0] * minutes
    for stall_ms in timeline.rebuffer_starts_ms:
        index = _minute_index(stall_ms, first_minute, minutes)
        if index is not None:
            stalls[index] += 1
    attempt_index = _minute_index(attempt_ms, first_minute, minutes)
    start_index = _minute_index(first_frame, first_minute, minutes)
    close_index = _minute_index(end_ms, first_minute, minutes) if closed else None
    labels = _minute_labels(first_minute, minutes + 1)
    out = []
    for index, window_start in enumerate(windows):
        window_end = window_start + MINUTE_MS
        at_close = index == close_index
        started = index == start_index
        concurrent = (
            first_frame is not None
            and first_frame < window_end
            and (first_frame >= window_start or end_ms > window_start)
        )
        out.append(
            {
                "view_id": view_id,
                "window_start_ms": window_start,
                "window_start": labels[index],
                "window_end": labels[index + 1],
                "concurrent_plays": 1 if concurrent else 0,
                "play_attempts": 1 if index == attempt_index else 0,
                "video_starts": 1 if started else 0,
                "video_startup_time_ms": startup if started else None,
                "playing_time_ms": playing[index],
                "rebuffer_duration_ms": rebuffering[index],
                "rebuffer_count": stalls[index],
                "video_start_failures": start_failures if at_close else 0,
                "video_playback_failures": playback_failures if at_close else 0,
                "exits_before_video_start": ebvs if at_close else 0,
                "is_settled": closed or window_end <= end_ms,
            }
        )
    return out


def percentile(values: Iterable[float], q: float) -> float | None:
    """Return the q-th percentile (0-100) by linear interpolation between closest ranks.

    The method is Hyndman & Fan type 7 (numpy's default, BigQuery PERCENTILE_CONT, DuckDB
    quantile_cont): position p = (n - 1) * q / 100 in the sorted values, interpolated between
    floor(p) and ceil(p). None for no values.

    Raises:
        ValueError: q outside [0, 100].
    """
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within [0, 100], not {q}")
    data = sorted(values)
    if not data:
        return None
    position = (len(data) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return float(data[low] + (data[high] - data[low]) * (position - low))


def aggregate_minute_contributions(contributions: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Sum the contributions of one (minute, dimension value) into qoe_minute's figures.

    Args:
        contributions: dicts from minute_contributions, all for the same minute and breakdown,
            at most one per view.

    Returns:
        concurrent_plays, play_attempts, video_starts, startup_time_p50_ms, startup_time_p95_ms,
        playing_time_ms, rebuffer_duration_ms, rebuffer_count, rebuffer_ratio,
        video_start_failures, video_playback_failures, exits_before_video_start and
        video_start_failure_rate (capped at 1: a failure can fall in a later minute than its
        attempt). The pipeline adds window, dimension and version fields.
    """
    summed = {
        name: 0
        for name in (
            "concurrent_plays",
            "play_attempts",
            "video_starts",
            "playing_time_ms",
            "rebuffer_duration_ms",
            "rebuffer_count",
            "video_start_failures",
            "video_playback_failures",
            "exits_before_video_start",
        )
    }
    startups = []
    for contribution in contributions:
        for name in summed:
            summed[name] += contribution[name]
        if contribution["video_starts"] and contribution["video_startup_time_ms"] is not None:
            startups.append(contribution["video_startup_time_ms"])
    total = summed["playing_time_ms"] + summed["rebuffer_duration_ms"]
    attempts = summed["play_attempts"]
    return {
        **summed,
        "startup_time_p50_ms": percentile(startups, 50),
        "startup_time_p95_ms": percentile(startups, 95),
        "rebuffer_ratio": summed["rebuffer_duration_ms"] / total if total else None,
        "video_start_failure_rate": (
            min(1.0, summed["video_start_failures"] / attempts) if attempts else None
        ),
    }


__all__ = [
    "CLOSE_REASONS",
    "INACTIVITY_GAP_MS",
    "MINUTE_MS",
    "PIPELINE_OWNED_FIELDS",
    "BitrateSwitch",
    "State",
    "StateInterval",
    "Timeline",
    "aggregate_minute_contributions",
    "avg_bitrate_kbps",
    "bitrate_switch_count",
    "bitrate_switch_down_count",
    "bitrate_switch_up_count",
    "build_timeline",
    "compute_view",
    "dropped_frame_ratio",
    "exit_before_video_start",
    "minute_contributions",
    "order_events",
    "percentile",
    "playing_time_ms",
    "rebuffer_count",
    "rebuffer_duration_ms",
    "rebuffer_ratio",
    "rfc3339_from_epoch_ms",
    "seek_buffering_duration_ms",
    "seek_count",
    "time_per_rendition",
    "video_playback_failure",
    "video_start_failure",
    "video_startup_time_ms",
    "view_close",
    "view_record",
]
