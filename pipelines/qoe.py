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
event vocabulary by `pipelines.qoe_cmcd`, so a CMCD view goes through the same state machine and gets
the same figures. Scores live in `pipelines.scores`. Definitions, sources and edge cases of every
figure: docs/metrics.md (one heading per metric, named as the column).

Times are the client's clock in epoch milliseconds; durations are differences of client timestamps,
so a constant clock offset cancels out. Nothing here corrects skew between clients.

Deliberately left out: keys, windows, watermarks and state (the Beam layer decides when a view is
closed and passes `closed=True`), the pipeline-owned view fields (`is_final`, `version`,
`updated_at`, `pop`), ads, and any I/O.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pipelines import scores

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


@dataclass(frozen=True)
class StateInterval:
    """One stretch of constant state and rendition, [start_ms, end_ms) in client epoch ms."""

    state: State
    start_ms: int
    end_ms: int
    bitrate_kbps: int | None
    height: int | None

    @property
    def duration_ms(self) -> int:
        """Length of the interval, ms."""
        return self.end_ms - self.start_ms


@dataclass(frozen=True)
class BitrateSwitch:
    """A change of the playing rendition's bitrate after the first frame."""

    at_ms: int
    from_kbps: int
    to_kbps: int


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
        """Total time spent in `state`, ms."""
        return sum(i.duration_ms for i in self.intervals if i.state is state)


# --------------------------------------------------------------------------------------------------
# Ordering and the state machine


def order_events(events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Dedupe one view's events by sequence_number (first kept) and sort them.

    Args:
        events: player_event dicts of one view, in any order, possibly repeated.

    Returns:
        The distinct events sorted by (client_ts_ms, sequence_number).
    """
    seen: set[int] = set()
    distinct = []
    for event in events:
        number = event["sequence_number"]
        if number in seen:
            continue
        seen.add(number)
        distinct.append(event)
    return sorted(distinct, key=lambda e: (e["client_ts_ms"], e["sequence_number"]))


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
        # Time of a seek_end whose effect the next event decides (see apply).
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

    def _set(
        self,
        at_ms: int,
        *,
        state: State | None = None,
        bitrate_kbps: int | None = None,
        height: int | None = None,
        rendition: bool = False,
    ) -> None:
        """Move to a new state and/or rendition at `at_ms`, closing the current interval."""
        new_state = state if state is not None else self.state
        new_bitrate = bitrate_kbps if rendition else self.bitrate_kbps
        new_height = height if rendition else self.height
        if (new_state, new_bitrate, new_height) == (self.state, self.bitrate_kbps, self.height):
            return
        if at_ms > self.since_ms:
            self.intervals.append(
                StateInterval(self.state, self.since_ms, at_ms, self.bitrate_kbps, self.height)
            )
            self.since_ms = at_ms
        self.state, self.bitrate_kbps, self.height = new_state, new_bitrate, new_height

    def finish(self, end_ms: int) -> None:
        """Close the last interval at the view's end."""
        self._settle_seek_end()
        if end_ms > self.since_ms:
            self.intervals.append(
                StateInterval(self.state, self.since_ms, end_ms, self.bitrate_kbps, self.height)
            )
            self.since_ms = end_ms

    def apply(self, event: Mapping[str, Any]) -> None:
        """Apply one event (events must come in timeline order)."""
        at = event["client_ts_ms"]
        if self.pending_seek_end_ms is not None:
            if event["event_type"] in _SEEK_RECOVERY_EVENTS:
                self.pending_seek_end_ms = None  # the seek lasts until this recovery
            elif event["event_type"] == "rebuffer_start":
                self.pending_seek_end_ms = None  # still seek buffering
            else:
                self._settle_seek_end()
        self._count_frames(event)
        self._rendition(at, event)
        handler = _HANDLERS.get(event["event_type"])
        if handler is not None:
            handler(self, at, event)

    def _settle_seek_end(self) -> None:
        """End a seek at its seek_end: the event after it showed no further buffering."""
        if self.pending_seek_end_ms is not None:
            self._set(self.pending_seek_end_ms, state=self.after_seek)
            self.pending_seek_end_ms = None

    def _count_frames(self, event: Mapping[str, Any]) -> None:
        dropped, decoded = event.get("dropped_frames"), event.get("decoded_frames")
        if dropped is not None:
            self.dropped_frames = max(self.dropped_frames or 0, dropped)
        if decoded is not None:
            self.decoded_frames = max(self.decoded_frames or 0, decoded)

    def _rendition(self, at: int, event: Mapping[str, Any]) -> None:
        """Follow the rendition: any event's bitrate_kbps (and rendition.height) is the current one."""
        bitrate = event.get("bitrate_kbps")
        rendition = event.get("rendition") or {}
        height = rendition.get("height")
        if bitrate is None:
            if height is not None and height != self.height:
                self._set(at, bitrate_kbps=self.bitrate_kbps, height=height, rendition=True)
            return
        if bitrate != self.bitrate_kbps:
            if self.started and self.bitrate_kbps is not None:
                self.switches.append(BitrateSwitch(at, self.bitrate_kbps, bitrate))
            # A new bitrate without its rendition leaves the height unknown.
            self._set(at, bitrate_kbps=bitrate, height=height, rendition=True)
        elif height is not None and height != self.height:
            self._set(at, bitrate_kbps=bitrate, height=height, rendition=True)

    def on_play_request(self, at: int, event: Mapping[str, Any]) -> None:
        if self.play_request_ms is None and not self.started:
            self.play_request_ms = at

    def on_playing(self, at: int, event: Mapping[str, Any]) -> None:
        if not self.started:
            self.first_frame_ms = at
            self.player_startup_ms = event.get("startup_ms")
        self.awaiting_seek_recovery = False
        self._set(at, state=State.PLAYING)

    def on_pause(self, at: int, event: Mapping[str, Any]) -> None:
        if self.state in (State.PLAYING, State.REBUFFERING, State.SEEKING):
            self.resume_to = State.REBUFFERING if self.state is State.REBUFFERING else State.PLAYING
            self._set(at, state=State.PAUSED)

    def on_resume(self, at: int, event: Mapping[str, Any]) -> None:
        if self.state is State.PAUSED:
            self.awaiting_seek_recovery = False
            self._set(at, state=self.resume_to)

    def on_seek_start(self, at: int, event: Mapping[str, Any]) -> None:
        if not self.started or self.state is State.SEEKING:
            return
        self.seek_starts.append(at)
        self.after_seek = State.PAUSED if self.state is State.PAUSED else State.PLAYING
        self.resume_to = State.PLAYING  # a seek flushes an interrupted stall
        self.awaiting_seek_recovery = True
        self._set(at, state=State.SEEKING)

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
            self._set(at, state=State.REBUFFERING)  # the stall interrupted by the pause goes on
        elif self.awaiting_seek_recovery:
            self.after_seek = State.PLAYING
            self._set(at, state=State.SEEKING)  # buffering right after a seek: seek buffering
        else:
            self.rebuffer_starts.append(at)
            self._set(at, state=State.REBUFFERING)

    def on_rebuffer_end(self, at: int, event: Mapping[str, Any]) -> None:
        if self.state in (State.REBUFFERING, State.SEEKING):
            self.awaiting_seek_recovery = False
            self._set(at, state=State.PLAYING)
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
    ordered = order_events(events)
    if not ordered:
        raise ValueError("a view needs at least one event")
    view_id = _first_non_null(ordered, "view_id")
    if not view_id:
        raise ValueError("the events carry no view_id")
    start_ms = ordered[0]["client_ts_ms"]
    builder = _TimelineBuilder(start_ms)
    derived_reason: str | None = None
    previous_ms = start_ms
    for event in ordered:
        at = event["client_ts_ms"]
        if at - previous_ms > inactivity_gap_ms:
            derived_reason = "inactivity"
            break
        builder.apply(event)
        previous_ms = at
        if builder.terminal is not None:
            derived_reason = builder.terminal
            break
    if derived_reason is None and closed:
        derived_reason = "inactivity"
    builder.finish(previous_ms)
    return Timeline(
        view_id=view_id,
        start_ms=start_ms,
        end_ms=previous_ms,
        last_event_ms=ordered[-1]["client_ts_ms"],
        event_count=len(ordered),
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
    return next((e[name] for e in events if e.get(name) is not None), None)


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
            weighted += interval.bitrate_kbps * interval.duration_ms
            known += interval.duration_ms
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
            totals[key] = totals.get(key, 0) + interval.duration_ms
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
    """Format epoch milliseconds as an RFC 3339 UTC timestamp with milliseconds ('...T20:00:01.180Z')."""
    moment = _EPOCH + timedelta(milliseconds=epoch_ms)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{epoch_ms % 1000:03d}Z"


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


def _overlap_ms(timeline: Timeline, state: State, window_start: int, window_end: int) -> int:
    return sum(
        max(0, min(i.end_ms, window_end) - max(i.start_ms, window_start))
        for i in timeline.intervals
        if i.state is state
    )


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
    first_frame = timeline.first_frame_ms
    attempt_ms = (
        timeline.play_request_ms if timeline.play_request_ms is not None else timeline.start_ms
    )
    closed = timeline.close_reason is not None
    start_failed = video_start_failure(timeline)
    playback_failed = video_playback_failure(timeline)
    ebvs = exit_before_video_start(timeline)
    startup = video_startup_time_ms(timeline)
    out = []
    first_minute = timeline.start_ms // MINUTE_MS * MINUTE_MS
    for window_start in range(first_minute, timeline.end_ms + 1, MINUTE_MS):
        window_end = window_start + MINUTE_MS

        def within(at_ms: int | None, ws: int = window_start, we: int = window_end) -> bool:
            return at_ms is not None and ws <= at_ms < we

        at_close = closed and within(timeline.end_ms)
        concurrent = (
            first_frame is not None
            and first_frame < window_end
            and (first_frame >= window_start or timeline.end_ms > window_start)
        )
        out.append(
            {
                "view_id": timeline.view_id,
                "window_start_ms": window_start,
                "window_start": rfc3339_from_epoch_ms(window_start),
                "window_end": rfc3339_from_epoch_ms(window_end),
                "concurrent_plays": int(concurrent),
                "play_attempts": int(within(attempt_ms)),
                "video_starts": int(within(first_frame)),
                "video_startup_time_ms": startup if within(first_frame) else None,
                "playing_time_ms": _overlap_ms(timeline, State.PLAYING, window_start, window_end),
                "rebuffer_duration_ms": _overlap_ms(
                    timeline, State.REBUFFERING, window_start, window_end
                ),
                "rebuffer_count": sum(1 for t in timeline.rebuffer_starts_ms if within(t)),
                "video_start_failures": int(start_failed and at_close),
                "video_playback_failures": int(playback_failed and at_close),
                "exits_before_video_start": int(ebvs and at_close),
                "is_settled": closed or window_end <= timeline.end_ms,
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
