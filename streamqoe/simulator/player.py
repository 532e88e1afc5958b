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
the manifest fail; a viewer whose patience runs out before the first frame exits (EBVS).

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
    rung0 = abr.choose_rung(
        est_fast, np.zeros(n), np.zeros(n, np.int64), bitrates, top_rung, np.ones(n, bool)
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

    # Segment loop state.
    ar = rng.standard_normal(n) * network.THROUGHPUT_LOG_SIGMA
    prev_arr = np.zeros(n, np.int64)
    prev_play = np.zeros(n, np.int64)
    ring = np.full((n, BUFFER_SEGMENTS), -NEVER, np.int64)
    prev_rung = rung0.copy()
    prev_stalled = np.zeros(n, bool)
    media_idx = sched.start_segment[idx].copy()
    content_segs = cat.duration_ms[content] // SEGMENT_MS
    stop = np.where(start_fail, fail_time, NEVER)
    outcome = np.where(start_fail, OUTCOME_START_FAILURE, OUTCOME_OK)
    first_frame = np.full(n, NEVER)
    seekable = ~live & ~completes
    rows: list[dict[str, np.ndarray]] = []
    active = np.flatnonzero(go)
    k = 0
    while len(active):
        a = active
        m = len(a)
        if k == 0:
            req = d0[a]
            buf = np.zeros(m, np.int64)
            seek = np.zeros(m, bool)
        else:
            room = (
                ring[a, (k - BUFFER_SEGMENTS + 1) % BUFFER_SEGMENTS]
                if k >= BUFFER_SEGMENTS - 1
                else 0
            )
            req = np.maximum(prev_arr[a], room)
            seek = seekable[a] & (rng.random(m) < SEEK_PER_SEGMENT)
            seek_at = prev_play[a] + SEGMENT_MS
            req = np.where(seek, np.maximum(req, seek_at), req)
            played_ring = np.clip(ring[a] + SEGMENT_MS - req[:, None], 0, SEGMENT_MS)
            buf = np.where(seek, 0, played_ring.sum(axis=1))
        starting = (k == 0) | seek
        est = np.minimum(est_fast[a], est_slow[a])
        rung = abr.choose_rung(est, buf, prev_rung[a], bitrates[a], top_rung[a], starting)
        factor, lat, _, mask = incident_effects(inc, pop[a], asn[a], cdn_i[a], req)
        ar[a] = network.next_throughput_state(ar[a], rng)
        thr = network.throughput_kbps(median_thr[a], ar[a], factor)
        hit = rng.random(m) < hit_p[a]
        ttfb = cdn.edge_ttfb_ms(hit, rng) + lat
        br = bitrates[a, rung]
        size = cdn.segment_bytes(br, SEGMENT_MS, rng)
        dl = network.download_ms(size, thr, rtt[a], ttfb)
        fails = vpf_seg[a] == k
        dl = np.where(fails, dl + rng.integers(*FAILURE_RETRY_MS, size=m), dl)
        arr = req + dl
        measured = size * 8.0 / np.maximum(dl, 1)
        est_fast[a], est_slow[a], new_est = abr.update_estimate(est_fast[a], est_slow[a], measured)
        pause_ms = np.zeros(m, np.int64)
        if k == 0:
            play = arr + rng.lognormal(np.log(DECODE_MEDIAN_MS), 0.4, m).astype(np.int64)
            stall_start = np.full(m, NEVER)
            seek_from = np.zeros(m, np.int64)
        else:
            pausing = ~seek & ~live[a] & (rng.random(m) < PAUSE_PER_SEGMENT)
            pause_ms = np.where(pausing, rng.lognormal(np.log(PAUSE_MEDIAN_MS), 1.0, m), 0).astype(
                np.int64
            )
            due = prev_play[a] + SEGMENT_MS + pause_ms
            play = np.where(seek, arr, np.maximum(due, arr))
            stall_start = np.where(~seek & (arr > due), due, NEVER)
            seek_from = (media_idx[a] + 1) * SEGMENT_MS
            # Seek target: a segment that still leaves the rest of the intended watch inside the title.
            remaining = n_seg[a] - k
            hi = np.maximum(content_segs[a] - remaining, 1)
            target = rng.integers(0, hi)
            media_idx[a] = np.where(seek, target, media_idx[a] + 1)
        play = np.where(fails, NEVER, play)
        status = np.where(fails, 504, 200)
        rows.append(
            {
                "view": a,
                "k": np.full(m, k),
                "media": media_idx[a].copy(),
                "req": req,
                "arr": arr,
                "play": play,
                "rung": rung,
                "bytes": size,
                "ttfb": ttfb,
                "thr": measured,
                "est": new_est,
                "buffer": buf,
                "hit": hit,
                "status": status,
                "stall_start": stall_start,
                "pause_at": np.where(pause_ms > 0, prev_play[a] + SEGMENT_MS, NEVER),
                "pause_ms": pause_ms,
                "seek_at": np.where(seek, prev_play[a] + SEGMENT_MS, NEVER)
                if k
                else np.full(m, NEVER),
                "seek_from": seek_from,
                "incidents": mask,
                "prev_stalled": prev_stalled[a].copy(),
            }
        )
        if live[a].any():
            lv = live[a]
            aux.append(
                _aux(
                    rng,
                    a[lv],
                    AUX_MEDIA,
                    req[lv],
                    rung[lv],
                    rtt[a][lv],
                    lat[lv],
                    np.full(int(lv.sum()), 200),
                    cdn.MANIFEST_BYTES,
                )
            )
        switched = (rung != prev_rung[a]) & (k > 0)
        if switched.any():
            sw = switched & ~live[a]
            aux.append(
                _aux(
                    rng,
                    a[sw],
                    AUX_MEDIA,
                    req[sw],
                    rung[sw],
                    rtt[a][sw],
                    lat[sw],
                    np.full(int(sw.sum()), 200),
                    cdn.MANIFEST_BYTES,
                )
            )
            aux.append(
                _aux(
                    rng,
                    a[switched],
                    AUX_INIT,
                    req[switched],
                    rung[switched],
                    rtt[a][switched],
                    lat[switched],
                    np.full(int(switched.sum()), 200),
                    cdn.INIT_SEGMENT_BYTES,
                )
            )
        prev_stalled[a] = stall_start < NEVER
        prev_arr[a] = arr
        prev_play[a] = play
        ring[a, k % BUFFER_SEGMENTS] = play
        prev_rung[a] = rung
        done = (k + 1 >= n_seg[a]) | fails
        if k == 0:
            first_frame[a] = play
            quit_early = (play - t0[a]) > patience[a]
            stop[a[quit_early]] = t0[a[quit_early]] + patience[a[quit_early]]
            outcome[a[quit_early]] = OUTCOME_EBVS
            done |= quit_early
        stop[a[fails]] = arr[fails]
        outcome[a[fails]] = OUTCOME_PLAYBACK_FAILURE
        normal_end = done & ~fails & (outcome[a] == OUTCOME_OK)
        stop[a[normal_end]] = play[normal_end] + last_ms[a[normal_end]]
        active = a[~done]
        k += 1

    ebvs = outcome == OUTCOME_EBVS
    first_frame = np.where(ebvs | start_fail, NEVER, first_frame)
    exit_delay = np.where(
        ebvs,
        0,
        np.where(outcome == OUTCOME_OK, rng.integers(0, 800, n), rng.integers(500, 5000, n)),
    )
    exit_t = stop + exit_delay
    seg = {
        key: np.concatenate([r[key] for r in rows]) if rows else np.zeros(0, np.int64)
        for key in (rows[0] if rows else {"view": 0})
    }
    if rows:
        order = np.lexsort((seg["k"], seg["view"]))
        seg = {key: v[order] for key, v in seg.items()}
        # Requests the viewer never made (quit before), and frames never shown.
        made = seg["req"] < stop[seg["view"]]
        seg = {key: v[made] for key, v in seg.items()}
        seg["play"] = np.where(seg["play"] < stop[seg["view"]], seg["play"], NEVER)
    else:
        seg = {
            key: np.zeros(0, np.int64)
            for key in (
                "view",
                "k",
                "media",
                "req",
                "arr",
                "play",
                "rung",
                "bytes",
                "ttfb",
                "thr",
                "est",
                "buffer",
                "hit",
                "status",
                "stall_start",
                "pause_at",
                "pause_ms",
                "seek_at",
                "seek_from",
                "incidents",
                "prev_stalled",
            )
        }
    ax = {key: np.concatenate([x[key] for x in aux]) for key in aux[0]}
    made = ax["req"] < np.minimum(stop[ax["view"]], NEVER)
    ax = {key: v[made] for key, v in ax.items()}
    order = np.lexsort((ax["req"], ax["view"]))
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
