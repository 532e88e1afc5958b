"""Turn one view's player events into its Timeline: ordering, then one pass of the state machine.

    order_events(events)            dedupe by sequence_number, sort by (client_ts_ms, sequence_number)
    build_timeline(events, ...)     replay the ordered events through a small state machine ->
                                    Timeline: state intervals (starting, playing, paused, seeking,
                                    rebuffering) plus the point events that metrics count (first
                                    frame, rebuffer and seek starts, bitrate switches, the close)

CMCD v2 event reports are mapped onto the same event vocabulary by streamqoe.qoe.cmcd, so a CMCD
view goes through the same state machine. The rules are those of docs/metrics.md#the-timeline.

Speed: build_timeline runs once per view over every event of the batch pipeline, so the per-event
path is kept lean (bench/qoe.py measures it against a bare json.loads): each event dict is
read once for ordering and once by the state machine, which decides the common event (a heartbeat
at the current rendition) inline. Where a faster form replaces a plain one, the docstring gives the
plain one it equals.

Left out: the Timeline types and view_close (streamqoe.qoe.timeline), the metrics read from a
timeline (streamqoe.qoe.view_metrics), keys, windows, watermarks and state (the Beam layer decides
when a view is closed and passes `closed=True`), and any I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from streamqoe.qoe.timeline import (
    CLOSE_REASONS,
    DIMENSION_FIELDS,
    INACTIVITY_GAP_MS,
    BitrateSwitch,
    State,
    StateInterval,
    Timeline,
)

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


def _first_non_null(events: Sequence[Mapping[str, Any]], name: str) -> Any:
    """The first non-null value of `name` in the events (None when every event lacks it)."""
    for event in events:
        value = event.get(name)
        if value is not None:
            return value
    return None


__all__ = ["build_timeline", "order_events"]
