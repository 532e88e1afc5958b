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

from dataclasses import dataclass, fields

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


@dataclass
class _Views:
    """Per-view inputs of a chunk, read from the world and the schedule (no random draws)."""

    idx: np.ndarray  # schedule index of each view
    n: int
    live: np.ndarray
    t0: np.ndarray  # play_request
    completes: np.ndarray  # the viewer means to watch to the end of the title
    n_seg: np.ndarray  # segments of the intended watch
    last_ms: np.ndarray  # ms of the last segment watched
    bitrates: np.ndarray  # (n, rungs), 0 past the ladder's top
    ladder_kbps: np.ndarray  # bitrates with inf past the top, as abr.choose_rung wants them
    top_rung: np.ndarray  # highest rung the device shows
    median_thr: np.ndarray
    rtt: np.ndarray
    pop: np.ndarray
    asn: np.ndarray
    cdn: np.ndarray
    hit_p: np.ndarray  # edge cache hit probability of the content
    content_segs: np.ndarray  # segments in the title
    start_segment: np.ndarray  # media segment the view starts at


@dataclass
class _Fates:
    """Failure and patience draws, made before anything is played."""

    start_fail: np.ndarray  # the master playlist fails (503)
    vpf_seg: np.ndarray  # segment whose request fails fatally, or -1
    patience: np.ndarray  # ms the viewer waits for the first frame
    error_code: np.ndarray  # index into START/PLAYBACK_ERROR_CODES, -1
    lat0: np.ndarray  # incident latency added at play_request


@dataclass
class _Startup:
    """The startup requests: master playlist, media playlist and init segment."""

    go: np.ndarray  # the manifests loaded (no start failure)
    fail_time: np.ndarray  # when a start failure gives up (after the master playlist and a retry)
    rung0: np.ndarray  # rung of the first segment
    d0: np.ndarray  # request time of the first segment
    est_fast: np.ndarray  # initial throughput estimates, kbps
    est_slow: np.ndarray
    aux: list[dict[str, np.ndarray]]  # the three requests, as _aux tables


@dataclass
class _SegmentDraws:
    """Draws for every segment a view may request (flat rows: segment k of view v is off[v] + k)."""

    total: int
    off: np.ndarray  # first flat row of each view
    f_view: np.ndarray
    f_k: np.ndarray
    later: np.ndarray  # k > 0
    f_seek: np.ndarray  # a seek before the segment
    f_pause_ms: np.ndarray  # a pause before the segment, ms (0: none)
    f_target: np.ndarray  # media segment a seek lands on
    f_hit: np.ndarray
    f_ttfb: np.ndarray
    f_vbr: np.ndarray
    f_innov: np.ndarray
    retry_ms: np.ndarray  # per view: retrying the failing segment before giving up
    decode_ms: np.ndarray  # per view: first segment arrival to first frame
    ar: np.ndarray  # per view: initial throughput state


@dataclass(frozen=True)
class _Slowdowns:
    """Incidents that slow downloads (throughput or latency) and the flat bitrate table."""

    inc: IncidentArrays
    slowing: list[int]  # incident indices that change throughput or latency
    bitrates_flat: np.ndarray  # _Views.bitrates.ravel(), indexed by br_base + rung


@dataclass
class _PlayerState:
    """Per-view player state that downloads update, in the views' current order."""

    ar: np.ndarray  # throughput AR(1) state
    exposed: np.ndarray  # (n, len(slowing)): the view is targeted by slowing incident j
    median: np.ndarray
    ladder: np.ndarray
    br_base: np.ndarray  # row start of the view in _Slowdowns.bitrates_flat
    rtt: np.ndarray
    vpf: np.ndarray
    retry: np.ndarray
    fast: np.ndarray  # throughput estimates, kbps
    slow: np.ndarray
    k: int = 0  # step being simulated

    def reordered(self, order: np.ndarray) -> _PlayerState:
        """Return a copy with every per-view array taken in `order`."""
        arrays = {f.name: getattr(self, f.name)[order] for f in fields(self) if f.name != "k"}
        return _PlayerState(**arrays, k=self.k)


@dataclass
class _FirstSegment:
    """Step 0: the first segment of the views that got their manifests (views `g`)."""

    g: np.ndarray
    arr0: np.ndarray  # A_0 of g
    play0: np.ndarray  # P_0 of g
    first_frame: np.ndarray  # per view: P_0, or NEVER
    quit_early: np.ndarray  # per view: patience ran out before the first frame (EBVS)
    n_run: np.ndarray  # per view: segments requested (0, 1, up to the failing one, or all)


@dataclass
class _Loop:
    """State the steps k >= 1 carry, views ordered longest first (still playing = a prefix)."""

    player: _PlayerState
    arr: np.ndarray  # A_{k-1}
    play: np.ndarray  # P_{k-1}
    rung: np.ndarray
    top: np.ndarray
    ring: np.ndarray  # (views, BUFFER_SEGMENTS): P of the last BUFFER_SEGMENTS segments


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
    """Draw auxiliary requests (manifest or init segment) of `views` made at `req`.

    Draws, in order: cache hits, edge TTFB, sizes.
    """
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
    """Simulate the views `sched[sl]` and return their requests and outcomes.

    The steps run in a fixed order, and so do their draws from `rng`: the output of a seed
    depends on that order.
    """
    v = _view_inputs(world, sched, sl)
    fates = _draw_failures(v, inc, rng)
    start = _startup(v, fates, rng)
    draws = _draw_segment_inputs(v, start.go, rng)
    net, player = _download_model(v, inc, draws, fates, start)
    flat_in = {
        "innov": draws.f_innov,
        "ttfb": draws.f_ttfb,
        "vbr": draws.f_vbr,
        "seek": draws.f_seek,
        "pause": draws.f_pause_ms,
    }
    flat_out = _flat_outputs(draws.total)
    first = _first_segment(v, fates, start, draws, net, player, flat_in, flat_out)
    _later_segments(v, start, draws, net, player, first, flat_in, flat_out)
    outcome, stop = _stop_times(v, fates, start, draws, first.quit_early, flat_out)
    seg, s_lat = _segment_table(v, fates, draws, first.n_run, stop, flat_out, inc)
    aux = start.aux + _refresh_requests(v, seg, s_lat, rng)
    # Frames never shown.
    seg["play"] = np.where(seg["play"] < stop[seg["view"]], seg["play"], NEVER)
    ebvs = outcome == OUTCOME_EBVS
    first_frame = np.where(ebvs | fates.start_fail, NEVER, first.first_frame)
    exit_t = _exit_times(v, outcome, stop, rng)
    ax = _aux_table(aux, stop)
    return _chunk_sim(v, fates, first_frame, stop, exit_t, outcome, seg, ax)


def _view_inputs(world: World, sched: Schedule, sl: slice) -> _Views:
    """Read the views' viewer, content, device ladder, network and CDN inputs (no draws)."""
    idx = np.arange(sched.n)[sl]
    cat, vw = world.catalog, world.viewers
    viewer = sched.viewer[idx]
    content = sched.content[idx]
    intent = sched.intent_ms[idx]
    n_seg = np.maximum(1, -(-intent // SEGMENT_MS))
    ladder = cat.ladder[content]
    bitrates = world.ladder_bitrate_kbps[ladder]
    heights = world.ladder_height[ladder]
    max_h = np.array([d[12] for d in DEVICES])[vw.device[viewer]]
    top_rung = np.maximum(((heights > 0) & (heights <= max_h[:, None])).sum(axis=1) - 1, 0)
    hit_p = cdn.hit_probability(cat.popularity_rank, int((~cat.is_live).sum()), cat.is_live)
    return _Views(
        idx=idx,
        n=len(idx),
        live=cat.is_live[content],
        t0=sched.start_ms[idx],
        completes=sched.completes[idx],
        n_seg=n_seg,
        last_ms=intent - (n_seg - 1) * SEGMENT_MS,
        bitrates=bitrates,
        ladder_kbps=np.where(bitrates > 0, bitrates, np.inf),
        top_rung=top_rung,
        median_thr=vw.throughput_kbps[viewer],
        rtt=vw.rtt_ms[viewer],
        pop=vw.pop[viewer],
        asn=world.isp_asn[vw.isp[viewer]],
        cdn=vw.cdn[viewer],
        hit_p=hit_p[content],
        content_segs=cat.duration_ms[content] // SEGMENT_MS,
        start_segment=sched.start_segment[idx],
    )


def _draw_failures(v: _Views, inc: IncidentArrays, rng: np.random.Generator) -> _Fates:
    """Draw who fails to start, which segment fails playback, each viewer's patience, error codes.

    Draws, in order: start failures, playback failures and their segments, early quitters and
    patience (uniform, lognormal), start error codes, playback error codes.
    """
    n, n_seg = v.n, v.n_seg
    _, lat0, fail_mult, _ = incident_effects(inc, v.pop, v.asn, v.cdn, v.t0)
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
    return _Fates(start_fail, vpf_seg, patience, error_code, lat0)


def _startup(v: _Views, fates: _Fates, rng: np.random.Generator) -> _Startup:
    """Player init, master playlist, media playlist and init segment, up to the first request.

    A start failure fails the master playlist (503) and gives up after a retry wait; the other
    views load the media playlist and init segment of the rung the initial estimate picks.
    Draws, in order: player init, master playlist, retry wait, media playlist, init segment.
    """
    n, rtt, lat0 = v.n, v.rtt, fates.lat0
    start_fail = fates.start_fail
    init_ms = rng.lognormal(np.log(PLAYER_INIT_MEDIAN_MS), 0.4, n).astype(np.int64)
    ok200 = np.full(n, 200)
    views = np.arange(n)
    t_master = v.t0 + init_ms
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
    go = ~start_fail
    t_media = t_master + m1["ms"]
    est_fast = np.full(n, abr.INITIAL_ESTIMATE_KBPS)
    est_slow = est_fast.copy()
    rung0 = abr.choose_rung(
        est_fast, np.zeros(n), np.zeros(n, np.int64), v.ladder_kbps, v.top_rung, np.ones(n, bool)
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
    d0 = t_init.copy()
    d0[go] += m3["ms"]
    return _Startup(go, fail_time, rung0, d0, est_fast, est_slow, [m1, m2, m3])


def _draw_segment_inputs(v: _Views, go: np.ndarray, rng: np.random.Generator) -> _SegmentDraws:
    """Draw what does not depend on the player state, for every segment a view may request.

    Seeks (not on live or watch-to-the-end views) and pauses (not on live) come before segments
    k >= 1; a seek target leaves the rest of the intended watch inside the title.
    Draws, in order: seeks, pauses, pause lengths, seek targets, cache hits, edge TTFB, VBR
    factors, throughput innovations; then per view: retry waits, decode times, throughput state.
    """
    n, n_seg = v.n, v.n_seg
    views = np.arange(n)
    n_go = np.where(go, n_seg, 0)
    total = int(n_go.sum())
    off = np.r_[0, np.cumsum(n_go)[:-1]]
    f_view = np.repeat(views, n_go)
    f_k = np.arange(total) - off[f_view]
    later = f_k > 0
    seekable = ~v.live & ~v.completes
    f_seek = later & seekable[f_view] & (rng.random(total) < SEEK_PER_SEGMENT)
    pausing = later & ~f_seek & ~v.live[f_view] & (rng.random(total) < PAUSE_PER_SEGMENT)
    f_pause_ms = np.zeros(total, np.int64)
    f_pause_ms[pausing] = rng.lognormal(np.log(PAUSE_MEDIAN_MS), 1.0, int(pausing.sum()))
    sv_ = f_view[f_seek]
    f_target = np.zeros(total, np.int64)
    f_target[f_seek] = rng.integers(
        0, np.maximum(v.content_segs[sv_] - (n_seg[sv_] - f_k[f_seek]), 1)
    )
    f_hit = rng.random(total) < v.hit_p[f_view]
    f_ttfb = cdn.edge_ttfb_ms(f_hit, rng)
    f_vbr = cdn.segment_vbr_factors(total, rng)
    f_innov = network.throughput_innovations(total, rng)
    retry_ms = rng.integers(*FAILURE_RETRY_MS, size=n)
    decode_ms = rng.lognormal(np.log(DECODE_MEDIAN_MS), 0.4, n).astype(np.int64)
    ar = rng.standard_normal(n) * network.THROUGHPUT_LOG_SIGMA
    return _SegmentDraws(
        total=total,
        off=off,
        f_view=f_view,
        f_k=f_k,
        later=later,
        f_seek=f_seek,
        f_pause_ms=f_pause_ms,
        f_target=f_target,
        f_hit=f_hit,
        f_ttfb=f_ttfb,
        f_vbr=f_vbr,
        f_innov=f_innov,
        retry_ms=retry_ms,
        decode_ms=decode_ms,
        ar=ar,
    )


def _download_model(
    v: _Views, inc: IncidentArrays, draws: _SegmentDraws, fates: _Fates, start: _Startup
) -> tuple[_Slowdowns, _PlayerState]:
    """Find the incidents that slow downloads and the views each targets; set up the player state.

    Only the targeted views are looked up per step.
    """
    slowing = np.flatnonzero((inc.throughput_factor != 1.0) | (inc.added_latency_ms != 0)).tolist()
    exposed = np.zeros((v.n, len(slowing)), bool)
    for j, i in enumerate(slowing):
        exposed[:, j] = (
            ((inc.pop[i] < 0) | (v.pop == inc.pop[i]))
            & ((inc.asn[i] < 0) | (v.asn == inc.asn[i]))
            & ((inc.cdn[i] < 0) | (v.cdn == inc.cdn[i]))
        )
    net = _Slowdowns(inc, slowing, v.bitrates.ravel())
    player = _PlayerState(
        ar=draws.ar,
        exposed=exposed,
        median=v.median_thr,
        ladder=v.ladder_kbps,
        br_base=np.arange(v.n) * v.bitrates.shape[1],
        rtt=v.rtt,
        vpf=fates.vpf_seg,
        retry=draws.retry_ms,
        fast=start.est_fast,
        slow=start.est_slow,
    )
    return net, player


def _flat_outputs(total: int) -> dict[str, np.ndarray]:
    """Allocate the per-row outputs, filled as the steps reach them."""
    return {
        "req": np.zeros(total, np.int64),
        "arr": np.zeros(total, np.int64),
        "rung": np.zeros(total, np.int64),
        "bytes": np.zeros(total, np.int64),
        "ttfb": np.zeros(total),
        "thr": np.zeros(total),
        "est": np.zeros(total),
        "play": np.full(total, NEVER),
        "buffer": np.zeros(total, np.int64),
        "stall": np.full(total, NEVER),
    }


def _fetch(
    net: _Slowdowns,
    st: _PlayerState,
    v: np.ndarray | slice,
    r: np.ndarray | slice,
    req: np.ndarray,
    rung: np.ndarray,
    src: dict[str, np.ndarray],
    dst: dict[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Download one segment for views `v` (state arrays indexed by `v`), rows `r` of src/dst.

    Advances the throughput state, applies the slowing incidents active at `req`, adds the retry
    wait to a failing request, updates the estimates and writes the request's row. Returns the
    arrival times and which requests fail. No draws.
    """
    inc = net.inc
    s_ar = st.ar[v] = network.next_throughput_state(st.ar[v], src["innov"][r])
    factor: float | np.ndarray = 1.0
    ttfb = src["ttfb"][r]
    for j, i in enumerate(net.slowing):
        e = st.exposed[v, j]
        if e.any():
            on = e & (req >= inc.start_ms[i]) & (req < inc.end_ms[i])
            if on.any():
                factor = factor * np.where(on, inc.throughput_factor[i], 1.0)
                ttfb = ttfb + np.where(on, inc.added_latency_ms[i], 0)
    thr = network.throughput_kbps(st.median[v], s_ar, factor)
    size = cdn.segment_bytes(net.bitrates_flat[st.br_base[v] + rung], SEGMENT_MS, src["vbr"][r])
    dl = network.download_ms(size, thr, st.rtt[v], ttfb)
    fails = st.vpf[v] == st.k
    if fails.any():
        dl = dl + np.where(fails, st.retry[v], 0)
    measured = size * 8.0 / np.maximum(dl, 1)
    st.fast[v], st.slow[v], est = abr.update_estimate(st.fast[v], st.slow[v], measured)
    arr = req + dl
    dst["req"][r] = req
    dst["arr"][r] = arr
    dst["rung"][r] = rung
    dst["bytes"][r] = size
    dst["ttfb"][r] = ttfb
    dst["thr"][r] = measured
    dst["est"][r] = est
    return arr, fails


def _first_segment(
    v: _Views,
    fates: _Fates,
    start: _Startup,
    draws: _SegmentDraws,
    net: _Slowdowns,
    player: _PlayerState,
    flat_in: dict[str, np.ndarray],
    flat_out: dict[str, np.ndarray],
) -> _FirstSegment:
    """Step 0: the first segment of every view that got its manifests, first frame, EBVS.

    A viewer whose patience runs out before the first frame quits (EBVS). Fixes how many
    segments each view requests: all, up to the failing one, or only the first (EBVS). No draws.
    """
    n = v.n
    g = np.flatnonzero(start.go)
    rows0 = draws.off[g]
    arr0, _ = _fetch(net, player, g, rows0, start.d0[g], start.rung0[g], flat_in, flat_out)
    play0 = arr0 + draws.decode_ms[g]
    flat_out["play"][rows0] = play0
    first_frame = np.full(n, NEVER)
    first_frame[g] = play0
    quit_early = np.zeros(n, bool)
    quit_early[g] = (play0 - v.t0[g]) > fates.patience[g]
    vpf_seg = fates.vpf_seg
    n_run = np.where(
        ~start.go, 0, np.where(quit_early, 1, np.where(vpf_seg >= 0, vpf_seg + 1, v.n_seg))
    ).astype(np.int64)
    return _FirstSegment(g, arr0, play0, first_frame, quit_early, n_run)


def _step_major_layout(
    n_run: np.ndarray, off: np.ndarray
) -> tuple[np.ndarray, int, list[int], list[int], np.ndarray]:
    """Order the views for steps k >= 1 and lay out their rows step-major.

    Views are ordered by segments to run (longest first), so the views still playing at step k
    are a prefix of that order and every state array is sliced, not indexed; step k's rows are
    one contiguous slice of the step-major table. Returns (order, k_max, views active at each
    step, first step-major row of each step, flat row of each step-major row).
    """
    order = np.argsort(-n_run, kind="stable")
    order = order[n_run[order] > 1]
    k_max = int(n_run[order[0]]) if len(order) else 0
    active_at = np.searchsorted(-n_run[order], -np.arange(k_max), side="left")
    off_o = off[order]
    steps_o = n_run[order] - 1
    i_rep = np.repeat(np.arange(len(order)), steps_o)
    k_rep = np.arange(len(i_rep)) - np.repeat(np.cumsum(steps_o) - steps_o, steps_o) + 1
    sm_rows = (off_o[i_rep] + k_rep)[np.lexsort((i_rep, k_rep))]
    first_row = np.r_[0, np.cumsum(active_at[1:])].tolist()
    return order, k_max, active_at.tolist(), first_row, sm_rows


def _later_segments(
    v: _Views,
    start: _Startup,
    draws: _SegmentDraws,
    net: _Slowdowns,
    player: _PlayerState,
    first: _FirstSegment,
    flat_in: dict[str, np.ndarray],
    flat_out: dict[str, np.ndarray],
) -> None:
    """Steps k >= 1 of every view still playing; the rows are scattered into `flat_out`. No draws."""
    n = v.n
    order, k_max, active, first_row, sm_rows = _step_major_layout(first.n_run, draws.off)
    arr_last = np.zeros(n, np.int64)
    arr_last[first.g] = first.arr0
    play_last = np.zeros(n, np.int64)
    play_last[first.g] = first.play0
    loop = _Loop(
        player=player.reordered(order),
        arr=arr_last[order],
        play=play_last[order],
        rung=start.rung0[order],
        top=v.top_rung[order],
        ring=np.full((len(order), BUFFER_SEGMENTS), -NEVER, np.int64),
    )
    loop.ring[:, 0] = loop.play
    sm_in = {key: val[sm_rows] for key, val in flat_in.items()}
    sm_out = {key: np.empty(len(sm_rows), val.dtype) for key, val in flat_out.items()}
    for k in range(1, k_max):
        m = active[k]
        rows = slice(first_row[k - 1], first_row[k - 1] + m)
        _segment_step(k, m, rows, loop, net, sm_in, sm_out)
    for key, val in sm_out.items():
        flat_out[key][sm_rows] = val


def _segment_step(
    k: int,
    m: int,
    rows: slice,
    loop: _Loop,
    net: _Slowdowns,
    sm_in: dict[str, np.ndarray],
    sm_out: dict[str, np.ndarray],
) -> None:
    """Segment k of the first `m` views of `loop` (step-major rows `rows`): request, ABR, download,
    playback and stall; updates `loop` and writes the rows."""
    v = slice(0, m)
    loop.player.k = k
    prev_play = loop.play[:m]
    seek = sm_in["seek"][rows]
    any_seek = seek.any()
    req = _request_times(k, m, loop, prev_play, seek, any_seek)
    buf = _buffer_ms(loop.ring[:m], req, seek, any_seek)
    st = loop.player
    est = np.minimum(st.fast[:m], st.slow[:m])
    rung = abr.choose_rung(est, buf, loop.rung[:m], st.ladder[:m], loop.top[:m], seek)
    arr, fails = _fetch(net, st, v, rows, req, rung, sm_in, sm_out)
    play, stall_start = _playback_and_stalls(
        prev_play, arr, sm_in["pause"][rows], seek, any_seek, fails
    )
    sm_out["play"][rows] = play
    sm_out["buffer"][rows] = buf
    sm_out["stall"][rows] = stall_start
    loop.arr[:m] = arr
    loop.play[:m] = play
    loop.rung[:m] = rung
    loop.ring[:m, k % BUFFER_SEGMENTS] = play


def _request_times(
    k: int, m: int, loop: _Loop, prev_play: np.ndarray, seek: np.ndarray, any_seek: bool
) -> np.ndarray:
    """D_k = max(A_{k-1}, P_{k-M+1}): once the previous segment arrived and the buffer has room;
    a seek before segment k also waits for the seek (the end of segment k-1's playback)."""
    if k >= BUFFER_SEGMENTS - 1:
        req = np.maximum(loop.arr[:m], loop.ring[:m, (k - BUFFER_SEGMENTS + 1) % BUFFER_SEGMENTS])
    else:
        req = loop.arr[:m].copy()
    if any_seek:
        req = np.where(seek, np.maximum(req, prev_play + SEGMENT_MS), req)
    return req


def _buffer_ms(ring: np.ndarray, req: np.ndarray, seek: np.ndarray, any_seek: bool) -> np.ndarray:
    """Buffer at request time, ms: the unplayed part of each buffered segment; a seek flushes it."""
    ahead = ring - (req - SEGMENT_MS)[:, None]  # ms of each buffered segment not yet played
    buf = np.minimum(np.maximum(ahead, 0, out=ahead), SEGMENT_MS, out=ahead).sum(axis=1)
    if any_seek:
        buf[seek] = 0
    return buf


def _playback_and_stalls(
    prev_play: np.ndarray,
    arr: np.ndarray,
    pause_ms: np.ndarray,
    seek: np.ndarray,
    any_seek: bool,
    fails: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """P_k = max(P_{k-1} + SEG + pause_k, A_k), and the stall start B_k when A_k is late.

    After a seek, playback starts at arrival and the wait is seek buffering, not a stall; a
    failed segment is never played. Returns (P_k or NEVER, B_k or NEVER).
    """
    due = prev_play + SEGMENT_MS + pause_ms
    play = np.maximum(due, arr)
    stall = arr > due
    if any_seek:
        play = np.where(seek, arr, play)
        stall &= ~seek
    if fails.any():
        play = np.where(fails, NEVER, play)
    return play, np.where(stall, due, NEVER)


def _stop_times(
    v: _Views,
    fates: _Fates,
    start: _Startup,
    draws: _SegmentDraws,
    quit_early: np.ndarray,
    flat_out: dict[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Outcome of each view and when it stops: the start failure gives up, the patience runs
    out (EBVS), the failing segment arrives, or the last segment's intended part has played."""
    start_fail, vpf_seg, off = fates.start_fail, fates.vpf_seg, draws.off
    outcome = np.where(
        start_fail,
        OUTCOME_START_FAILURE,
        np.where(
            quit_early, OUTCOME_EBVS, np.where(vpf_seg >= 0, OUTCOME_PLAYBACK_FAILURE, OUTCOME_OK)
        ),
    )
    stop = np.full(v.n, NEVER)
    stop[start_fail] = start.fail_time[start_fail]
    stop[quit_early] = (v.t0 + fates.patience)[quit_early]
    vpf_v = np.flatnonzero(outcome == OUTCOME_PLAYBACK_FAILURE)
    stop[vpf_v] = flat_out["arr"][off[vpf_v] + vpf_seg[vpf_v]]
    ok_v = np.flatnonzero(outcome == OUTCOME_OK)
    stop[ok_v] = flat_out["play"][off[ok_v] + v.n_seg[ok_v] - 1] + v.last_ms[ok_v]
    return outcome, stop


def _segment_table(
    v: _Views,
    fates: _Fates,
    draws: _SegmentDraws,
    n_run: np.ndarray,
    stop: np.ndarray,
    flat_out: dict[str, np.ndarray],
    inc: IncidentArrays,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The segment requests the views made before stopping, with the state derived from the
    previous row of the view (media position, pause and seek times, bs, switches) and the
    incidents active at each request. Returns the table and each row's incident latency.

    An EBVS viewer may quit before its first segment request. No draws.
    """
    total, f_view, f_k, later, f_seek = (
        draws.total,
        draws.f_view,
        draws.f_k,
        draws.later,
        draws.f_seek,
    )
    o_req, o_play, o_rung, o_stall = (
        flat_out["req"],
        flat_out["play"],
        flat_out["rung"],
        flat_out["stall"],
    )
    made = (f_k < n_run[f_view]) & (o_req < stop[f_view])
    prev = np.maximum(np.arange(total) - 1, 0)
    prev_play = o_play[prev]
    anchor = np.where(later & ~f_seek, 0, np.arange(total))
    anchor = np.maximum.accumulate(anchor) if total else anchor
    start_media = np.where(f_seek, draws.f_target, v.start_segment[f_view])
    f_media = start_media[anchor] + (np.arange(total) - anchor)
    seg = {
        "view": f_view,
        "k": f_k,
        "media": f_media,
        "req": o_req,
        "arr": flat_out["arr"],
        "play": o_play,
        "rung": o_rung,
        "bytes": flat_out["bytes"],
        "ttfb": flat_out["ttfb"],
        "thr": flat_out["thr"],
        "est": flat_out["est"],
        "buffer": flat_out["buffer"],
        "hit": draws.f_hit,
        "status": np.where(f_k == fates.vpf_seg[f_view], 504, 200),
        "stall_start": o_stall,
        "pause_at": np.where(draws.f_pause_ms > 0, prev_play + SEGMENT_MS, NEVER),
        "pause_ms": draws.f_pause_ms,
        "seek_at": np.where(f_seek, prev_play + SEGMENT_MS, NEVER),
        "seek_from": np.where(later, (f_media[prev] + 1) * SEGMENT_MS, 0),
        "prev_stalled": later & (o_stall[prev] < NEVER),
        "switched": later & (o_rung != o_rung[prev]),
    }
    seg = {key: val[made] for key, val in seg.items()}
    sv = seg["view"]
    _, s_lat, _, seg["incidents"] = incident_effects(
        inc, v.pop[sv], v.asn[sv], v.cdn[sv], seg["req"]
    )
    return seg, s_lat


def _refresh_requests(
    v: _Views, seg: dict[str, np.ndarray], s_lat: np.ndarray, rng: np.random.Generator
) -> list[dict[str, np.ndarray]]:
    """Playlist refreshes (live: one per segment) and rendition switches (new playlist and init).

    Draws, in order: live refreshes, VOD switch playlists, switch init segments.
    """
    sv = seg["view"]
    lv = v.live[sv]
    sw = seg["switched"]
    aux = []
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
                v.rtt[sv[r]],
                s_lat[r],
                np.full(len(r), 200),
                size_range,
            )
        )
    return aux


def _exit_times(
    v: _Views, outcome: np.ndarray, stop: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """When each player sends exit.

    A player sends exit when playback stops (the viewer closes it, or gives up waiting): the
    exit is at `stop`. After `ended` or a fatal error the player stays open a little longer; those
    events have already closed the view, so its playing time stops at `stop` either way.
    Draws, in order: the delay after `ended`, the delay after a fatal error (for every view).
    """
    n = v.n
    ebvs = outcome == OUTCOME_EBVS
    exit_delay = np.where(
        ebvs | ((outcome == OUTCOME_OK) & ~v.completes),
        0,
        np.where(outcome == OUTCOME_OK, rng.integers(0, 800, n), rng.integers(500, 5000, n)),
    )
    return stop + exit_delay


def _aux_table(aux: list[dict[str, np.ndarray]], stop: np.ndarray) -> dict[str, np.ndarray]:
    """The auxiliary requests made before the view stopped, ordered by (view, request, kind)."""
    ax = {key: np.concatenate([x[key] for x in aux]) for key in aux[0]}
    made = ax["req"] < stop[ax["view"]]
    ax = {key: v[made] for key, v in ax.items()}
    order = np.lexsort((ax["kind"], ax["req"], ax["view"]))
    return {key: v[order] for key, v in ax.items()}


def _chunk_sim(
    v: _Views,
    fates: _Fates,
    first_frame: np.ndarray,
    stop: np.ndarray,
    exit_t: np.ndarray,
    outcome: np.ndarray,
    seg: dict[str, np.ndarray],
    ax: dict[str, np.ndarray],
) -> ChunkSim:
    """Assemble the ChunkSim from the per-view results and the two request tables."""
    return ChunkSim(
        n=v.n,
        index=v.idx,
        t0=v.t0,
        first_frame=first_frame,
        stop=stop,
        exit=exit_t,
        outcome=outcome,
        error_code=fates.error_code,
        completes=v.completes & (outcome == OUTCOME_OK),
        top_rung=v.top_rung,
        bitrates=v.bitrates,
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
