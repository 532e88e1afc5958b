"""The player model: startup, buffer dynamics, ABR, rebuffering, pauses, seeks and failures.

A chunk of views is simulated together, one media segment step at a time (numpy over the views still
playing), with the classic fetch/play recurrence for segment k of a view:

    D_k = max(A_{k-1}, P_{k-M+1})          request, once the buffer (M segments) has room
    A_k = D_k + download_ms                 arrival
    P_0 = A_0 + decode                      first frame (startup = P_0 - play_request)
    P_k = max(P_{k-1} + SEG + pause_k, A_k) playback of segment k starts
    stall_k = max(0, A_k - (P_{k-1} + SEG + pause_k))   rebuffering before segment k

A seek before segment k flushes the buffer: D_k waits for the seek and the wait until A_k is seek
buffering, not rebuffering. A playback failure makes segment k's request fail; a start failure makes
the manifest fail; a viewer whose patience runs out before the first frame exits (EBVS). The view
stops at `stop` (end of the intended watch, the failure, or the patience running out); the player
sends `exit` at `stop` (after `ended` or a fatal error, which already close the view, a little later).

Speed: everything that does not depend on the player state (seek and pause decisions, seek
targets, cache hits, edge TTFB, VBR sizes, throughput innovations) is drawn up front for every
segment a view may request, and per-view outcomes fix how many segments each view requests. The
step loop then only does the recurrence: views are ordered longest first so the views still
playing at step k are a prefix (state arrays are sliced, not indexed), and step k's rows are one
contiguous slice of a step-major table. Auxiliary requests are derived from the segment table
after the loop.

The result is a flat table of segment requests and of auxiliary requests (manifests, init
segments) plus per-view outcomes; timeline.py turns it into player events and truth.py into metrics.
It leaves out audio tracks, partial segments (LL-HLS), request retries that succeed and CDN failover.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from streamqoe.simulator import abr, cdn, network
from streamqoe.simulator.incidents import IncidentArrays, incident_effects
from streamqoe.simulator.traffic import Schedule
from streamqoe.simulator.world import DEVICES, SEGMENT_MS, World

BUFFER_SEGMENTS = 7  # 28 s forward buffer
START_FAILURE_RATE = 0.006
PLAYBACK_FAILURE_BASE_RATE = 0.002
PLAYBACK_FAILURE_PER_SEGMENT = 0.00004
PATIENCE_MEDIAN_MS = 9_000.0
EARLY_QUIT_SHARE = 0.03
PAUSE_PER_SEGMENT = 0.004
PAUSE_MEDIAN_MS = 20_000.0
SEEK_PER_SEGMENT = 0.003
PLAYER_INIT_MEDIAN_MS = 150.0
DECODE_MEDIAN_MS = 60.0
FAILURE_RETRY_MS = (1_500, 6_000)

OUTCOME_OK = 0
OUTCOME_EBVS = 1
OUTCOME_START_FAILURE = 2
OUTCOME_PLAYBACK_FAILURE = 3

AUX_MASTER, AUX_MEDIA, AUX_INIT = 0, 1, 2
NEVER = np.iinfo(np.int64).max // 4

START_ERROR_CODES = ("MANIFEST_LOAD_ERROR", "NETWORK_ERROR_503", "MANIFEST_PARSING_ERROR")
PLAYBACK_ERROR_CODES = ("FRAG_LOAD_ERROR", "BUFFER_STALLED_ERROR", "MEDIA_ERR_DECODE")


@dataclass
class ChunkSim:
    """Simulated chunk: per-view arrays (length n) and flat request tables."""

    n: int
    index: np.ndarray  # schedule index of each view
    t0: np.ndarray  # play_request, true clock
    first_frame: np.ndarray  # P_0, or NEVER
    stop: np.ndarray  # playback/attempt ends (exit, ended, failure)
    exit: np.ndarray  # exit event time
    outcome: np.ndarray
    error_code: np.ndarray  # index into START/PLAYBACK_ERROR_CODES, -1
    completes: np.ndarray
    top_rung: np.ndarray
    bitrates: np.ndarray  # (n, rungs)
    # segment table, ordered by (view, k)
    s_view: np.ndarray
    s_k: np.ndarray
    s_media: np.ndarray  # media segment index (position / SEGMENT_MS)
    s_req: np.ndarray  # D
    s_arr: np.ndarray  # A
    s_play: np.ndarray  # P, NEVER when not played
    s_rung: np.ndarray
    s_bytes: np.ndarray
    s_ttfb: np.ndarray
    s_thr: np.ndarray  # measured by the player, kbps
    s_est: np.ndarray  # estimate after this segment, kbps
    s_buffer: np.ndarray  # buffer when requested, ms
    s_hit: np.ndarray
    s_status: np.ndarray
    s_stall_start: np.ndarray  # B_k, or NEVER when no stall
    s_pause_at: np.ndarray  # pause start, or NEVER
    s_pause_ms: np.ndarray
    s_seek_at: np.ndarray  # seek time S, or NEVER
    s_seek_from: np.ndarray  # playhead ms before the seek
    s_incidents: np.ndarray  # incident bitmask at request time
    s_bs: np.ndarray  # the previous segment stalled (CMCD bs on this request)
    # auxiliary requests (manifests, init segments)
    a_view: np.ndarray
    a_kind: np.ndarray
    a_req: np.ndarray
    a_ms: np.ndarray
    a_rung: np.ndarray
    a_bytes: np.ndarray
    a_ttfb: np.ndarray
    a_hit: np.ndarray
    a_status: np.ndarray


def _aux(
    rng: np.random.Generator,
    views: np.ndarray,
    kind: int,
    req: np.ndarray,
    rung: np.ndarray,
    rtt: np.ndarray,
    extra_ms: np.ndarray,
    status: np.ndarray,
    size_range: tuple[int, int],
) -> dict[str, np.ndarray]:
    n = len(views)
    hit = rng.random(n) < 0.9
    ttfb = cdn.edge_ttfb_ms(hit, rng) + extra_ms
    size = rng.integers(*size_range, size=n)
    dur = np.ceil(rtt + ttfb + size * 8.0 / 2000.0).astype(np.int64)
    return {
        "view": views,
        "kind": np.full(n, kind),
        "req": req,
        "ms": dur,
        "rung": rung,
        "bytes": size,
        "ttfb": ttfb,
        "hit": hit,
        "status": status,
    }


def simulate_chunk(
    world: World, sched: Schedule, sl: slice, inc: IncidentArrays, rng: np.random.Generator
) -> ChunkSim:
    """Simulate the views `sched[sl]` and return their requests and outcomes."""
    idx = np.arange(sched.n)[sl]
    n = len(idx)
    cat, vw = world.catalog, world.viewers
    viewer = sched.viewer[idx]
    content = sched.content[idx]
    live = cat.is_live[content]
    t0 = sched.start_ms[idx]
    intent = sched.intent_ms[idx]
    completes = sched.completes[idx]
    n_seg = np.maximum(1, -(-intent // SEGMENT_MS))
    last_ms = intent - (n_seg - 1) * SEGMENT_MS
    ladder = cat.ladder[content]
    bitrates = world.ladder_bitrate_kbps[ladder]
    heights = world.ladder_height[ladder]
    max_h = np.array([d[12] for d in DEVICES])[vw.device[viewer]]
    top_rung = np.maximum(((heights > 0) & (heights <= max_h[:, None])).sum(axis=1) - 1, 0)
    median_thr = vw.throughput_kbps[viewer]
    rtt = vw.rtt_ms[viewer]
    pop = vw.pop[viewer]
    asn = world.isp_asn[vw.isp[viewer]]
    cdn_i = vw.cdn[viewer]
    hit_p = cdn.hit_probability(cat.popularity_rank, int((~cat.is_live).sum()), cat.is_live)[
        content
    ]

    # Outcome draws.
    _, lat0, fail_mult, _ = incident_effects(inc, pop, asn, cdn_i, t0)
    start_fail = rng.random(n) < np.minimum(START_FAILURE_RATE * fail_mult, 0.9)
    p_vpf = PLAYBACK_FAILURE_BASE_RATE + PLAYBACK_FAILURE_PER_SEGMENT * n_seg
    vpf_seg = np.where(
        (rng.random(n) < p_vpf) & (n_seg >= 2) & ~start_fail,
        rng.integers(1, np.maximum(n_seg, 2)),
        -1,
    )
    patience = np.where(
        rng.random(n) < EARLY_QUIT_SHARE,
        rng.uniform(300, 3000, n),
        rng.lognormal(np.log(PATIENCE_MEDIAN_MS), 0.6, n),
    ).astype(np.int64)
    error_code = np.full(n, -1)
    error_code[start_fail] = rng.integers(0, len(START_ERROR_CODES), int(start_fail.sum()))
    error_code[vpf_seg >= 0] = rng.integers(0, len(PLAYBACK_ERROR_CODES), int((vpf_seg >= 0).sum()))

    # Startup: player init, master playlist, media playlist, init segment.
    init_ms = rng.lognormal(np.log(PLAYER_INIT_MEDIAN_MS), 0.4, n).astype(np.int64)
    ok200 = np.full(n, 200)
    aux: list[dict[str, np.ndarray]] = []
    views = np.arange(n)
    t_master = t0 + init_ms
    status_master = np.where(start_fail, 503, 200)
    m1 = _aux(
        rng,
        views,
        AUX_MASTER,
        t_master,
        np.zeros(n, np.int64),
        rtt,
        lat0,
        status_master,
        cdn.MANIFEST_BYTES,
    )
    fail_time = t_master + m1["ms"] + rng.integers(*FAILURE_RETRY_MS, size=n)
    aux.append(m1)
    go = ~start_fail
    t_media = t_master + m1["ms"]
    est_fast = np.full(n, abr.INITIAL_ESTIMATE_KBPS)
    est_slow = est_fast.copy()
    ladder_kbps = np.where(bitrates > 0, bitrates, np.inf)  # as abr.choose_rung wants it
    rung0 = abr.choose_rung(
        est_fast, np.zeros(n), np.zeros(n, np.int64), ladder_kbps, top_rung, np.ones(n, bool)
    )
    m2 = _aux(
        rng,
        views[go],
        AUX_MEDIA,
        t_media[go],
        rung0[go],
        rtt[go],
        lat0[go],
        ok200[go],
        cdn.MANIFEST_BYTES,
    )
    aux.append(m2)
    t_init = t_media.copy()
    t_init[go] += m2["ms"]
    m3 = _aux(
        rng,
        views[go],
        AUX_INIT,
        t_init[go],
        rung0[go],
        rtt[go],
        lat0[go],
        ok200[go],
        cdn.INIT_SEGMENT_BYTES,
    )
    aux.append(m3)
    d0 = t_init.copy()
    d0[go] += m3["ms"]

    # Per-segment draws that do not depend on the player state, made up front for every segment a
    # view may request (flat rows: segment k of view v is row off[v] + k).
    n_go = np.where(go, n_seg, 0)
    total = int(n_go.sum())
    off = np.r_[0, np.cumsum(n_go)[:-1]]
    f_view = np.repeat(views, n_go)
    f_k = np.arange(total) - off[f_view]
    later = f_k > 0
    seekable = ~live & ~completes
    f_seek = later & seekable[f_view] & (rng.random(total) < SEEK_PER_SEGMENT)
    pausing = later & ~f_seek & ~live[f_view] & (rng.random(total) < PAUSE_PER_SEGMENT)
    f_pause_ms = np.zeros(total, np.int64)
    f_pause_ms[pausing] = rng.lognormal(np.log(PAUSE_MEDIAN_MS), 1.0, int(pausing.sum()))
    # Seek target: a segment that still leaves the rest of the intended watch inside the title.
    content_segs = cat.duration_ms[content] // SEGMENT_MS
    sv_ = f_view[f_seek]
    f_target = np.zeros(total, np.int64)
    f_target[f_seek] = rng.integers(
        0, np.maximum(content_segs[sv_] - (n_seg[sv_] - f_k[f_seek]), 1)
    )
    f_hit = rng.random(total) < hit_p[f_view]
    f_ttfb = cdn.edge_ttfb_ms(f_hit, rng)
    f_vbr = cdn.segment_vbr_factors(total, rng)
    f_innov = network.throughput_innovations(total, rng)
    retry_ms = rng.integers(*FAILURE_RETRY_MS, size=n)
    decode_ms = rng.lognormal(np.log(DECODE_MEDIAN_MS), 0.4, n).astype(np.int64)
    ar = rng.standard_normal(n) * network.THROUGHPUT_LOG_SIGMA
    # Incidents that slow downloads (throughput or latency), and the views each one targets: only
    # those views are looked up per step.
    slowing = np.flatnonzero((inc.throughput_factor != 1.0) | (inc.added_latency_ms != 0)).tolist()
    exposed = np.zeros((n, len(slowing)), bool)
    for j, i in enumerate(slowing):
        exposed[:, j] = (
            ((inc.pop[i] < 0) | (pop == inc.pop[i]))
            & ((inc.asn[i] < 0) | (asn == inc.asn[i]))
            & ((inc.cdn[i] < 0) | (cdn_i == inc.cdn[i]))
        )
    bitrates_flat = bitrates.ravel()

    # Outputs per flat row, filled as the steps reach them.
    o_req = np.zeros(total, np.int64)
    o_arr = np.zeros(total, np.int64)
    o_play = np.full(total, NEVER)
    o_rung = np.zeros(total, np.int64)
    o_bytes = np.zeros(total, np.int64)
    o_ttfb = np.zeros(total)
    o_thr = np.zeros(total)
    o_est = np.zeros(total)
    o_buf = np.zeros(total, np.int64)
    o_stall = np.full(total, NEVER)

    def fetch(
        v: np.ndarray | slice,
        r: np.ndarray | slice,
        req: np.ndarray,
        rung: np.ndarray,
        state: dict,
        src: dict[str, np.ndarray],
        dst: dict[str, np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray]:
        """Download one segment for views `v` (state arrays indexed by `v`), rows `r` of src/dst."""
        s_ar = state["ar"][v] = network.next_throughput_state(state["ar"][v], src["innov"][r])
        factor: float | np.ndarray = 1.0
        ttfb = src["ttfb"][r]
        for j, i in enumerate(slowing):
            e = state["exposed"][v, j]
            if e.any():
                on = e & (req >= inc.start_ms[i]) & (req < inc.end_ms[i])
                if on.any():
                    factor = factor * np.where(on, inc.throughput_factor[i], 1.0)
                    ttfb = ttfb + np.where(on, inc.added_latency_ms[i], 0)
        thr = network.throughput_kbps(state["median"][v], s_ar, factor)
        size = cdn.segment_bytes(
            bitrates_flat[state["br_base"][v] + rung], SEGMENT_MS, src["vbr"][r]
        )
        dl = network.download_ms(size, thr, state["rtt"][v], ttfb)
        fails = state["vpf"][v] == state["k"]
        if fails.any():
            dl = dl + np.where(fails, state["retry"][v], 0)
        measured = size * 8.0 / np.maximum(dl, 1)
        state["fast"][v], state["slow"][v], est = abr.update_estimate(
            state["fast"][v], state["slow"][v], measured
        )
        arr = req + dl
        dst["req"][r] = req
        dst["arr"][r] = arr
        dst["rung"][r] = rung
        dst["bytes"][r] = size
        dst["ttfb"][r] = ttfb
        dst["thr"][r] = measured
        dst["est"][r] = est
        return arr, fails

    # Step 0 (first segment) for every view that got its manifests.
    g = np.flatnonzero(go)
    state = {
        "ar": ar,
        "exposed": exposed,
        "pop": pop,
        "asn": asn,
        "cdn": cdn_i,
        "median": median_thr,
        "ladder": ladder_kbps,
        "br_base": np.arange(n) * bitrates.shape[1],
        "rtt": rtt,
        "vpf": vpf_seg,
        "retry": retry_ms,
        "fast": est_fast,
        "slow": est_slow,
        "k": 0,
    }
    rows0 = off[g]
    flat_out = {
        "req": o_req,
        "arr": o_arr,
        "rung": o_rung,
        "bytes": o_bytes,
        "ttfb": o_ttfb,
        "thr": o_thr,
        "est": o_est,
        "play": o_play,
        "buffer": o_buf,
        "stall": o_stall,
    }
    flat_in = {"innov": f_innov, "ttfb": f_ttfb, "vbr": f_vbr, "seek": f_seek, "pause": f_pause_ms}
    arr0, _ = fetch(g, rows0, d0[g], rung0[g], state, flat_in, flat_out)
    play0 = arr0 + decode_ms[g]
    o_play[rows0] = play0
    first_frame = np.full(n, NEVER)
    first_frame[g] = play0
    quit_early = np.zeros(n, bool)
    quit_early[g] = (play0 - t0[g]) > patience[g]
    # Segments each view requests: all, up to a failing one, or only the first (quit before start).
    n_run = np.where(
        ~go, 0, np.where(quit_early, 1, np.where(vpf_seg >= 0, vpf_seg + 1, n_seg))
    ).astype(np.int64)

    # Steps k >= 1. Views are ordered by segments to run (longest first), so the views still
    # playing at step k are a prefix of that order and every state array is sliced, not indexed.
    order = np.argsort(-n_run, kind="stable")
    order = order[n_run[order] > 1]
    k_max = int(n_run[order[0]]) if len(order) else 0
    active_at = np.searchsorted(-n_run[order], -np.arange(k_max), side="left")
    arr_last = np.zeros(n, np.int64)
    arr_last[g] = arr0
    play_last = np.zeros(n, np.int64)
    play_last[g] = play0
    o_state = {key: v[order] if isinstance(v, np.ndarray) else v for key, v in state.items()}
    off_o = off[order]
    arr_o, play_o, rung_o = arr_last[order], play_last[order], rung0[order]
    top_o = top_rung[order]
    ring = np.full((len(order), BUFFER_SEGMENTS), -NEVER, np.int64)
    ring[:, 0] = play_o
    # Step-major layout of the rows of steps k >= 1: step k's rows are one contiguous slice, so
    # inputs and outputs are sliced too; scattered back to flat rows after the loop.
    steps_o = n_run[order] - 1
    i_rep = np.repeat(np.arange(len(order)), steps_o)
    k_rep = np.arange(len(i_rep)) - np.repeat(np.cumsum(steps_o) - steps_o, steps_o) + 1
    sm_rows = (off_o[i_rep] + k_rep)[np.lexsort((i_rep, k_rep))]
    sm_in = {key: val[sm_rows] for key, val in flat_in.items()}
    sm_out = {key: np.empty(len(sm_rows), val.dtype) for key, val in flat_out.items()}
    active = active_at.tolist()
    first_row = np.r_[0, np.cumsum(active_at[1:])].tolist()
    for k in range(1, k_max):
        m = active[k]
        v = slice(0, m)
        rows = slice(first_row[k - 1], first_row[k - 1] + m)
        o_state["k"] = k
        prev_play = play_o[:m]
        if k >= BUFFER_SEGMENTS - 1:
            req = np.maximum(arr_o[:m], ring[:m, (k - BUFFER_SEGMENTS + 1) % BUFFER_SEGMENTS])
        else:
            req = arr_o[:m].copy()
        seek = sm_in["seek"][rows]
        any_seek = seek.any()
        if any_seek:
            req = np.where(seek, np.maximum(req, prev_play + SEGMENT_MS), req)
        ahead = ring[:m] - (req - SEGMENT_MS)[:, None]  # ms of each buffered segment not yet played
        buf = np.minimum(np.maximum(ahead, 0, out=ahead), SEGMENT_MS, out=ahead).sum(axis=1)
        if any_seek:
            buf[seek] = 0
        est = np.minimum(o_state["fast"][:m], o_state["slow"][:m])
        rung = abr.choose_rung(est, buf, rung_o[:m], o_state["ladder"][:m], top_o[:m], seek)
        arr, fails = fetch(v, rows, req, rung, o_state, sm_in, sm_out)
        due = prev_play + SEGMENT_MS + sm_in["pause"][rows]
        play = np.maximum(due, arr)
        stall = arr > due
        if any_seek:
            play = np.where(seek, arr, play)
            stall &= ~seek
        if fails.any():
            play = np.where(fails, NEVER, play)
        sm_out["play"][rows] = play
        sm_out["buffer"][rows] = buf
        sm_out["stall"][rows] = np.where(stall, due, NEVER)
        arr_o[:m] = arr
        play_o[:m] = play
        rung_o[:m] = rung
        ring[:m, k % BUFFER_SEGMENTS] = play
    for key, val in sm_out.items():
        flat_out[key][sm_rows] = val

    # Outcomes and when each view stops.
    outcome = np.where(
        start_fail,
        OUTCOME_START_FAILURE,
        np.where(
            quit_early, OUTCOME_EBVS, np.where(vpf_seg >= 0, OUTCOME_PLAYBACK_FAILURE, OUTCOME_OK)
        ),
    )
    stop = np.full(n, NEVER)
    stop[start_fail] = fail_time[start_fail]
    stop[quit_early] = (t0 + patience)[quit_early]
    vpf_v = np.flatnonzero(outcome == OUTCOME_PLAYBACK_FAILURE)
    stop[vpf_v] = o_arr[off[vpf_v] + vpf_seg[vpf_v]]
    ok_v = np.flatnonzero(outcome == OUTCOME_OK)
    stop[ok_v] = o_play[off[ok_v] + n_seg[ok_v] - 1] + last_ms[ok_v]

    # Segment table: rows the views reached; state derived from the previous row of the view.
    # Rows the views reached and requests they made before stopping (an EBVS viewer may quit
    # before its first segment request).
    made = (f_k < n_run[f_view]) & (o_req < stop[f_view])
    prev = np.maximum(np.arange(total) - 1, 0)
    prev_play = o_play[prev]
    anchor = np.where(later & ~f_seek, 0, np.arange(total))
    anchor = np.maximum.accumulate(anchor) if total else anchor
    start_media = np.where(f_seek, f_target, sched.start_segment[idx][f_view])
    f_media = start_media[anchor] + (np.arange(total) - anchor)
    seg = {
        "view": f_view,
        "k": f_k,
        "media": f_media,
        "req": o_req,
        "arr": o_arr,
        "play": o_play,
        "rung": o_rung,
        "bytes": o_bytes,
        "ttfb": o_ttfb,
        "thr": o_thr,
        "est": o_est,
        "buffer": o_buf,
        "hit": f_hit,
        "status": np.where(f_k == vpf_seg[f_view], 504, 200),
        "stall_start": o_stall,
        "pause_at": np.where(f_pause_ms > 0, prev_play + SEGMENT_MS, NEVER),
        "pause_ms": f_pause_ms,
        "seek_at": np.where(f_seek, prev_play + SEGMENT_MS, NEVER),
        "seek_from": np.where(later, (f_media[prev] + 1) * SEGMENT_MS, 0),
        "prev_stalled": later & (o_stall[prev] < NEVER),
        "switched": later & (o_rung != o_rung[prev]),
    }
    seg = {key: val[made] for key, val in seg.items()}
    sv = seg["view"]
    _, s_lat, _, seg["incidents"] = incident_effects(inc, pop[sv], asn[sv], cdn_i[sv], seg["req"])

    # Playlist refreshes (live: one per segment) and rendition switches (new playlist and init).
    lv = live[sv]
    sw = seg["switched"]
    for kind, sel, size_range in (
        (AUX_MEDIA, lv, cdn.MANIFEST_BYTES),
        (AUX_MEDIA, sw & ~lv, cdn.MANIFEST_BYTES),
        (AUX_INIT, sw, cdn.INIT_SEGMENT_BYTES),
    ):
        r = np.flatnonzero(sel)
        aux.append(
            _aux(
                rng,
                sv[r],
                kind,
                seg["req"][r],
                seg["rung"][r],
                rtt[sv[r]],
                s_lat[r],
                np.full(len(r), 200),
                size_range,
            )
        )
    # Frames never shown.
    seg["play"] = np.where(seg["play"] < stop[sv], seg["play"], NEVER)

    ebvs = outcome == OUTCOME_EBVS
    first_frame = np.where(ebvs | start_fail, NEVER, first_frame)
    # A player sends exit when playback stops (the viewer closes it, or gives up waiting): the
    # exit is at `stop`. After `ended` or a fatal error the player stays open a little longer; those
    # events have already closed the view, so its playing time stops at `stop` either way.
    exit_delay = np.where(
        ebvs | ((outcome == OUTCOME_OK) & ~completes),
        0,
        np.where(outcome == OUTCOME_OK, rng.integers(0, 800, n), rng.integers(500, 5000, n)),
    )
    exit_t = stop + exit_delay
    ax = {key: np.concatenate([x[key] for x in aux]) for key in aux[0]}
    made = ax["req"] < stop[ax["view"]]
    ax = {key: v[made] for key, v in ax.items()}
    order = np.lexsort((ax["kind"], ax["req"], ax["view"]))
    ax = {key: v[order] for key, v in ax.items()}
    return ChunkSim(
        n=n,
        index=idx,
        t0=t0,
        first_frame=first_frame,
        stop=stop,
        exit=exit_t,
        outcome=outcome,
        error_code=error_code,
        completes=completes & (outcome == OUTCOME_OK),
        top_rung=top_rung,
        bitrates=bitrates,
        s_view=seg["view"],
        s_k=seg["k"],
        s_media=seg["media"],
        s_req=seg["req"],
        s_arr=seg["arr"],
        s_play=seg["play"],
        s_rung=seg["rung"],
        s_bytes=seg["bytes"],
        s_ttfb=seg["ttfb"],
        s_thr=seg["thr"],
        s_est=seg["est"],
        s_buffer=seg["buffer"],
        s_hit=seg["hit"].astype(bool),
        s_status=seg["status"],
        s_stall_start=seg["stall_start"],
        s_pause_at=seg["pause_at"],
        s_pause_ms=seg["pause_ms"],
        s_seek_at=seg["seek_at"],
        s_seek_from=seg["seek_from"],
        s_incidents=seg["incidents"],
        s_bs=seg["prev_stalled"].astype(bool),
        a_view=ax["view"],
        a_kind=ax["kind"],
        a_req=ax["req"],
        a_ms=ax["ms"],
        a_rung=ax["rung"],
        a_bytes=ax["bytes"],
        a_ttfb=ax["ttfb"],
        a_hit=ax["hit"].astype(bool),
        a_status=ax["status"],
    )
