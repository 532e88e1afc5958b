"""Format requests as Amazon CloudFront standard access logs (legacy W3C format, 33 fields).

Each file starts with `#Version: 1.0` and `#Fields: ...`, then one tab-separated line per request;
files are per distribution and per hour of the request, named
`<distribution-id>.YYYY-MM-DD-HH.<unique-id>.gz` as CloudFront delivers them (several files per
hour are normal: the simulator writes one per chunk). User-Agent is URL-encoded as CloudFront
does; the query string is logged as received (CMCD already percent-encoded). Faults: truncated lines.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import numpy as np

from streamqoe.simulator import columns as col
from streamqoe.simulator import faults as fl
from streamqoe.simulator.requests import (
    CONTENT_TYPES,
    Requests,
    UrlText,
    ViewContext,
    content_type,
    paths_and_queries,
)
from streamqoe.simulator.world import CLOUDFRONT_HOST, LADDERS

FIELDS = [
    "date",
    "time",
    "x-edge-location",
    "sc-bytes",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "sc-status",
    "cs(Referer)",
    "cs(User-Agent)",
    "cs-uri-query",
    "cs(Cookie)",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-host-header",
    "cs-protocol",
    "cs-bytes",
    "time-taken",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-response-result-type",
    "cs-protocol-version",
    "fle-status",
    "fle-encrypted-fields",
    "c-port",
    "time-to-first-byte",
    "x-edge-detailed-result-type",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
]
HEADER = "#Version: 1.0\n#Fields: " + " ".join(FIELDS) + "\n"
DISTRIBUTIONS = {"vod": "E2QWRUHEXAMPL1", "live": "E3LIVEXAMPL2Q"}
HOST_HEADER = "cdn.streamqoe.example"
RESPONSE_HEADER_BYTES = 420


def encode_user_agent(ua: str) -> str:
    """URL-encode a User-Agent the way CloudFront logs it (spaces as %20)."""
    return ua.replace("%", "%25").replace(" ", "%20").replace("\t", "%09")


def request_ids(rng: np.random.Generator, n: int) -> list[str]:
    """Return `n` 56-character x-edge-request-id values (URL-safe base64, as CloudFront's)."""
    raw = base64.urlsafe_b64encode(rng.bytes(42 * n)).decode()
    return [raw[i * 56 : (i + 1) * 56] for i in range(n)]


def format_lines(
    req: Requests,
    ctx: ViewContext,
    pop_codes: list[str],
    referer: list[str],
    c_port: np.ndarray,
    rng: np.random.Generator,
) -> list[str]:
    """Return one 33-field tab-separated line per request."""
    paths, queries = paths_and_queries(req, ctx, LADDERS)
    rids = request_ids(rng, req.n)
    cs_bytes = rng.integers(250, 650, size=req.n).tolist()
    ua = [encode_user_agent(u) for u in ctx.user_agent]
    day_cache: dict[int, str] = {}
    out = []
    for i, (v, t, dur, ttfb, size, status, hit, kind) in enumerate(
        zip(
            req.view.tolist(),
            req.t.tolist(),
            req.duration_ms.tolist(),
            req.ttfb_ms.tolist(),
            req.bytes.tolist(),
            req.status.tolist(),
            req.hit.tolist(),
            req.kind.tolist(),
            strict=True,
        )
    ):
        sec = t // 1000
        day = sec // 86400
        date = day_cache.get(day)
        if date is None:
            date = day_cache[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")
        sod = sec - day * 86400
        hh, rem = divmod(sod, 3600)
        mm, ss = divmod(rem, 60)
        if status >= 500:
            result, detail, sent = "Error", "OriginError", 0
        elif hit:
            result = detail = "Hit"
            sent = size
        else:
            result = detail = "Miss"
            sent = size
        path = paths[i]
        out.append(
            f"{date}\t{hh:02d}:{mm:02d}:{ss:02d}\t{pop_codes[v]}\t{sent + RESPONSE_HEADER_BYTES}\t{ctx.ip[v]}"
            f"\tGET\t{CLOUDFRONT_HOST}\t{path}\t{status}\t{referer[v]}\t{ua[v]}\t{queries[i]}"
            f"\t-\t{result}\t{rids[i]}\t{HOST_HEADER}\thttps\t{cs_bytes[i]}\t{dur / 1000:.3f}\t-\tTLSv1.3"
            f"\tTLS_AES_128_GCM_SHA256\t{result}\tHTTP/2.0\t-\t-\t{c_port[v]}\t{ttfb / 1000:.3f}\t{detail}"
            f"\t{content_type(kind, path)}\t{sent}\t-\t-"
        )
    return out


REQUEST_ID_BYTES = 42
CS_BYTES = (250, 650)
# Per result (0 error, 1 hit, 2 miss): text around the request id and the time fields.
_RESULT = ("Error", "Hit", "Miss")
_DETAIL = ("OriginError", "Hit", "Miss")


class CloudFrontLog:
    """CloudFront lines of one chunk, formatted on demand in bulk (same text as `format_lines`).

    Draws every random value at construction, in the order `format_lines` + `truncate_lines` do,
    so that any subset of lines can then be formatted, in any order, with identical bytes.
    """

    def __init__(
        self,
        req: Requests,
        ctx: ViewContext,
        pop_codes: list[str],
        referer: list[str],
        c_port: np.ndarray,
        rng: np.random.Generator,
        truncate_rate: float,
    ):
        n = req.n
        self.req, self.ctx = req, ctx
        self.view_args = (pop_codes, referer, c_port)  # with rng_state: the reference's inputs
        self.rng_state = rng.bit_generator.state
        self.url = UrlText(ctx, LADDERS)
        self.rid_bytes = np.frombuffer(rng.bytes(REQUEST_ID_BYTES * n), np.uint8).reshape(
            n, REQUEST_ID_BYTES
        )
        self.cs_bytes = rng.integers(*CS_BYTES, size=n)
        self.truncated = fl.choose(rng, n, truncate_rate)
        self.cut_u = rng.random(n)
        self.pop = col.objects([f"{p}\t" for p in pop_codes])
        self.ip = col.objects([f"\t{ip}\tGET\t{CLOUDFRONT_HOST}\t" for ip in ctx.ip])
        self.agent = col.objects(
            [
                f"\t{r}\t{encode_user_agent(u)}\t"
                for r, u in zip(referer, ctx.user_agent, strict=True)
            ]
        )
        self.port = col.objects([f"{p}\t" for p in c_port.tolist()])

    @property
    def n(self) -> int:
        return self.req.n

    def text(self, rows: np.ndarray) -> str:
        """Return the lines at `rows` (sorted indices), each ending in a newline."""
        req = self.req.subset(rows)
        n = len(rows)
        v = req.view
        result = np.where(req.status >= 500, 0, np.where(req.hit, 1, 2))
        sent = np.where(result == 0, 0, req.bytes)
        path, query, ctype = self.url.pieces(req)
        rid = base64.urlsafe_b64encode(self.rid_bytes[rows].tobytes()).decode()
        pieces: list[col.Piece] = [
            col.second_text(req.t, "%Y-%m-%d\t%H:%M:%S\t"),
            col.take(self.pop, v),
            col.ints(sent + RESPONSE_HEADER_BYTES),
            col.take(self.ip, v),
            *path,
            col.by_value(req.status, lambda s: f"\t{s}"),
            col.take(self.agent, v),
            *query,
            col.take(_AFTER_QUERY, result),
            [rid[i : i + 56] for i in range(0, 56 * n, 56)],
            col.take(_CS_BYTES_TEXT, self.cs_bytes[rows] - CS_BYTES[0]),
            *col.ms_as_seconds(req.duration_ms),
            col.take(_AFTER_DURATION, result),
            col.take(self.port, v),
            *col.ms_as_seconds(req.ttfb_ms),
            col.take(_AFTER_TTFB, result * 3 + ctype),
            col.ints(sent),
            "\t-\t-\n",
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


_AFTER_QUERY = col.objects([f"\t-\t{r}\t" for r in _RESULT])
_CS_BYTES_TEXT = col.objects(
    [f"\t{HOST_HEADER}\thttps\t{b}\t" for b in range(CS_BYTES[0], CS_BYTES[1])]
)
_AFTER_DURATION = col.objects(
    [f"\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\t{r}\tHTTP/2.0\t-\t-\t" for r in _RESULT]
)
_AFTER_TTFB = col.objects([f"\t{d}\t{c}\t" for d in _DETAIL for c in CONTENT_TYPES])


def _cutter(u: float):
    # Cut before the last tab, so a truncated line always has fewer than 33 fields.
    return lambda line: fl.truncate(line[: line.rindex("\t") + 1], u)


def file_name(distribution: str, hour_ms: int, unique: str) -> str:
    """Return CloudFront's log file name for a distribution and hour."""
    return f"{distribution}.{datetime.fromtimestamp(hour_ms / 1000, UTC):%Y-%m-%d-%H}.{unique}.gz"


def truncate_lines(lines: list[str], rate: float, rng: np.random.Generator) -> np.ndarray:
    """Cut some lines short in place; return the mask of truncated lines."""
    cut = fl.choose(rng, len(lines), rate)
    u = rng.random(len(lines))
    for i in np.flatnonzero(cut).tolist():
        # Cut before the last tab, so a truncated line always has fewer than 33 fields.
        lines[i] = fl.truncate(lines[i][: lines[i].rindex("\t") + 1], float(u[i]))
    return cut
