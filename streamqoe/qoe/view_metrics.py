"""One function per per-view QoE metric, each named as its column in view.v1, read from a Timeline.

video_startup_time_ms, playing_time_ms, rebuffer_count, rebuffer_duration_ms, rebuffer_ratio,
seek_count, seek_buffering_duration_ms, avg_bitrate_kbps, bitrate_switch_count,
bitrate_switch_up_count, bitrate_switch_down_count, time_per_rendition, dropped_frame_ratio,
exit_before_video_start, video_start_failure, video_playback_failure. Definitions, sources and edge
cases: docs/metrics.md (one heading per metric, named as the function).

Left out: building the timeline (streamqoe.qoe.state_machine), the scores (streamqoe.qoe.scores),
assembling the record (streamqoe.qoe.views) and the per-minute split
(streamqoe.qoe.minute_contributions).
"""

from __future__ import annotations

from typing import Any

from streamqoe.qoe.timeline import State, Timeline

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


__all__ = [
    "avg_bitrate_kbps",
    "bitrate_switch_count",
    "bitrate_switch_down_count",
    "bitrate_switch_up_count",
    "dropped_frame_ratio",
    "exit_before_video_start",
    "playing_time_ms",
    "rebuffer_count",
    "rebuffer_duration_ms",
    "rebuffer_ratio",
    "seek_buffering_duration_ms",
    "seek_count",
    "time_per_rendition",
    "video_playback_failure",
    "video_start_failure",
    "video_startup_time_ms",
]
