"""Ground truth: per-view QoE computed from the simulation state, never from the emitted events.

Definitions (docs/simulator.md, same names as docs/metrics.md):
- startup_time_ms: play_request -> first frame; null when no frame was shown.
- playing_time_ms: wall time during which the playhead advanced, up to the stop, where the
  player sends exit (or ended / the fatal error), so the events show the same figure.
- rebuffer_count / rebuffer_duration_ms: stalls after the first frame, excluding seek buffering; a
  stall cut short by a failure or exit counts up to that moment.
- rebuffer_ratio: rebuffer_duration_ms / (playing_time_ms + rebuffer_duration_ms); null when 0/0.
- avg_bitrate_kbps: bitrate of the rendition on screen, weighted by playing time.
- bitrate_switch_up_count / _down_count: changes of the rendition on screen.
- is_exit_before_video_start, is_start_failure, is_playback_failure: mutually exclusive outcomes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from streamqoe.simulator.player import (
    NEVER,
    OUTCOME_EBVS,
    OUTCOME_PLAYBACK_FAILURE,
    OUTCOME_START_FAILURE,
    PLAYBACK_ERROR_CODES,
    START_ERROR_CODES,
    ChunkSim,
)
from streamqoe.simulator.traffic import Schedule
from streamqoe.simulator.world import CDN_NAMES, COUNTRIES, DEVICES, SEGMENT_MS, World


def _sum_by_view(view: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(view, weights=values, minlength=n)


def view_metrics(sim: ChunkSim) -> dict[str, np.ndarray]:
    """Compute each view's QoE metrics from the segment schedule (arrays of length sim.n)."""
    n, sv = sim.n, sim.s_view
    stop = sim.stop[sv]
    played_seg = sim.s_play < NEVER
    played = np.where(
        played_seg,
        np.clip(np.minimum(sim.s_play + SEGMENT_MS, stop) - sim.s_play, 0, SEGMENT_MS),
        0,
    )
    later = sim.s_k > 0
    stall = later & (sim.s_stall_start < stop)
    stall_ms = np.where(stall, np.minimum(sim.s_arr, stop) - sim.s_stall_start, 0)
    seek = later & (sim.s_seek_at < stop)
    seek_ms = np.where(seek, np.minimum(sim.s_arr, stop) - sim.s_seek_at, 0)
    pause = later & (sim.s_pause_at < stop)
    pause_ms = np.where(
        pause, np.minimum(sim.s_pause_at + sim.s_pause_ms, stop) - sim.s_pause_at, 0
    )
    br = sim.bitrates[sv, sim.s_rung] if len(sv) else np.zeros(0)
    prev_rung = np.r_[-1, sim.s_rung[:-1]]
    switch = later & played_seg & (sim.s_rung != prev_rung)
    playing = _sum_by_view(sv, played, n)
    rebuf = _sum_by_view(sv, stall_ms, n)
    bitrate_time = _sum_by_view(sv, br * played, n)
    denom = playing + rebuf
    started = sim.first_frame < NEVER
    return {
        "startup_time_ms": np.where(started, sim.first_frame - sim.t0, -1),
        "playing_time_ms": playing.astype(np.int64),
        "rebuffer_count": np.bincount(sv[stall], minlength=n),
        "rebuffer_duration_ms": rebuf.astype(np.int64),
        "rebuffer_ratio": np.where(denom > 0, rebuf / np.maximum(denom, 1), np.nan),
        "seek_count": np.bincount(sv[seek], minlength=n),
        "seek_buffering_ms": _sum_by_view(sv, seek_ms, n).astype(np.int64),
        "pause_count": np.bincount(sv[pause], minlength=n),
        "paused_ms": _sum_by_view(sv, pause_ms, n).astype(np.int64),
        "avg_bitrate_kbps": np.where(playing > 0, bitrate_time / np.maximum(playing, 1), np.nan),
        "bitrate_switch_up_count": np.bincount(sv[switch & (sim.s_rung > prev_rung)], minlength=n),
        "bitrate_switch_down_count": np.bincount(
            sv[switch & (sim.s_rung < prev_rung)], minlength=n
        ),
        "segment_request_count": np.bincount(sv, minlength=n),
        "incident_mask": _or_by_view(sv, sim.s_incidents, n),
    }


def _or_by_view(view: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, np.int64)
    np.bitwise_or.at(out, view, mask)
    return out


def _ts(ms: np.ndarray) -> pa.Array:
    return pa.array(ms.astype("datetime64[ms]"), type=pa.timestamp("ms", tz="UTC"))


def _nullable_int(values: np.ndarray, null: np.ndarray) -> pa.Array:
    return pa.array(values.astype(np.int64), mask=null, type=pa.int64())


def views_table(
    world: World,
    sched: Schedule,
    sim: ChunkSim,
    is_cmcd: np.ndarray,
    has_cdn_logs: np.ndarray,
    incident_ids: list[str],
    fault_counts: dict[str, np.ndarray],
    start_incident_mask: np.ndarray,
) -> pa.Table:
    """Return the ground-truth rows of one chunk (one row per view)."""
    m = view_metrics(sim)
    idx = sim.index
    vw, cat = world.viewers, world.catalog
    viewer = sched.viewer[idx]
    content = sched.content[idx]
    dev = vw.device[viewer]
    isp = vw.isp[viewer]
    mask = m["incident_mask"] | start_incident_mask
    inc = [
        ",".join(incident_ids[b] for b in range(len(incident_ids)) if x >> b & 1) or None
        for x in mask.tolist()
    ]
    err = np.where(
        sim.outcome == OUTCOME_START_FAILURE,
        np.array(START_ERROR_CODES, object)[np.maximum(sim.error_code, 0)],
        np.where(
            sim.outcome == OUTCOME_PLAYBACK_FAILURE,
            np.array(PLAYBACK_ERROR_CODES, object)[np.maximum(sim.error_code, 0)],
            None,
        ),
    )
    started = sim.first_frame < NEVER
    cols = {
        "view_id": pa.array([sched.view_id[i] for i in idx]),
        "viewer_id": pa.array([vw.viewer_id[v] for v in viewer]),
        "session_id": pa.array([sched.session_id[i] for i in idx]),
        "content_id": pa.array([cat.content_id[c] for c in content]),
        "stream_type": pa.array(np.where(cat.is_live[content], "live", "vod")),
        "cdn": pa.array(np.array(CDN_NAMES)[vw.cdn[viewer]]),
        "pop": pa.array([world.pop_code[p] for p in vw.pop[viewer]]),
        "country": pa.array([COUNTRIES[c][0] for c in vw.country[viewer]]),
        "isp": pa.array([world.isp_name[i] for i in isp]),
        "asn": pa.array(world.isp_asn[isp]),
        "device_type": pa.array(type=pa.string(), obj=[DEVICES[d][1] for d in dev]),
        "os_name": pa.array(type=pa.string(), obj=[DEVICES[d][3] for d in dev]),
        "browser_name": pa.array(type=pa.string(), obj=[DEVICES[d][5] for d in dev]),
        "player_name": pa.array(type=pa.string(), obj=[DEVICES[d][9] for d in dev]),
        "started_at": _ts(sim.t0),
        "first_frame_at": pa.array(
            np.where(started, sim.first_frame, 0).astype("datetime64[ms]"),
            mask=~started,
            type=pa.timestamp("ms", tz="UTC"),
        ),
        "ended_at": _ts(sim.exit),
        "startup_time_ms": _nullable_int(m["startup_time_ms"], ~started),
        "playing_time_ms": pa.array(m["playing_time_ms"]),
        "rebuffer_count": pa.array(m["rebuffer_count"].astype(np.int64)),
        "rebuffer_duration_ms": pa.array(m["rebuffer_duration_ms"]),
        "rebuffer_ratio": pa.array(m["rebuffer_ratio"], from_pandas=True),
        "seek_count": pa.array(m["seek_count"].astype(np.int64)),
        "seek_buffering_ms": pa.array(m["seek_buffering_ms"]),
        "pause_count": pa.array(m["pause_count"].astype(np.int64)),
        "paused_ms": pa.array(m["paused_ms"]),
        "avg_bitrate_kbps": pa.array(m["avg_bitrate_kbps"], from_pandas=True),
        "bitrate_switch_up_count": pa.array(m["bitrate_switch_up_count"].astype(np.int64)),
        "bitrate_switch_down_count": pa.array(m["bitrate_switch_down_count"].astype(np.int64)),
        "is_exit_before_video_start": pa.array(sim.outcome == OUTCOME_EBVS),
        "is_start_failure": pa.array(sim.outcome == OUTCOME_START_FAILURE),
        "is_playback_failure": pa.array(sim.outcome == OUTCOME_PLAYBACK_FAILURE),
        "has_ended": pa.array(sim.completes),
        "error_code": pa.array(err.tolist(), type=pa.string()),
        "reporting": pa.array(np.where(is_cmcd, "cmcd", "beacon")),
        "has_cdn_logs": pa.array(has_cdn_logs),
        "segment_request_count": pa.array(m["segment_request_count"].astype(np.int64)),
        "clock_skew_ms": pa.array(vw.clock_skew_ms[viewer]),
        "incident_ids": pa.array(inc, type=pa.string()),
    }
    for name, values in fault_counts.items():
        cols[name] = pa.array(values.astype(np.int64))
    return pa.table(cols)


def iso_ms(ms: int) -> str:
    """Format epoch ms as RFC 3339 UTC with milliseconds."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
