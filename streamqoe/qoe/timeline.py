"""The timeline of one view: the player states it went through and the point events metrics count.

    State            starting, playing, paused, seeking, rebuffering
    StateInterval    one stretch of constant state and rendition, [start_ms, end_ms)
    BitrateSwitch    a change of the playing rendition's bitrate after the first frame
    Timeline         the intervals plus the first frame, stalls, seeks, switches, close and
                     dimensions of one view: every metric of streamqoe.qoe.view_metrics reads it
    view_close       whether and when a view is closed, for a pipeline deciding on its final version

Times are the client's clock in epoch milliseconds; durations are differences of client timestamps,
so a constant clock offset cancels out. Nothing here corrects skew between clients.

Left out: how events become a timeline (the state machine, streamqoe.qoe.state_machine), the
metrics (streamqoe.qoe.view_metrics), the view record (streamqoe.qoe.views), keys, windows and
watermarks (the Beam layer), and any I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

INACTIVITY_GAP_MS = 120_000
"""A view with no event for longer than this is closed at its last event (heartbeats come every
10 s, so 12 missed heartbeats)."""
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


__all__ = [
    "CLOSE_REASONS",
    "DIMENSION_FIELDS",
    "INACTIVITY_GAP_MS",
    "BitrateSwitch",
    "State",
    "StateInterval",
    "Timeline",
    "view_close",
]
