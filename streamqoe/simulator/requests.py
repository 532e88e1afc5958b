"""The HTTP requests a chunk's players made, as one table the CDN log emitters share.

Joins segment requests and auxiliary requests (master/media playlists, init segments) of the views
selected for CDN logging, with what the player knew when it sent each request (buffer, throughput
estimate, starvation) for the CMCD keys, and the request path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from streamqoe.simulator import columns as col
from streamqoe.simulator.player import AUX_INIT, AUX_MASTER, AUX_MEDIA, ChunkSim

KIND_SEGMENT = 3
OBJECT_TYPE = {AUX_MASTER: "m", AUX_MEDIA: "m", AUX_INIT: "i", KIND_SEGMENT: "av"}


@dataclass
class Requests:
    """Requests of a chunk sorted by request time."""

    view: np.ndarray
    t: np.ndarray  # request received by the edge, epoch ms
    duration_ms: np.ndarray
    ttfb_ms: np.ndarray
    bytes: np.ndarray
    status: np.ndarray
    hit: np.ndarray
    kind: np.ndarray
    rung: np.ndarray
    media: np.ndarray  # media segment number (segments only)
    buffer_ms: np.ndarray
    estimate_kbps: np.ndarray  # -1 when unknown
    bs: np.ndarray
    su: np.ndarray

    @property
    def n(self) -> int:
        return len(self.t)

    def subset(self, rows: np.ndarray) -> Requests:
        """Return the requests at `rows` (indices into this table)."""
        return Requests(**{k: getattr(self, k)[rows] for k in self.__dataclass_fields__})


def build_requests(sim: ChunkSim, logged: np.ndarray) -> Requests:
    """Return the requests of the views where `logged` is true, sorted by time."""
    s = logged[sim.s_view]
    a = logged[sim.a_view]
    s_dur = sim.s_arr[s] - sim.s_req[s]
    su = (sim.s_k[s] == 0) | (sim.s_buffer[s] == 0)
    est_before = np.r_[-1.0, sim.s_est[:-1]][s]
    est_before = np.where(sim.s_k[s] == 0, -1, est_before)
    na = int(a.sum())
    view = np.r_[sim.s_view[s], sim.a_view[a]]
    t = np.r_[sim.s_req[s], sim.a_req[a]]
    order = np.lexsort((view, t))
    cols = {
        "view": view,
        "t": t,
        "duration_ms": np.r_[s_dur, sim.a_ms[a]],
        "ttfb_ms": np.r_[sim.s_ttfb[s], sim.a_ttfb[a]],
        "bytes": np.r_[sim.s_bytes[s], sim.a_bytes[a]],
        "status": np.r_[sim.s_status[s], sim.a_status[a]],
        "hit": np.r_[sim.s_hit[s], sim.a_hit[a]],
        "kind": np.r_[np.full(int(s.sum()), KIND_SEGMENT), sim.a_kind[a]],
        "rung": np.r_[sim.s_rung[s], sim.a_rung[a]],
        "media": np.r_[sim.s_media[s], np.zeros(na, np.int64)],
        "buffer_ms": np.r_[sim.s_buffer[s], np.zeros(na, np.int64)],
        "estimate_kbps": np.r_[est_before, np.full(na, -1.0)],
        "bs": np.r_[sim.s_bs[s], np.zeros(na, bool)],
        "su": np.r_[su, np.zeros(na, bool)],
    }
    return Requests(**{k: v[order] for k, v in cols.items()})


@dataclass
class ViewContext:
    """Per-view strings the log emitters repeat on every request of a view."""

    content_id: list[str]
    view_id: list[str]
    base_path: list[str]  # /vod/<content_id> or /live/<content_id>
    sf: list[str]
    st: list[str]
    top_bitrate_kbps: list[int]
    ladder: list[int]
    ip: list[str]
    user_agent: list[str]


def paths_and_queries(
    req: Requests, ctx: ViewContext, ladders: tuple
) -> tuple[list[str], list[str]]:
    """Return each request's URI path and its query string (`CMCD=` v1, URL-encoded, keys sorted)."""
    paths, queries = [], []
    p_app, q_app = paths.append, queries.append
    for v, kind, rung, media, buf, est, bs, su in zip(
        req.view.tolist(),
        req.kind.tolist(),
        req.rung.tolist(),
        req.media.tolist(),
        req.buffer_ms.tolist(),
        req.estimate_kbps.tolist(),
        req.bs.tolist(),
        req.su.tolist(),
        strict=True,
    ):
        base = ctx.base_path[v]
        sf = ctx.sf[v]
        rname, _, _, br, _, _ = ladders[ctx.ladder[v]][rung]
        tail = (
            f"%2Csf%3D{sf}%2Csid%3D%22{ctx.view_id[v]}%22%2Cst%3D{ctx.st[v]}"
            f"{'%2Csu' if su or kind != KIND_SEGMENT else ''}%2Ctb%3D{ctx.top_bitrate_kbps[v]}"
        )
        cid = f"cid%3D%22{ctx.content_id[v]}%22"
        mtp = f"%2Cmtp%3D{round(est / 100.0) * 100}" if est > 0 else ""
        if kind == KIND_SEGMENT:
            p_app(f"{base}/{rname}/seg_{media:06d}.m4s")
            q_app(
                f"CMCD=bl%3D{round(buf / 100.0) * 100}%2Cbr%3D{br}{'%2Cbs' if bs else ''}%2C{cid}"
                f"%2Cd%3D4000{mtp}%2Cot%3Dav{tail}"
            )
        elif kind == AUX_MASTER:
            p_app(f"{base}/{'manifest.mpd' if sf == 'd' else 'master.m3u8'}")
            q_app(f"CMCD={cid}%2Cot%3Dm{tail}")
        elif kind == AUX_MEDIA:
            p_app(f"{base}/{rname}/index.m3u8")
            q_app(f"CMCD=br%3D{br}%2C{cid}{mtp}%2Cot%3Dm{tail}")
        else:
            p_app(f"{base}/{rname}/init.mp4")
            q_app(f"CMCD=br%3D{br}%2C{cid}{mtp}%2Cot%3Di{tail}")
    return paths, queries


CONTENT_TYPES = ("video/mp4", "application/dash+xml", "application/vnd.apple.mpegurl")


class UrlText:
    """Bulk formatter of request URIs and CMCD queries, equal to `paths_and_queries` line by line.

    Per-view strings are built once per chunk; per-request text comes as pieces for
    `columns.join_lines`: `path` pieces (base, /rendition/, file name) and `query` pieces
    (`CMCD=...` through `tb`), plus a content-type code (index into CONTENT_TYPES).
    """

    def __init__(self, ctx: ViewContext, ladders: tuple):
        self.ladders = ladders
        self.base = col.objects(ctx.base_path)
        self.cid = col.objects([f"cid%3D%22{c}%22" for c in ctx.content_id])
        self.tail_a = col.objects(
            [
                f"%2Csf%3D{sf}%2Csid%3D%22{vid}%22%2Cst%3D{st}"
                for sf, vid, st in zip(ctx.sf, ctx.view_id, ctx.st, strict=True)
            ]
        )
        self.tail_b = col.objects([f"%2Ctb%3D{t}" for t in ctx.top_bitrate_kbps])
        self.dash = np.array([sf == "d" for sf in ctx.sf], bool)
        self.ladder = np.array(ctx.ladder, np.int64)

    def pieces(self, req: Requests) -> tuple[list[col.Piece], list[col.Piece], np.ndarray]:
        """Return (path pieces, query pieces, content-type codes) of the requests in `req`."""
        v, kind, rung = req.view, req.kind, req.rung
        seg = kind == KIND_SEGMENT
        lad = self.ladder[v]
        dash = self.dash[v]
        ladders = self.ladders
        lr = lad * 64 + rung

        def rendition_dir(key: int) -> str:
            return "/" if key < 0 else f"/{ladders[key // 64][key % 64][0]}/"

        path = [
            col.take(self.base, v),
            col.by_value(np.where(kind == AUX_MASTER, -1, lr), rendition_dir),
            col.by_value(
                np.where(
                    seg,
                    req.media + 8,
                    np.where(
                        kind == AUX_MASTER, np.where(dash, 2, 3), np.where(kind == AUX_MEDIA, 0, 1)
                    ),
                ),
                _file_name,
            ),
        ]
        bl = (np.rint(req.buffer_ms / 100.0) * 100).astype(np.int64)
        est = req.estimate_kbps
        mtp = np.where(est > 0, (np.rint(est / 100.0) * 100).astype(np.int64), -1)

        def head(key: int) -> str:
            if key >= 0:
                return f"CMCD=bl%3D{key}%2Cbr%3D"
            return "CMCD=" if key == -1 else "CMCD=br%3D"

        def bitrate(key: int) -> str:
            cls, key = key % 4, key // 4
            bs, key = key % 2, key // 2
            if cls == 1:
                return ""
            br = ladders[key // 64][key % 64][3]
            return f"{br}%2Cbs%2C" if bs else f"{br}%2C"

        def middle(key: int) -> str:
            k, m = key % 4, key // 4 - 1
            mtp_text = f"%2Cmtp%3D{m}" if m >= 0 else ""
            if k == KIND_SEGMENT:
                return f"%2Cd%3D4000{mtp_text}%2Cot%3Dav"
            if k == AUX_MASTER:
                return "%2Cot%3Dm"
            return f"{mtp_text}%2Cot%3D{'m' if k == AUX_MEDIA else 'i'}"

        cls = np.where(seg, 0, np.where(kind == AUX_MASTER, 1, 2))
        query = [
            col.by_value(np.where(seg, bl, np.where(kind == AUX_MASTER, -1, -2)), head),
            col.by_value(((lr * 2 + (req.bs & seg)) * 4 + cls), bitrate),
            col.take(self.cid, v),
            col.by_value((mtp + 1) * 4 + kind, middle),
            col.take(self.tail_a, v),
            col.take(_SU, (req.su | ~seg).astype(np.int64)),
            col.take(self.tail_b, v),
        ]
        ctype = np.where(seg | (kind == AUX_INIT), 0, np.where((kind == AUX_MASTER) & dash, 1, 2))
        return path, query, ctype


_SU = col.objects(["", "%2Csu"])


def _file_name(key: int) -> str:
    if key >= 8:
        return f"seg_{key - 8:06d}.m4s"
    return ("index.m3u8", "init.mp4", "manifest.mpd", "master.m3u8")[key]


def content_type(kind: int, path: str) -> str:
    """Return the response Content-Type of a request."""
    if kind in (KIND_SEGMENT, AUX_INIT):
        return "video/mp4"
    return "application/dash+xml" if path.endswith(".mpd") else "application/vnd.apple.mpegurl"
