"""Run a simulation: draw the world, simulate chunks of views, emit every format, write the truth.

`simulate(cfg, out_dir)` is the batch path (files): chunks of views are simulated, formatted,
compressed and written by `workers` processes (default: one per CPU). Chunk c draws from its own
generator seeded with (seed, c) and writes only files named for c, so the bytes do not depend on
the number of workers; the parent merges the chunks' truth rows and fault accounting in chunk
order. Memory is bounded by (workers + look-ahead) chunks: CDN lines are formatted per output file
in batches of CDN_BATCH_LINES and streamed through the compressor, truth rows go to Parquet chunk
by chunk. A `ChunkConsumer` (publish.py) receives every chunk's outputs in order, so a run can be
written and streamed from one simulation. `iter_chunk_outputs(...)` yields the outputs in-process.

Output layout under out_dir (see docs/simulator.md):
    player/YYYY/MM/DD/HH/beacons-CCCCC.jsonl.gz      beacon batches by arrival hour
    cmcd/YYYY/MM/DD/HH/reports-CCCCC.cmcd            CMCD v2 event reports by arrival hour
    cdn/cloudfront/<dist>.YYYY-MM-DD-HH.<id>.gz      CloudFront standard logs by request hour
    cdn/mediacdn/YYYY/MM/DD/HH/edge_cache_request-CCCCC.jsonl.gz   Media CDN LogEntry lines
    transcode/mediaconvert.jsonl, transcode/transcoder.jsonl
    truth/views.parquet, truth/jobs.parquet, truth/incidents.json, truth/faults.json
    manifest.json
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from streamqoe.config import project_id
from streamqoe.simulator import (
    columns,
    emit_beacon,
    emit_cloudfront,
    emit_cmcd,
    emit_mediacdn,
    emit_transcode,
)
from streamqoe.simulator.config import SimConfig
from streamqoe.simulator.emit_beacon import Delivered
from streamqoe.simulator.incidents import build_incidents, incident_arrays, incident_effects
from streamqoe.simulator.player import simulate_chunk
from streamqoe.simulator.requests import ViewContext, build_requests
from streamqoe.simulator.timeline import build_events
from streamqoe.simulator.traffic import Schedule, build_schedule
from streamqoe.simulator.truth import views_table
from streamqoe.simulator.world import COUNTRIES, DEVICES, LADDERS, World, build_world, stable_hex

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int, dict[str, int]], None]
HOUR_MS = 3_600_000


CDN_BATCH_LINES = 16_384
PLAYER_BLOCK_LINES = 4_096  # beacon batches / CMCD reports per block handed to gzip
LOOKAHEAD_CHUNKS_PER_WORKER = 2


@dataclass
class ChunkOutput:
    """Everything one chunk emits, plus its ground-truth rows.

    CDN logs are kept as formatters over the chunk's request table (lines sorted by request
    time); their text is produced per output file, or all at once with `.lines()`.
    """

    chunk: int
    first_start_ms: int
    beacons: Delivered
    cmcd: Delivered
    cloudfront: emit_cloudfront.CloudFrontLog
    cloudfront_live: np.ndarray  # per CloudFront line: the request is for a live stream
    mediacdn: emit_mediacdn.MediaCdnLog
    truth: pa.Table
    player_events: int


class ChunkConsumer(Protocol):
    """Receives a run's outputs in order while `simulate` writes them (e.g. a publisher)."""

    def begin(self, w3: World3, mediaconvert: list, transcoder: list) -> None:
        """Called once, before the first chunk, with the run's transcode events."""

    def chunk(self, out: ChunkOutput) -> None:
        """Called with each chunk's outputs, in chunk order."""

    def end(self) -> None:
        """Called after the last chunk."""


@dataclass
class World3:
    """The drawn world, schedule and incidents of a run."""

    world: World
    sched: Schedule
    incidents: list
    jobs: list


@dataclass
class RunSummary:
    """Counts of what a run wrote and how fast."""

    views: int = 0
    player_events: int = 0
    beacon_lines: int = 0
    cmcd_reports: int = 0
    cdn_lines: int = 0
    transcode_events: int = 0
    seconds: float = 0.0
    files: int = 0
    bytes_written: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def prepare(cfg: SimConfig) -> World3:
    """Draw the world, the view schedule, the incidents and the transcode jobs of a run."""
    rng = np.random.default_rng([cfg.seed, 0xC0FFEE])
    world = build_world(cfg, rng)
    sched = build_schedule(cfg, world, rng)
    incidents = build_incidents(cfg, world)
    jobs = emit_transcode.build_jobs(cfg, world, np.random.default_rng([cfg.seed, 0x70B5]))
    logger.info(
        "world: %d viewers, %d titles, %d views, %d jobs",
        world.viewers.n,
        world.catalog.n,
        sched.n,
        len(jobs),
    )
    return World3(world, sched, incidents, jobs)


def _cloudfront_log(req, ctx, world: World, viewer, cfg: SimConfig, rng):
    vw = world.viewers
    referer = [
        "https://watch.streamqoe.example/" if DEVICES[d][5] else "-" for d in vw.device[viewer]
    ]
    port = rng.integers(1024, 65535, size=len(viewer))
    return emit_cloudfront.CloudFrontLog(
        req,
        ctx,
        [world.pop_code[p] for p in vw.pop[viewer]],
        referer,
        port,
        rng,
        cfg.faults.truncated_line,
    )


def _mediacdn_log(req, ctx, world: World, viewer, cfg: SimConfig, rng):
    vw = world.viewers
    return emit_mediacdn.MediaCdnLog(
        req,
        ctx,
        [world.pop_code[p] for p in vw.pop[viewer]],
        [COUNTRIES[c][0] for c in vw.country[viewer]],
        [int(world.isp_asn[i]) for i in vw.isp[viewer]],
        project_id(),
        rng,
        cfg.faults.truncated_line,
    )


def simulate_chunk_output(cfg: SimConfig, w3: World3, chunk: int, sl: slice) -> ChunkOutput:
    """Simulate one chunk of views and format every output it produces."""
    world, sched = w3.world, w3.sched
    cat, vw = world.catalog, world.viewers
    rng = np.random.default_rng([cfg.seed, chunk])
    inc = incident_arrays(w3.incidents, world)
    sim = simulate_chunk(world, sched, sl, inc, rng)
    idx = sim.index
    n = sim.n
    viewer = sched.viewer[idx]
    content = sched.content[idx]
    live = cat.is_live[content]
    ev = build_events(sim, sched.start_segment[idx])
    is_cmcd = rng.random(n) < cfg.cmcd_share
    logged = rng.random(n) < cfg.cdn_sample
    skew = vw.clock_skew_ms[viewer]
    ladders = cat.ladder[content]
    live_start = np.where(live, cat.live_start_ms[content], 0)
    sf = [DEVICES[d][11] for d in vw.device[viewer]]

    # Beacons.
    bsel = ~is_cmcd[ev.view]
    bev = _select_events(ev, bsel)
    fields = {
        "viewer": viewer,
        "content": content,
        "view_id": [sched.view_id[i] for i in idx],
        "session_id": [sched.session_id[i] for i in idx],
    }
    prefixes = emit_beacon.view_prefixes(world, fields, sim, cfg.enrich_beacons)
    texts = emit_beacon.event_pieces(bev, sim, prefixes, ladders, skew, live_start)
    beacons, counts = emit_beacon.batch_lines(bev, texts, cfg.faults, rng)
    counts = {k: np.pad(v, (0, n - len(v))) for k, v in counts.items()}

    # CMCD v2 event reports.
    cev = _select_events(ev, ~bsel)
    content_ids = [cat.content_id[c] for c in content]
    lines, cview, csend = emit_cmcd.report_lines(
        cev, sim, fields["view_id"], content_ids, sf, live, ladders.tolist(), skew, live_start
    )
    cmcd = emit_cmcd.deliver_reports(lines, cview, csend, cfg.faults, rng)
    counts["cmcd_report_count"] = np.bincount(cview, minlength=n)
    counts["fault_cmcd_truncated_reports"] = np.bincount(
        cmcd.view[cmcd.malformed & ~cmcd.duplicate], minlength=n
    )
    counts["fault_duplicate_cmcd_reports"] = np.bincount(cmcd.view[cmcd.duplicate], minlength=n)
    counts["beacon_event_count"] = np.bincount(bev.view, minlength=n)

    # CDN logs.
    top = [
        int(LADDERS[lad][min(t, len(LADDERS[lad]) - 1)][3])
        for lad, t in zip(ladders.tolist(), sim.top_rung.tolist(), strict=True)
    ]
    ctx = ViewContext(
        content_id=content_ids,
        view_id=fields["view_id"],
        base_path=[
            f"/{'live' if lv else 'vod'}/{c}"
            for lv, c in zip(live.tolist(), content_ids, strict=True)
        ],
        sf=sf,
        st=["l" if lv else "v" for lv in live.tolist()],
        top_bitrate_kbps=top,
        ladder=ladders.tolist(),
        ip=[vw.ip[v] for v in viewer],
        user_agent=[DEVICES[d][13] for d in vw.device[viewer]],
    )
    cdn_of_view = vw.cdn[viewer]
    cf_req = build_requests(sim, logged & (cdn_of_view == 0))
    cf = _cloudfront_log(cf_req, ctx, world, viewer, cfg, rng)
    mc = _mediacdn_log(
        build_requests(sim, logged & (cdn_of_view == 1)), ctx, world, viewer, cfg, rng
    )

    start_mask = incident_effects(
        inc, vw.pop[viewer], world.isp_asn[vw.isp[viewer]], cdn_of_view, sim.t0
    )[3]
    start_mask = np.where(np.isin(sim.outcome, [2]), start_mask, 0)
    truth = views_table(
        world,
        sched,
        sim,
        is_cmcd,
        logged,
        [i.incident_id for i in w3.incidents],
        counts,
        start_mask,
    )
    return ChunkOutput(
        chunk, int(sim.t0.min()), beacons, cmcd, cf, live[cf_req.view], mc, truth, int(ev.n)
    )


def _select_events(ev, mask: np.ndarray):
    from streamqoe.simulator.timeline import Events

    return Events(**{k: getattr(ev, k)[mask] for k in ev.__dataclass_fields__})


def chunk_bounds(cfg: SimConfig, n_views: int) -> list[tuple[int, int, int]]:
    """Return (chunk index, first view, end view) of every chunk of a run."""
    step = cfg.chunk_views
    return [(c, s, min(n_views, s + step)) for c, s in enumerate(range(0, n_views, step))]


def iter_chunk_outputs(cfg: SimConfig, w3: World3) -> Iterator[ChunkOutput]:
    """Yield the outputs of each chunk of views, in order of view start time (in-process)."""
    for chunk, start, stop in chunk_bounds(cfg, w3.sched.n):
        yield simulate_chunk_output(cfg, w3, chunk, slice(start, stop))


@dataclass
class ChunkResult:
    """What a worker reports back for one written chunk."""

    chunk: int
    faults: list[dict]
    files: int
    bytes_written: int
    player_events: int
    beacon_lines: int
    cmcd_reports: int
    cdn_lines: int
    truth: pa.Table
    output: ChunkOutput | None  # kept only when a consumer wants the outputs


_WORKER_STATE: dict[str, Any] = {}


def _init_worker(cfg: SimConfig, w3: World3, root: Path) -> None:
    _WORKER_STATE.update(cfg=cfg, w3=w3, root=root)


def _write_chunk_task(chunk: int, start: int, stop: int, keep: bool) -> ChunkResult:
    """Simulate, format and write one chunk (runs in a worker process)."""
    cfg, w3 = _WORKER_STATE["cfg"], _WORKER_STATE["w3"]
    out = simulate_chunk_output(cfg, w3, chunk, slice(start, stop))
    sink = FileSink(_WORKER_STATE["root"], cfg.gzip_level)
    faults: list[dict] = []
    cdn = write_chunk(out, cfg, sink, faults)
    return ChunkResult(
        chunk,
        faults,
        sink.files,
        sink.bytes,
        out.player_events,
        len(out.beacons.lines),
        len(out.cmcd.lines),
        cdn,
        out.truth,
        out if keep else None,
    )


def _mp_context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def iter_written_chunks(
    cfg: SimConfig, w3: World3, root: Path, workers: int, keep_outputs: bool = False
) -> Iterator[ChunkResult]:
    """Write every chunk with `workers` processes; yield their results in chunk order.

    At most LOOKAHEAD_CHUNKS_PER_WORKER x workers chunks are in flight, so memory stays bounded
    even when the caller consumes results slowly (e.g. paced publishing).
    """
    bounds = chunk_bounds(cfg, w3.sched.n)
    if workers <= 1:
        _init_worker(cfg, w3, root)
        try:
            for b in bounds:
                yield _write_chunk_task(*b, keep_outputs)
        finally:
            _WORKER_STATE.clear()
        return
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_mp_context(),
        initializer=_init_worker,
        initargs=(cfg, w3, root),
    )
    try:
        todo = iter(bounds)
        pending: deque = deque()
        for b in todo:
            pending.append(pool.submit(_write_chunk_task, *b, keep_outputs))
            if len(pending) >= LOOKAHEAD_CHUNKS_PER_WORKER * workers:
                break
        while pending:
            result = pending.popleft().result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(pool.submit(_write_chunk_task, *nxt, keep_outputs))
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class FileSink:
    """Write files (gzip-compressed when the name ends in .gz), streaming text parts to disk."""

    def __init__(self, root: Path, gzip_level: int):
        self.root = root
        self.level = gzip_level
        self.files = 0
        self.bytes = 0

    def write(self, rel: str, parts: Iterable[str]) -> None:
        """Write the concatenation of `parts` to `rel` (relative to the root)."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        comp = zlib.compressobj(self.level, zlib.DEFLATED, 31) if rel.endswith(".gz") else None
        size = 0
        with open(path, "wb") as f:
            for text in parts:
                data = text.encode()
                if comp is not None:
                    data = comp.compress(data)
                f.write(data)
                size += len(data)
            if comp is not None:
                tail = comp.flush()  # gzip wrapper with mtime 0: reproducible bytes
                f.write(tail)
                size += len(tail)
        self.files += 1
        self.bytes += size


def _batches(log, rows: np.ndarray, header: str = "") -> Iterator[str]:
    if header:
        yield header
    for i in range(0, len(rows), CDN_BATCH_LINES):
        yield log.text(rows[i : i + CDN_BATCH_LINES])


def _line_blocks(lines: np.ndarray, rows: np.ndarray) -> Iterator[str]:
    """Yield the lines at `rows`, newline-terminated, in blocks of PLAYER_BLOCK_LINES."""
    for i in range(0, len(rows), PLAYER_BLOCK_LINES):
        yield "\n".join(lines[rows[i : i + PLAYER_BLOCK_LINES]].tolist()) + "\n"


def _hour_path(hour_ms: int) -> str:
    return f"{datetime.fromtimestamp(hour_ms / 1000, UTC):%Y/%m/%d/%H}"


def _by_hour(times: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (hour start ms, indices sorted by time) for each hour present in `times`."""
    order = np.argsort(times, kind="stable")
    hours = times[order] // HOUR_MS
    cuts = np.flatnonzero(np.diff(hours)) + 1
    for part in np.split(order, cuts):
        if len(part):
            yield int(times[part[0]] // HOUR_MS * HOUR_MS), part


def _delivered_manifest(path: str, kind: str, d: Delivered, sel: np.ndarray) -> dict[str, Any]:
    units = int(d.events[sel].sum() + d.malformed[sel].sum())
    malformed = int(d.malformed[sel].sum())
    viol = int(d.violations[sel].sum())
    return {
        "path": path,
        "kind": kind,
        "lines": len(sel),
        "units": units,
        "malformed_lines": malformed,
        "malformed_lost_units": int(d.malformed_units[sel].sum()),
        "contract_violations": viol,
        "duplicate_lines": int(d.duplicate[sel].sum()),
        "duplicate_units": int(np.where(d.duplicate[sel], d.events[sel], 0).sum()),
        "late_lines": int(d.late[sel].sum()),
        "out_of_order_lines": int(d.out_of_order[sel].sum()),
        "expected_landed": units - malformed - viol,
        "expected_dead_letter": malformed + viol,
    }


def _cdn_manifest(path: str, kind: str, lines: int, truncated: int) -> dict[str, Any]:
    return {
        "path": path,
        "kind": kind,
        "lines": lines,
        "units": lines,
        "malformed_lines": truncated,
        "malformed_lost_units": truncated,
        "contract_violations": 0,
        "duplicate_lines": 0,
        "duplicate_units": 0,
        "late_lines": 0,
        "out_of_order_lines": 0,
        "expected_landed": lines - truncated,
        "expected_dead_letter": truncated,
    }


def write_chunk(out: ChunkOutput, cfg: SimConfig, sink: FileSink, faults: list[dict]) -> int:
    """Write one chunk's raw files; append their fault accounting; return CDN lines written."""
    c = out.chunk
    lines = columns.objects(out.beacons.lines)
    for hour, part in _by_hour(out.beacons.arrival_ms):
        rel = f"player/{_hour_path(hour)}/beacons-{c:05d}.jsonl.gz"
        sink.write(rel, _line_blocks(lines, part))
        faults.append(_delivered_manifest(rel, "beacon", out.beacons, part))
    lines = columns.objects(out.cmcd.lines)
    for hour, part in _by_hour(out.cmcd.arrival_ms):
        rel = f"cmcd/{_hour_path(hour)}/reports-{c:05d}.cmcd"
        sink.write(rel, _line_blocks(lines, part))
        faults.append(_delivered_manifest(rel, "cmcd", out.cmcd, part))
    del lines
    cf = out.cloudfront
    for hour, part in _by_hour(cf.req.t):
        live = out.cloudfront_live[part]
        for dist, rows in sorted(
            (emit_cloudfront.DISTRIBUTIONS["live" if lv else "vod"], part[live == lv])
            for lv in (False, True)
        ):
            if not len(rows):
                continue
            uniq = stable_hex(cfg.seed, "cf", c, dist, hour, n=8)
            rel = f"cdn/cloudfront/{emit_cloudfront.file_name(dist, hour, uniq)}"
            sink.write(rel, _batches(cf, rows, emit_cloudfront.HEADER))
            faults.append(
                _cdn_manifest(rel, "cloudfront", len(rows), int(cf.truncated[rows].sum()))
            )
    mc = out.mediacdn
    for hour, part in _by_hour(mc.req.t):
        rel = f"cdn/mediacdn/{emit_mediacdn.file_name(hour, c)}"
        sink.write(rel, _batches(mc, part))
        faults.append(_cdn_manifest(rel, "mediacdn", len(part), int(mc.truncated[part].sum())))
    return cf.n + mc.n


def transcode_outputs(
    w3: World3, seed: int
) -> tuple[list[tuple[int, dict]], list[tuple[int, dict]], pa.Table]:
    """Return (MediaConvert events, Transcoder envelopes, jobs truth table) for the run."""
    rng = np.random.default_rng([seed, 0x7C])
    mc: list[tuple[int, dict]] = []
    tc: list[tuple[int, dict]] = []
    rows = []
    for job, ladder in w3.jobs:
        if job.provider == "mediaconvert":
            events = emit_transcode.mediaconvert_events(job, ladder, rng)
            mc.extend(events)
        else:
            events = [
                (
                    job.finished_ms + 800,
                    emit_transcode.transcoder_notification(job, ladder, project_id()),
                )
            ]
            tc.extend(events)
        rows.append({**job.__dict__, "event_count": len(events)})
    mc.sort(key=lambda x: (x[0], x[1]["id"]))
    tc.sort(key=lambda x: (x[0], x[1]["message"]["messageId"]))
    table = pa.Table.from_pylist(rows)
    for col in ("submitted_ms", "started_ms", "finished_ms"):
        ts = pa.array(
            np.array(table[col].to_pylist(), dtype="datetime64[ms]"),
            type=pa.timestamp("ms", tz="UTC"),
        )
        table = table.append_column(col.replace("_ms", "_at"), ts).drop([col])
    return mc, tc, table


def simulate(
    cfg: SimConfig,
    out_dir: str | Path,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
    consumer: ChunkConsumer | None = None,
) -> RunSummary:
    """Run the whole simulation and write every file under `out_dir` (batch path).

    Args:
        workers: processes simulating and writing chunks (default os.cpu_count(); 1 = in this
            process). The bytes written do not depend on it.
        consumer: also receives the transcode events and every chunk's outputs, in order (used to
            publish the same run that is written, see publish.py).
    """
    t_start = time.perf_counter()
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    workers = max(1, workers or os.cpu_count() or 1)
    w3 = prepare(cfg)
    sink = FileSink(root, cfg.gzip_level)
    summary = RunSummary(views=w3.sched.n, extra={"workers": workers})
    faults: list[dict] = []
    mc, tc, jobs = transcode_outputs(w3, cfg.seed)
    sink.write(
        "transcode/mediaconvert.jsonl",
        [json.dumps(e, separators=(",", ":")) + "\n" for _, e in mc],
    )
    sink.write(
        "transcode/transcoder.jsonl",
        [json.dumps(e, separators=(",", ":")) + "\n" for _, e in tc],
    )
    summary.transcode_events = len(mc) + len(tc)
    if consumer is not None:
        consumer.begin(w3, mc, tc)
    del mc, tc
    (root / "truth").mkdir(exist_ok=True)
    pq.write_table(jobs, root / "truth" / "jobs.parquet")
    views_writer: pq.ParquetWriter | None = None
    done = 0
    try:
        for res in iter_written_chunks(cfg, w3, root, workers, keep_outputs=consumer is not None):
            faults.extend(res.faults)
            summary.files += res.files
            summary.bytes_written += res.bytes_written
            summary.cdn_lines += res.cdn_lines
            summary.player_events += res.player_events
            summary.beacon_lines += res.beacon_lines
            summary.cmcd_reports += res.cmcd_reports
            if views_writer is None:
                views_writer = pq.ParquetWriter(root / "truth" / "views.parquet", res.truth.schema)
            views_writer.write_table(res.truth)
            done += res.truth.num_rows
            if consumer is not None and res.output is not None:
                consumer.chunk(res.output)
            del res
            if progress:
                progress(
                    done,
                    w3.sched.n,
                    {"player_events": summary.player_events, "cdn_lines": summary.cdn_lines},
                )
    finally:
        if views_writer is not None:
            views_writer.close()
    if consumer is not None:
        consumer.end()
    (root / "truth" / "incidents.json").write_text(
        json.dumps([i.to_dict() for i in w3.incidents], indent=2) + "\n"
    )
    totals: dict[str, dict[str, int]] = {}
    for f in faults:
        t = totals.setdefault(f["kind"], {})
        for k, v in f.items():
            if isinstance(v, int):
                t[k] = t.get(k, 0) + v
    (root / "truth" / "faults.json").write_text(
        json.dumps({"rates": cfg.faults.__dict__, "totals": totals, "files": faults}, indent=1)
        + "\n"
    )
    summary.files += sink.files
    summary.bytes_written += sink.bytes
    manifest = {
        "generator": "streamqoe.simulator",
        "config": cfg.to_dict(),
        "views": summary.views,
        "player_events": summary.player_events,
        "beacon_lines": summary.beacon_lines,
        "cmcd_reports": summary.cmcd_reports,
        "cdn_lines": summary.cdn_lines,
        "transcode_events": summary.transcode_events,
        "jobs": len(w3.jobs),
        "gzip_level": cfg.gzip_level,
        "layout": {
            "player": "player/YYYY/MM/DD/HH/beacons-CCCCC.jsonl.gz",
            "cmcd": "cmcd/YYYY/MM/DD/HH/reports-CCCCC.cmcd",
            "cloudfront": "cdn/cloudfront/<distribution>.YYYY-MM-DD-HH.<id>.gz",
            "mediacdn": "cdn/mediacdn/YYYY/MM/DD/HH/edge_cache_request-CCCCC.jsonl.gz",
            "transcode": ["transcode/mediaconvert.jsonl", "transcode/transcoder.jsonl"],
            "truth": [
                "truth/views.parquet",
                "truth/jobs.parquet",
                "truth/incidents.json",
                "truth/faults.json",
            ],
        },
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    summary.seconds = time.perf_counter() - t_start
    logger.info(
        "simulated %d views, %d player events, %d CDN lines in %.1f s (%d workers)",
        summary.views,
        summary.player_events,
        summary.cdn_lines,
        summary.seconds,
        workers,
    )
    return summary
