"""Format requests as Google Media CDN request logs: Cloud Logging LogEntry JSON, one per line.

The shape follows a Cloud Logging export of `edgecache.googleapis.com/edge_cache_request`: an
`httpRequest` (requestUrl with the CMCD query, status, responseSize as a string, latency "0.412s"),
a `jsonPayload` with Media CDN fields (cacheId such as `iad-3f2a1c`, cacheMode, cacheStatus,
proxyStatus, clientAsn, clientRegionCode), resource type `edgecache.googleapis.com/EdgeCacheRouteRule`.
Files are per hour of the request: `YYYY/MM/DD/HH/edge_cache_request-<chunk>.jsonl.gz`.
Faults: truncated lines (invalid JSON).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np

from streamqoe.simulator import columns as col
from streamqoe.simulator import faults as fl
from streamqoe.simulator.requests import Requests, UrlText, ViewContext, paths_and_queries
from streamqoe.simulator.world import LADDERS, MEDIACDN_HOST

SERVICE_NAME = "streamqoe-media"
SERVER_IP = "34.104.35.123"


def format_lines(
    req: Requests,
    ctx: ViewContext,
    cache_ids: list[str],
    countries: list[str],
    asns: list[int],
    project: str,
    rng: np.random.Generator,
) -> list[str]:
    """Return one LogEntry JSON line per request."""
    paths, queries = paths_and_queries(req, ctx, LADDERS)
    ids = rng.integers(0, 1 << 62, size=req.n).tolist()
    fp = rng.integers(0, 1 << 62, size=req.n).tolist()
    req_size = rng.integers(250, 650, size=req.n).tolist()
    sec_cache: dict[int, str] = {}
    log_name = f"projects/{project}/logs/edgecache.googleapis.com%2Fedge_cache_request"
    out = []
    for i, (v, t, dur, ttfb, size, status, hit) in enumerate(
        zip(
            req.view.tolist(),
            req.t.tolist(),
            req.duration_ms.tolist(),
            req.ttfb_ms.tolist(),
            req.bytes.tolist(),
            req.status.tolist(),
            req.hit.tolist(),
            strict=True,
        )
    ):
        sec = t // 1000
        base = sec_cache.get(sec)
        if base is None:
            base = sec_cache[sec] = datetime.fromtimestamp(sec, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        ts = f"{base}.{t % 1000:03d}Z"
        recv_t = t + dur + 1500
        recv = sec_cache.get(recv_t // 1000)
        if recv is None:
            recv = sec_cache[recv_t // 1000] = datetime.fromtimestamp(recv_t // 1000, UTC).strftime(
                "%Y-%m-%dT%H:%M:%S"
            )
        if status >= 500:
            cache_status, proxy, severity, sent = (
                "miss",
                "Google-Edge-Cache; error=http_response_incomplete",
                "WARNING",
                0,
            )
        elif hit:
            cache_status, proxy, severity, sent = "hit", "Google-Edge-Cache", "INFO", size
        else:
            cache_status, proxy, severity, sent = (
                "miss",
                "Google-Edge-Cache; fwd=miss",
                "INFO",
                size,
            )
        out.append(
            f'{{"insertId":"{ids[i]:016x}","httpRequest":{{"requestMethod":"GET","requestUrl":"https://'
            f'{MEDIACDN_HOST}{paths[i]}?{queries[i]}","requestSize":"{req_size[i]}","status":{status},'
            f'"responseSize":"{sent + 420}","userAgent":"{ctx.user_agent[v]}","remoteIp":"{ctx.ip[v]}",'
            f'"serverIp":"{SERVER_IP}","latency":"{dur / 1000:.3f}s","protocol":"HTTP/2",'
            f'"cacheLookup":true,"cacheHit":{"true" if hit and status < 500 else "false"}}},'
            f'"resource":{{"type":"edgecache.googleapis.com/EdgeCacheRouteRule","labels":{{'
            f'"project_id":"{project}","location":"global","service_name":"{SERVICE_NAME}",'
            f'"route_rule_id":"media-segments"}}}},"timestamp":"{ts}","severity":"{severity}",'
            f'"logName":"{log_name}","jsonPayload":{{"@type":"type.googleapis.com/'
            f'google.cloud.networkservices.logging.v1.EdgeCacheLogEntry","cacheId":"{cache_ids[v]}",'
            f'"cacheMode":"CACHE_ALL_STATIC","cacheStatus":"{cache_status}",'
            f'"cacheKeyFingerprint":"{fp[i]:016x}","clientAsn":"{asns[v]}",'
            f'"clientRegionCode":"{countries[v]}","proxyStatus":"{proxy}","tlsVersion":"TLSv1.3",'
            f'"ttfb":"{int(ttfb)}"}},"receiveTimestamp":"{recv}.{recv_t % 1000:03d}Z"}}'
        )
    return out


REQUEST_SIZE = (250, 650)
ID_LIMIT = 1 << 62
# Per outcome (0 error, 1 hit, 2 miss), as in format_lines.
_CACHE_STATUS = ("miss", "hit", "miss")
_PROXY = (
    "Google-Edge-Cache; error=http_response_incomplete",
    "Google-Edge-Cache",
    "Google-Edge-Cache; fwd=miss",
)
_SEVERITY = ("WARNING", "INFO", "INFO")


class MediaCdnLog:
    """Media CDN LogEntry lines of one chunk, formatted on demand in bulk (as `format_lines`).

    A line is a template of precomputed JSON pieces (constant, per view, per request) rather than
    one json.dumps per line; per-view strings that could need escaping (User-Agent) go through
    json.dumps once, so every line is valid JSON. Random values are drawn at construction in the
    order `format_lines` + truncation draw them.
    """

    def __init__(
        self,
        req: Requests,
        ctx: ViewContext,
        cache_ids: list[str],
        countries: list[str],
        asns: list[int],
        project: str,
        rng: np.random.Generator,
        truncate_rate: float,
    ):
        n = req.n
        self.req, self.ctx = req, ctx
        self.view_args = (cache_ids, countries, asns, project)  # for checks against format_lines
        self.rng_state = rng.bit_generator.state
        self.url = UrlText(ctx, LADDERS)
        self.ids = rng.integers(0, ID_LIMIT, size=n)
        self.fp = rng.integers(0, ID_LIMIT, size=n)
        self.req_size = rng.integers(*REQUEST_SIZE, size=n)
        self.truncated = fl.choose(rng, n, truncate_rate)
        self.cut_u = rng.random(n)
        log_name = f"projects/{project}/logs/edgecache.googleapis.com%2Fedge_cache_request"
        self.client = col.objects(
            [
                f'","userAgent":{json.dumps(ua)},"remoteIp":"{ip}","serverIp":"{SERVER_IP}",'
                '"latency":"'
                for ua, ip in zip(ctx.user_agent, ctx.ip, strict=True)
            ]
        )
        self.cache = col.objects(
            [f'{c}","cacheMode":"CACHE_ALL_STATIC","cacheStatus":"' for c in cache_ids]
        )
        self.geo = col.objects(
            [
                f'","clientAsn":"{a}","clientRegionCode":"{c}","proxyStatus":"'
                for a, c in zip(asns, countries, strict=True)
            ]
        )
        self.after_latency = col.objects(
            [
                's","protocol":"HTTP/2","cacheLookup":true,"cacheHit":'
                f'{"true" if k == 1 else "false"}}},"resource":{{"type":'
                '"edgecache.googleapis.com/EdgeCacheRouteRule","labels":{'
                f'"project_id":"{project}","location":"global","service_name":"{SERVICE_NAME}",'
                '"route_rule_id":"media-segments"}},"timestamp":"'
                for k in range(3)
            ]
        )
        self.after_ts = col.objects(
            [
                f'Z","severity":"{sev}","logName":"{log_name}","jsonPayload":{{"@type":'
                '"type.googleapis.com/google.cloud.networkservices.logging.v1.EdgeCacheLogEntry",'
                '"cacheId":"'
                for sev in _SEVERITY
            ]
        )

    @property
    def n(self) -> int:
        return self.req.n

    def text(self, rows: np.ndarray) -> str:
        """Return the lines at `rows` (sorted indices), each ending in a newline."""
        req = self.req.subset(rows)
        n = len(rows)
        v, t = req.view, req.t
        outcome = np.where(req.status >= 500, 0, np.where(req.hit, 1, 2))
        sent = np.where(outcome == 0, 0, req.bytes)
        path, query, _ = self.url.pieces(req)
        recv_t = t + req.duration_ms + 1500
        pieces: list[col.Piece] = [
            '{"insertId":"',
            col.hex16(self.ids[rows]),
            f'","httpRequest":{{"requestMethod":"GET","requestUrl":"https://{MEDIACDN_HOST}',
            *path,
            "?",
            *query,
            col.take(_REQUEST_SIZE_TEXT, self.req_size[rows] - REQUEST_SIZE[0]),
            col.by_value(req.status, lambda s: f'{s},"responseSize":"'),
            col.ints(sent + 420),
            col.take(self.client, v),
            *col.ms_as_seconds(req.duration_ms),
            col.take(self.after_latency, outcome),
            col.second_text(t, "%Y-%m-%dT%H:%M:%S."),
            col.ms_fraction(t),
            col.take(self.after_ts, outcome),
            col.take(self.cache, v),
            col.take(_CACHE_STATUS_TEXT, outcome),
            col.hex16(self.fp[rows]),
            col.take(self.geo, v),
            col.take(_PROXY_TEXT, outcome),
            col.ints(req.ttfb_ms),
            '"},"receiveTimestamp":"',
            col.second_text(recv_t, "%Y-%m-%dT%H:%M:%S."),
            col.ms_fraction(recv_t),
            'Z"}\n',
        ]
        fix = {
            i: _cutter(float(self.cut_u[r]))
            for i, r in enumerate(rows.tolist())
            if self.truncated[r]
        }
        return col.join_lines(pieces, n, fix)

    def lines(self) -> list[str]:
        """Return every line, in request order."""
        return self.text(np.arange(self.n)).split("\n")[:-1]


_REQUEST_SIZE_TEXT = col.objects([f'","requestSize":"{b}","status":' for b in range(*REQUEST_SIZE)])
_CACHE_STATUS_TEXT = col.objects([f'{c}","cacheKeyFingerprint":"' for c in _CACHE_STATUS])
_PROXY_TEXT = col.objects([f'{p}","tlsVersion":"TLSv1.3","ttfb":"' for p in _PROXY])


def _cutter(u: float):
    return lambda line: fl.truncate(line, u)


def file_name(hour_ms: int, chunk: int) -> str:
    """Return the relative path of a Media CDN log file for an hour and chunk."""
    return f"{datetime.fromtimestamp(hour_ms / 1000, UTC):%Y/%m/%d/%H}/edge_cache_request-{chunk:05d}.jsonl.gz"
