"""Turn a simulated chunk into the ordered player events of each view (the true timeline).

One flat table of events sorted by (view, sequence_number) with the player state sampled at each
event: playhead, forward buffer, bitrate and rendition being played, last measured throughput.
Heartbeats fall every HEARTBEAT_MS after the play request. Beacon and CMCD emitters format this
table; nothing here knows about JSON or CMCD. Times are the true clock; clock skew is applied by
the emitters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from streamqoe.simulator.player import (
    NEVER,
    OUTCOME_EBVS,
    OUTCOME_PLAYBACK_FAILURE,
    OUTCOME_START_FAILURE,
    ChunkSim,
)
from streamqoe.simulator.world import SEGMENT_MS

HEARTBEAT_MS = 10_000
BATCH_FLUSH_MS = 10_000

EVENT_TYPES = (
    "play_request",
    "playing",
    "pause",
    "resume",
    "seek_start",
    "seek_end",
    "rebuffer_start",
    "rebuffer_end",
    "bitrate_change",
    "error",
    "heartbeat",
    "ended",
    "exit",
)
(
    PLAY_REQUEST,
    PLAYING,
    PAUSE,
    RESUME,
    SEEK_START,
    SEEK_END,
    REBUFFER_START,
    REBUFFER_END,
    BITRATE_CHANGE,
    ERROR,
    HEARTBEAT,
    ENDED,
    EXIT,
) = range(len(EVENT_TYPES))
# Order of events that share a millisecond.
_PRIORITY = np.array([0, 7, 1, 2, 3, 5, 4, 6, 8, 10, 9, 11, 12])
_KEY_SHIFT = 41


@dataclass
class Events:
    """Player events of a chunk, sorted by (view, seq); `view` indexes the chunk's views."""

    view: np.ndarray
    t: np.ndarray  # true clock, epoch ms
    type: np.ndarray
    seq: np.ndarray
    playhead_ms: np.ndarray
    buffer_ms: np.ndarray
    rung: np.ndarray  # -1 before the first frame
    throughput_kbps: np.ndarray  # -1 before the first measurement
    extra: np.ndarray  # startup ms on the first `playing`, error code index on `error`, else -1
    batch: np.ndarray  # beacon batch number within the view
    send_t: np.ndarray  # when the batch holding the event is sent (true clock)

    @property
    def n(self) -> int:
        return len(self.t)


def _keys(view: np.ndarray, t: np.ndarray, base: int) -> np.ndarray:
    rel = np.clip(t - base, 0, (1 << _KEY_SHIFT) - 1)
    return (view.astype(np.int64) << _KEY_SHIFT) | rel


def build_events(sim: ChunkSim, start_segment: np.ndarray) -> Events:
    """Return every player event of the chunk's views with the sampled player state."""
    n = sim.n
    stop = sim.stop
    views = np.arange(n)
    parts: list[tuple[np.ndarray, np.ndarray, int | np.ndarray, np.ndarray]] = []

    def add(v: np.ndarray, t: np.ndarray, kind: int, extra: np.ndarray | None = None) -> None:
        parts.append((v, t, kind, np.full(len(v), -1) if extra is None else extra))

    add(views, sim.t0, PLAY_REQUEST)
    started = sim.first_frame < NEVER
    add(views[started], sim.first_frame[started], PLAYING, (sim.first_frame - sim.t0)[started])
    sv = sim.s_view
    s_stop = stop[sv]
    later = sim.s_k > 0
    m = later & (sim.s_pause_at < s_stop)
    add(sv[m], sim.s_pause_at[m], PAUSE)
    resume = sim.s_pause_at + sim.s_pause_ms
    m = later & (sim.s_pause_at < s_stop) & (resume < s_stop)
    add(sv[m], resume[m], RESUME)
    m = later & (sim.s_seek_at < s_stop)
    add(sv[m], sim.s_seek_at[m], SEEK_START)
    m2 = m & (sim.s_play < NEVER)
    add(sv[m2], sim.s_play[m2], SEEK_END)
    add(sv[m2], sim.s_play[m2], PLAYING)
    m = later & (sim.s_stall_start < s_stop)
    add(sv[m], sim.s_stall_start[m], REBUFFER_START)
    m2 = m & (sim.s_arr < s_stop)
    add(sv[m2], sim.s_arr[m2], REBUFFER_END)
    add(sv[m2], sim.s_arr[m2], PLAYING)
    prev_rung = np.r_[-1, sim.s_rung[:-1]]
    m = later & (sim.s_play < NEVER) & (sim.s_rung != prev_rung)
    add(sv[m], sim.s_play[m], BITRATE_CHANGE)
    failed = (sim.outcome == OUTCOME_START_FAILURE) | (sim.outcome == OUTCOME_PLAYBACK_FAILURE)
    add(views[failed], stop[failed], ERROR, sim.error_code[failed])
    add(views[sim.completes], stop[sim.completes], ENDED)
    n_hb = np.maximum((sim.exit - sim.t0 - 1) // HEARTBEAT_MS, 0)
    hb_view = np.repeat(views, n_hb)
    first = np.r_[0, np.cumsum(n_hb)[:-1]]
    hb_i = np.arange(len(hb_view)) - np.repeat(first, n_hb) + 1
    add(hb_view, sim.t0[hb_view] + hb_i * HEARTBEAT_MS, HEARTBEAT)
    add(views, sim.exit, EXIT)

    ev_view = np.concatenate([p[0] for p in parts]).astype(np.int64)
    ev_t = np.concatenate([p[1] for p in parts]).astype(np.int64)
    ev_type = np.concatenate([np.full(len(p[0]), p[2]) for p in parts]).astype(np.int64)
    ev_extra = np.concatenate([p[3] for p in parts]).astype(np.int64)
    order = np.lexsort((_PRIORITY[ev_type], ev_t, ev_view))
    ev_view, ev_t, ev_type, ev_extra = ev_view[order], ev_t[order], ev_type[order], ev_extra[order]
    counts = np.bincount(ev_view, minlength=n)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    seq = np.arange(len(ev_view)) - starts[ev_view]

    # Player state at each event.
    base = int(sim.t0.min()) if n else 0
    t_state = np.minimum(ev_t, stop[ev_view])  # nothing plays after the view stopped
    ev_key = _keys(ev_view, t_state, base)
    p_key = _keys(sv, sim.s_play, base)
    a_key = _keys(sv, sim.s_arr, base)
    j = np.searchsorted(p_key, ev_key, side="right") - 1
    a = np.searchsorted(a_key, ev_key, side="right")
    seg_first = np.searchsorted(sv, views)  # first row of each view
    vfirst = seg_first[ev_view]
    playing_seg = (j >= vfirst) & (j >= 0)
    jj = np.where(playing_seg, j, 0)
    has_rows = len(sv) > 0
    if has_rows:
        into = np.minimum(t_state - sim.s_play[jj], SEGMENT_MS)
        playhead = np.where(
            playing_seg, sim.s_media[jj] * SEGMENT_MS + into, start_segment[ev_view] * SEGMENT_MS
        )
        buffer = np.where(playing_seg, (a - jj) * SEGMENT_MS - into, (a - vfirst) * SEGMENT_MS)
        rung = np.where(playing_seg, sim.s_rung[jj], -1)
        last = a - 1
        measured = (last >= vfirst) & (last >= 0)
        thr = np.where(measured, np.round(sim.s_thr[np.maximum(last, 0)]).astype(np.int64), -1)
    else:
        playhead = start_segment[ev_view] * SEGMENT_MS
        buffer = np.zeros(len(ev_t), np.int64)
        rung = np.full(len(ev_t), -1)
        thr = np.full(len(ev_t), -1)
    # After a failure or exit nothing more plays: freeze the state at `stop`.
    buffer = np.maximum(buffer, 0)
    ebvs = sim.outcome[ev_view] == OUTCOME_EBVS
    rung = np.where(ebvs, -1, rung)
    batch = -(-(ev_t - sim.t0[ev_view]) // BATCH_FLUSH_MS)
    send_t = np.minimum(sim.t0[ev_view] + batch * BATCH_FLUSH_MS, sim.exit[ev_view])
    return Events(
        view=ev_view,
        t=ev_t,
        type=ev_type,
        seq=seq,
        playhead_ms=playhead.astype(np.int64),
        buffer_ms=buffer.astype(np.int64),
        rung=rung.astype(np.int64),
        throughput_kbps=thr,
        extra=ev_extra,
        batch=batch,
        send_t=send_t,
    )
