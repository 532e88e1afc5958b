"""Format player events as CMCD v2 event-mode reports (CTA-5004-B), as hls.js / SVTA CML send them.

One report per line, keys in alphabetical order, `v=2`, strings quoted, bitrate-like keys as inner
lists (`br=(3200)`), booleans as bare keys. Play-state transitions are `e=ps` with `sta`
(s starting, p playing, a paused, k seeking, r rebuffering, e ended, f fatal error, q quit),
heartbeats are time-interval reports `e=t`, bitrate changes `e=bc`, the fatal error `e=e` with `ec`.
`seek_end` and `rebuffer_end` have no report of their own: the `sta=p` report at the same
millisecond carries the transition. Also formats CMCD v1 request-mode query strings (URL-encoded).
`report_lines` builds the reports in bulk; `format_reports` is the per-report reference.
"""

from __future__ import annotations

import numpy as np

from streamqoe.simulator import columns as col
from streamqoe.simulator import faults as fl
from streamqoe.simulator.config import FaultRates
from streamqoe.simulator.emit_beacon import NETWORK_DELAY_MS, Delivered
from streamqoe.simulator.player import (
    OUTCOME_START_FAILURE,
    PLAYBACK_ERROR_CODES,
    START_ERROR_CODES,
    ChunkSim,
)
from streamqoe.simulator.timeline import (
    BITRATE_CHANGE,
    ENDED,
    ERROR,
    EXIT,
    HEARTBEAT,
    PAUSE,
    PLAY_REQUEST,
    PLAYING,
    REBUFFER_END,
    REBUFFER_START,
    RESUME,
    SEEK_END,
    SEEK_START,
    Events,
)
from streamqoe.simulator.world import LADDERS

# event type -> (e, sta); None = no report.
CMCD_EVENT = {
    PLAY_REQUEST: ("ps", "s"),
    PLAYING: ("ps", "p"),
    PAUSE: ("ps", "a"),
    RESUME: ("ps", "p"),
    SEEK_START: ("ps", "k"),
    SEEK_END: None,
    REBUFFER_START: ("ps", "r"),
    REBUFFER_END: None,
    BITRATE_CHANGE: ("bc", None),
    ERROR: ("e", "f"),
    HEARTBEAT: ("t", None),
    ENDED: ("ps", "e"),
    EXIT: ("ps", "q"),
}


def round_to(value: int, step: int) -> int:
    """Round as CMCD asks for bl (100 ms) and mtp (100 kbps)."""
    return round(value / step) * step


def format_reports(
    ev: Events,
    sim: ChunkSim,
    view_ids: list[str],
    content_ids: list[str],
    sf: list[str],
    live: np.ndarray,
    ladders: np.ndarray,
    skew_ms: np.ndarray,
    live_start_ms: np.ndarray,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return (report lines, chunk view index, send time) for the events of CMCD views."""
    keep = np.array([CMCD_EVENT[t] is not None for t in range(13)])[ev.type]
    vi, tt, typ = ev.view[keep], ev.t[keep], ev.type[keep]
    ph, buf, rung, thr, extra = (
        ev.playhead_ms[keep],
        ev.buffer_ms[keep],
        ev.rung[keep],
        ev.throughput_kbps[keep],
        ev.extra[keep],
    )
    send = tt  # event mode: each report is posted when it happens
    counts = np.bincount(vi, minlength=sim.n)
    sn = np.arange(len(vi)) - np.r_[0, np.cumsum(counts)[:-1]][vi]
    ts = tt + skew_ms[vi]
    start_failed = (sim.outcome == OUTCOME_START_FAILURE).tolist()
    out = []
    for v, t, cts, k, p, b, r, m, x, s in zip(
        vi.tolist(),
        tt.tolist(),
        ts.tolist(),
        typ.tolist(),
        ph.tolist(),
        buf.tolist(),
        rung.tolist(),
        thr.tolist(),
        extra.tolist(),
        sn.tolist(),
        strict=True,
    ):
        e, sta = CMCD_EVENT[k]
        parts = [f"bl=({round_to(b, 100)})"]
        if r >= 0:
            parts.append(f"br=({LADDERS[ladders[v]][r][3]})")
        parts.append(f'cid="{content_ids[v]}"')
        parts.append(f"e={e}")
        if k == ERROR:
            code = (START_ERROR_CODES if start_failed[v] else PLAYBACK_ERROR_CODES)[x]
            parts.append(f'ec=("{code}")')
        if live[v]:
            parts.append(f"ltc={t - live_start_ms[v] - p}")
        if k == PLAYING and x >= 0:
            parts.append(f"msd={x}")
        if m >= 0:
            parts.append(f"mtp=({round_to(m, 100)})")
        parts.append(f"pt={p}")
        parts.append(f"sf={sf[v]}")
        parts.append(f'sid="{view_ids[v]}"')
        parts.append(f"sn={s}")
        parts.append(f"st={'l' if live[v] else 'v'}")
        if sta:
            parts.append(f"sta={sta}")
        parts.append(f"ts={cts}")
        parts.append("v=2")
        out.append(",".join(parts))
    return out, vi, send


def report_lines(
    ev: Events,
    sim: ChunkSim,
    view_ids: list[str],
    content_ids: list[str],
    sf: list[str],
    live: np.ndarray,
    ladders: np.ndarray,
    skew_ms: np.ndarray,
    live_start_ms: np.ndarray,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return what format_reports returns, built from columns without a loop per report.

    format_reports stays as the reference (see the tests).
    """
    keep = np.array([CMCD_EVENT[t] is not None for t in range(13)])[ev.type]
    vi, tt, typ = ev.view[keep], ev.t[keep], ev.type[keep]
    ph, buf, rung, thr, extra = (
        ev.playhead_ms[keep],
        ev.buffer_ms[keep],
        ev.rung[keep],
        ev.throughput_kbps[keep],
        ev.extra[keep],
    )
    n = len(vi)
    counts = np.bincount(vi, minlength=sim.n)
    sn = np.arange(n) - np.r_[0, np.cumsum(counts)[:-1]][vi]
    if n == 0:
        return [], vi, tt
    width = max(len(lad) for lad in LADDERS)
    br_cid = ['),cid="'] * (len(LADDERS) * width + 1)
    for li, lad in enumerate(LADDERS):
        for r in range(len(lad)):
            br_cid[li * width + r] = f'),br=({lad[r][3]}),cid="'
    ladders = np.asarray(ladders, np.int64)
    rung_key = np.where(rung >= 0, ladders[vi] * width + rung, len(br_cid) - 1)
    e_piece = col.objects([f'",e={CMCD_EVENT[t][0]}' if CMCD_EVENT[t] else "" for t in range(13)])
    st_sta = col.objects(
        [
            f",st={st}" + (f",sta={CMCD_EVENT[t][1]}" if CMCD_EVENT[t] and CMCD_EVENT[t][1] else "")
            for st in ("v", "l")
            for t in range(13)
        ]
    )
    live_v = np.asarray(live, bool)
    per_view = col.objects([f',sf={s},sid="{v}",sn=' for s, v in zip(sf, view_ids, strict=True)])
    optional = np.full(n, "", dtype=object)
    start_failed = sim.outcome == OUTCOME_START_FAILURE
    for i in np.flatnonzero(typ == ERROR).tolist():
        v = int(vi[i])
        code = (START_ERROR_CODES if start_failed[v] else PLAYBACK_ERROR_CODES)[int(extra[i])]
        optional[i] = f',ec=("{code}")'
    lv = np.flatnonzero(live_v[vi])
    latency = (tt - live_start_ms[vi] - ph)[lv]
    optional[lv] = optional[lv] + col.objects([f",ltc={x}" for x in latency.tolist()])
    first = np.flatnonzero((typ == PLAYING) & (extra >= 0))
    optional[first] = optional[first] + col.objects([f",msd={x}" for x in extra[first].tolist()])
    mtp = col.by_value(
        np.where(thr >= 0, np.rint(thr / 100).astype(np.int64) * 100, -1),
        lambda x: f",mtp=({x})" if x >= 0 else "",
    )
    pieces: list[col.Piece] = [
        "bl=(",
        col.ints(np.rint(buf / 100).astype(np.int64) * 100),
        col.take(br_cid, rung_key),
        col.take(content_ids, vi),
        col.take(e_piece, typ),
        optional.tolist(),
        mtp,
        ",pt=",
        col.ints(ph),
        col.take(per_view, vi),
        col.ints(sn),
        col.take(st_sta, live_v[vi] * 13 + typ),
        ",ts=",
        col.ints(tt + skew_ms[vi]),
        ",v=2\n",
    ]
    return col.join_lines(pieces, n).split("\n")[:-1], vi, tt


def deliver_reports(
    lines: list[str],
    view: np.ndarray,
    send_t: np.ndarray,
    rates: FaultRates,
    rng: np.random.Generator,
) -> Delivered:
    """Apply CMCD faults (truncated lines, duplicate deliveries) and delivery delays."""
    n = len(lines)
    cut = fl.choose(rng, n, rates.truncated_line)
    u = rng.random(n)
    for i in np.flatnonzero(cut).tolist():
        # Cut inside the quoted sid, so the report cannot be decoded (unterminated string).
        start = lines[i].index('sid="') + 5
        lines[i] = lines[i][: start + int(u[i] * (lines[i].index('"', start) - start))]
    dup = fl.choose(rng, n, rates.duplicate)
    arrival = send_t + rng.integers(*NETWORK_DELAY_MS, size=n)
    d_idx = np.flatnonzero(dup)
    idx = np.r_[np.arange(n), d_idx]
    zeros = np.zeros(len(idx), bool)
    return Delivered(
        lines=lines + [lines[i] for i in d_idx.tolist()],
        arrival_ms=np.r_[
            arrival, arrival[d_idx] + rng.integers(*fl.DUPLICATE_DELAY_MS, size=len(d_idx))
        ],
        view=view[idx],
        events=np.where(cut[idx], 0, 1),
        violations=np.zeros(len(idx), np.int64),
        malformed=cut[idx],
        malformed_units=cut[idx].astype(np.int64),
        duplicate=np.r_[np.zeros(n, bool), np.ones(len(d_idx), bool)],
        late=zeros,
        out_of_order=zeros,
    )


def cmcd_query(keys: dict[str, object]) -> str:
    """Encode CMCD v1 request-mode keys as the `CMCD=` query argument (sorted, URL-encoded).

    True booleans are sent as the bare key; strings are quoted. Used by tests and documentation;
    the CDN emitters inline the same encoding for speed.
    """
    from urllib.parse import quote

    parts = []
    for key in sorted(keys):
        value = keys[key]
        if value is True:
            parts.append(key)
        elif isinstance(value, str) and key not in ("ot", "sf", "st"):
            parts.append(f'{key}="{value}"')
        else:
            parts.append(f"{key}={value}")
    return "CMCD=" + quote(",".join(parts), safe="")
