"""Benchmark the streaming pipeline: freshness at a sustained event rate, and bounded state.

Both start their own Pub/Sub emulator (app.platform.pubsub_emulator, a free port, state in
a temporary folder: a `streamqoe platform up` of someone else is left alone), create the declared
topics and subscriptions, run the real streaming pipeline (pipelines.streaming.start,
BundleBasedDirectRunner, reading `player-events-pipeline`) in this process into a fresh DuckDB
file, and stop everything at the end. Simulated beacons (streamqoe.simulator, no faults for
freshness) are published by a child process; a second child polls the warehouse like an analyst
(a read-only DuckDB connection opened every `--poll-seconds`, in another process).

freshness: publish `--rate` player events per second for `--minutes`, paced by events (a beacon
message carries one or more events), event timestamps rewritten so event time follows the
publish clock (the simulator's steady afternoon traffic; --viewers sets how close its natural
rate is to --rate, the "time warp" factor is printed). Per event: publish time (recorded by the
publisher just before `publish()`) against the time the poller first counted its row in
`player_events` (rows are append-only, so row number r is visible once a poll counts more than r
rows), and against `ingested_at` (the sink's write, no poll granularity). Also: `views` rows
(early panes every --early-firing-seconds): how long until a view's first row is visible, and
until each event is reflected in a visible row of its view; and published vs landed over time.

state: replay `--hours` of simulated viewing (views starting and closing all the time, default
faults) through Pub/Sub `--compression` times faster than real time. Event time is compressed
with it (timestamps rewritten) and so are the pipeline's event-time settings (view gap, allowed
lateness, viewer session gap, dedupe TTL; `--compression 1` is real time), so the pipeline sees
the same traffic, only faster (early panes, a processing-time setting, stay every 30 s).
Sampled every --sample-seconds: views started / open / closed so far (by event time, from the
published events), the runner's held state per stateful step (beam_local_runner.
LocalStateKeeper: keys, windows, buffered elements, state values, timers), process RSS,
published vs landed. `--no-gc` runs without the keeper's housekeeping (Beam's own behaviour).

    uv run python bench/streaming_bench.py freshness --rate 1000 --minutes 5
    uv run python bench/streaming_bench.py state --hours 24 --compression 16        # 90 min
    uv run python bench/streaming_bench.py state --no-gc --max-minutes 30           # Beam alone

Prints a progress table while running, the figures, and a JSON summary (also --json PATH).
Timings on a shared machine are noisy: repeat runs and report the spread.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import json
import logging
import math
import multiprocessing as mp
import os
import pickle
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

logger = logging.getLogger("streaming_bench")

BENCH_PROJECT = "streamqoe-bench"
TOPIC = "player-events"
SUBSCRIPTION = "player-events-pipeline"
# The simulator's clock (independent of the wall clock: timestamps are rewritten). From 12:00 UTC
# the traffic curve is flat for hours (weights 0.85-0.95); from 12:00 to 24:00 it has the evening
# peak and the decline after it.
SIM_START = "2025-01-15T12:00:00Z"
FRESHNESS_WARMUP_HOURS = 2.0  # views run up to 3 h: warm up before measuring
# Viewers per (event/s) of natural rate in the flat afternoon after the warm-up (measured: the
# simulator's beacon traffic with cmcd_share=0, live_event_share=0 at 14:00 UTC).
VIEWERS_PER_EVENT_PER_SECOND = 205
PUBLISH_START_DELAY_SECONDS = 3.0
FUTURES_WINDOW = 2000
DRAIN_TIMEOUT_SECONDS = 120.0
VIEWS_SETTLE_SECONDS = 45.0
PERCENTILES = (50, 95, 99)
CLIENT_TS = re.compile(rb'"client_ts_ms":(-?\d+)')
# The pipeline's defaults (pipelines.transforms.tables.QoeSettings), compressed in `state`.
VIEW_GAP_SECONDS = 120.0
ALLOWED_LATENESS_SECONDS = 7200.0
VIEWER_SESSION_GAP_SECONDS = 1800.0
DEDUPE_TTL_SECONDS = 10800.0
EARLY_FIRING_SECONDS = 30.0
# EmitMinuteDeltasFn: expiry = latest window end + allowed lateness + 60 s
MINUTE_DELTA_EXTRA_SECONDS = 60.0


# --------------------------------------------------------------------------------------------
# platform


@contextlib.contextmanager
def emulator(workdir: Path) -> Iterator[str]:
    """A Pub/Sub emulator of our own with the declared topics and subscriptions; yields the
    project. Sets PUBSUB_EMULATOR_HOST for this process and the children started inside."""
    from app.platform.pubsub_admin import apply_declaration
    from app.platform.pubsub_emulator import PubSubEmulator

    em = PubSubEmulator(state_dir=workdir / "pubsub", project=BENCH_PROJECT)
    record = em.start()
    previous = os.environ.get("PUBSUB_EMULATOR_HOST")
    os.environ["PUBSUB_EMULATOR_HOST"] = record.endpoint
    try:
        apply_declaration(BENCH_PROJECT)
        print(f"Pub/Sub emulator at {record.endpoint} (pid {record.pid})", flush=True)
        yield BENCH_PROJECT
    finally:
        em.stop()
        if previous is None:
            os.environ.pop("PUBSUB_EMULATOR_HOST", None)
        else:
            os.environ["PUBSUB_EMULATOR_HOST"] = previous
        print("Pub/Sub emulator stopped", flush=True)


def emulator_rss_mb(workdir: Path) -> float | None:
    """RSS of the emulator's process group leader and children (the JVM), MB."""
    import psutil

    from app.platform.pubsub_emulator import PubSubEmulator

    record = PubSubEmulator(state_dir=workdir / "pubsub", project=BENCH_PROJECT).record()
    if not record:
        return None
    try:
        proc = psutil.Process(record.pid)
        procs = [proc, *proc.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs) / 1e6
    except psutil.Error:
        return None


# --------------------------------------------------------------------------------------------
# the simulated stream


@dataclass
class StreamSpec:
    """What the publisher child publishes.

    mode `freshness`: the first `events` player events delivered after the warm-up, paced at
    `rate` events/s. mode `state`: every player message of the run, `compression` x real time.
    """

    mode: str
    viewers: int
    hours: float
    seed: int
    rate: float = 0.0
    events: int = 0
    compression: float = 1.0
    faults: bool = False
    cache: str | None = None

    def cache_name(self) -> str:
        """File name of this stream in the --stream-cache folder (freshness)."""
        return (
            f"freshness-v{self.viewers}-h{self.hours:.4f}-s{self.seed}-r{self.rate:g}"
            f"-e{self.events}.pickle"
        )


def sim_config(spec: StreamSpec) -> Any:
    from streamqoe.simulator.config import FaultRates, SimConfig

    return SimConfig(
        viewers=spec.viewers,
        hours=spec.hours,
        seed=spec.seed,
        start=SIM_START,
        cmcd_share=0.0,  # every view reports beacons (the subscription the pipeline reads)
        cdn_sample=0.0,
        live_event_share=0.15 if spec.mode == "state" else 0.0,
        faults=FaultRates() if spec.faults else FaultRates.none(),
    )


def player_messages(spec: StreamSpec) -> Iterator[tuple[int, bytes]]:
    """(delivery time ms on the simulator's clock, beacon line) in delivery order."""
    from streamqoe.simulator.publish import PLAYER_TOPIC, iter_messages

    for message in iter_messages(sim_config(spec)):
        if message.topic == PLAYER_TOPIC:
            yield message.at_ms, message.data


def event_keys(line: bytes) -> list[tuple[str, int, int]] | None:
    """(view_id, sequence_number, client_ts_ms) of each event of a beacon line; None when the
    line is not a clean JSON array of events (an injected fault)."""
    try:
        doc = json.loads(line)
    except ValueError:
        return None
    if isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list):
        return None
    out = []
    for event in doc:
        if not isinstance(event, dict):
            return None
        view, seq, ts = (
            event.get("view_id"),
            event.get("sequence_number"),
            event.get("client_ts_ms"),
        )
        if not isinstance(view, str) or not isinstance(seq, int) or not isinstance(ts, int):
            return None
        out.append((view, seq, ts))
    return out


def shift_timestamps(line: bytes, fn: Any) -> bytes:
    """The line with every client_ts_ms value v replaced by fn(v) (bytes level: faulty lines keep
    their faults)."""
    return CLIENT_TS.sub(lambda m: b'"client_ts_ms":%d' % fn(int(m.group(1))), line)


def freshness_stream(spec: StreamSpec, out_dir: Path) -> list[tuple[float, bytes, int]]:
    """(publish offset s, line with client_ts_ms relative to the publish start, events) for the
    first `spec.events` events delivered after the warm-up; also writes events.parquet
    (message, view_id, sequence_number) and prints the time warp."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from streamqoe.simulator.config import SimConfig

    warm_end = SimConfig(start=SIM_START).start_ms + int(FRESHNESS_WARMUP_HOURS * 3_600_000)
    lines: list[bytes] = []
    arrivals: list[int] = []
    counts: list[int] = []
    keys: list[tuple[int, str, int]] = []
    total = 0
    for at_ms, line in player_messages(spec):
        if at_ms < warm_end:
            continue
        parsed = event_keys(line)
        if not parsed:
            continue
        for view, seq, _ in parsed:
            keys.append((len(lines), view, seq))
        lines.append(line)
        arrivals.append(at_ms)
        counts.append(len(parsed))
        total += len(parsed)
        if total >= spec.events:
            break
    if total < spec.events:
        raise SystemExit(f"the simulation gave only {total} events; raise --viewers")
    a = np.asarray(arrivals, dtype=np.float64)
    offsets = (np.cumsum(counts) - np.asarray(counts)) / spec.rate  # events before / rate
    span_sim = (a[-1] - a[0]) / 1000
    warp = span_sim / max(offsets[-1], 1e-9)
    print(
        f"stream: {len(lines):,} messages, {total:,} events, {total / len(lines):.2f} events per "
        f"message; {span_sim:.0f} s of simulated traffic published in {offsets[-1]:.0f} s "
        f"(time warp {warp:.2f}: the simulator's natural rate is {spec.rate / warp:.0f} "
        "events/s)",
        flush=True,
    )

    def relative_ms(ts: int) -> int:
        if ts <= a[0]:
            return round(offsets[0] * 1000 - (a[0] - ts))
        return round(float(np.interp(ts, a, offsets)) * 1000)

    out = [
        (float(o), shift_timestamps(line, relative_ms), n)
        for o, line, n in zip(offsets, lines, counts, strict=True)
    ]
    pq.write_table(
        pa.table(
            {
                "message": [k[0] for k in keys],
                "view_id": [k[1] for k in keys],
                "sequence_number": [k[2] for k in keys],
            }
        ),
        out_dir / "events.parquet",
    )
    return out


def state_stream(
    spec: StreamSpec, views: dict[str, list[int]]
) -> Iterator[tuple[float, bytes, int]]:
    """(publish offset s, line with compressed client_ts_ms relative to the publish start,
    events) for every player message of the run; fills `views` with view_id -> [first, last]
    relative event time ms (compressed)."""
    from streamqoe.simulator.config import SimConfig

    origin = SimConfig(start=SIM_START).start_ms
    c = spec.compression

    def relative_ms(ts: int) -> int:
        return round((ts - origin) / c)

    for at_ms, line in player_messages(spec):
        parsed = event_keys(line)
        n = len(parsed) if parsed else 1
        for view, _, ts in parsed or ():
            rel = relative_ms(ts)
            span = views.get(view)
            if span is None:
                views[view] = [rel, rel]
            else:
                span[0] = min(span[0], rel)
                span[1] = max(span[1], rel)
        yield (at_ms - origin) / 1000 / c, shift_timestamps(line, relative_ms), n


# --------------------------------------------------------------------------------------------
# child processes


def publisher_main(
    spec: StreamSpec,
    host: str,
    out_dir: str,
    ready: Any,
    go_at: Any,
    published_events: Any,
    published_messages: Any,
    done: Any,
) -> None:
    """Build the stream, wait for the start time, publish on schedule, log publish times."""
    import numpy as np
    from google.cloud import pubsub_v1

    from app.live_slice import BEACON_ATTRIBUTES

    os.environ["PUBSUB_EMULATOR_HOST"] = host
    out = Path(out_dir)
    views: dict[str, list[int]] = {}
    if spec.mode == "freshness":
        cached = Path(spec.cache) / spec.cache_name() if spec.cache else None
        if cached and cached.exists():
            import pyarrow.parquet as pq

            with cached.open("rb") as f:
                stream, events = pickle.load(f)
            pq.write_table(events, out / "events.parquet")
            print(f"stream: {len(stream):,} messages from {cached}", flush=True)
        else:
            stream = freshness_stream(spec, out)
            if cached:
                import pyarrow.parquet as pq

                cached.parent.mkdir(parents=True, exist_ok=True)
                with cached.open("wb") as f:
                    pickle.dump((stream, pq.read_table(out / "events.parquet")), f)
    else:
        stream = state_stream(spec, views)
    publisher = pubsub_v1.PublisherClient()
    topic = publisher.topic_path(BENCH_PROJECT, TOPIC)
    ready.set()
    while go_at.value <= 0:
        time.sleep(0.01)
    t0 = go_at.value
    t0_ms = round(t0 * 1000)
    times: list[float] = []
    counts: list[int] = []
    futures: list[Any] = []
    failures = 0
    behind = 0.0
    for offset, line, n in stream:
        due = t0 + offset
        wait = due - time.time()
        if wait > 0.0005:
            time.sleep(wait)
        else:
            behind = max(behind, -wait)
        data = CLIENT_TS.sub(lambda m: b'"client_ts_ms":%d' % (t0_ms + int(m.group(1))), line)
        times.append(time.time())
        counts.append(n)
        futures.append(publisher.publish(topic, data, **BEACON_ATTRIBUTES))
        with published_events.get_lock():
            published_events.value += n
        published_messages.value += 1
        if len(futures) >= FUTURES_WINDOW:
            for future in futures:
                try:
                    future.result(timeout=60)
                except Exception:  # counted and reported
                    failures += 1
            futures = []
    for future in futures:
        try:
            future.result(timeout=60)
        except Exception:
            failures += 1
    publisher.stop()
    np.savez(
        out / "published.npz",
        times=np.asarray(times),
        events=np.asarray(counts, dtype=np.int32),
        failures=failures,
        behind=behind,
        t0=t0,
    )
    if views:
        import pyarrow as pa
        import pyarrow.parquet as pq

        ids = list(views)
        pq.write_table(
            pa.table(
                {
                    "view_id": ids,
                    "first_ms": [t0_ms + views[v][0] for v in ids],
                    "last_ms": [t0_ms + views[v][1] for v in ids],
                }
            ),
            out / "views.parquet",
        )
    done.set()


def poller_main(
    path: str,
    interval: float,
    out_csv: str,
    stop: Any,
    landed: Any,
    final_views: Any,
    count_final: bool,
) -> None:
    """Every `interval` s open the warehouse read-only (retrying while the sink holds it), count
    player_events and views rows (and final views), close; log (time, counts, failed opens)."""
    import duckdb

    sql = "select (select count(*) from player_events), (select count(*) from views)"
    if count_final:
        sql += ", (select count(distinct view_id) from views where is_final)"
    with open(out_csv, "w") as log:
        log.write("t,events,views,final_views,failed_opens\n")
        next_at = time.time()
        while not stop.is_set():
            failed = 0
            while not stop.is_set():
                try:
                    with duckdb.connect(path, read_only=True) as con:
                        row = con.execute(sql).fetchone()
                    break
                except duckdb.Error:
                    failed += 1
                    time.sleep(0.05)
            else:
                break
            seen = time.time()
            landed.value = row[0]
            finals = row[2] if count_final else -1
            final_views.value = finals
            log.write(f"{seen:.3f},{row[0]},{row[1]},{finals},{failed}\n")
            log.flush()
            next_at += interval
            pause = next_at - time.time()
            if pause > 0:
                stop.wait(pause)
            else:
                next_at = time.time()


# --------------------------------------------------------------------------------------------
# helpers


class StackSampler:
    """Where the runner's worker thread spends its time: samples its stack every `interval` s
    (sys._current_frames) and counts each function once per sample (inclusive) and the innermost
    frame (self). Only threads running Beam's DirectRunner executor are sampled."""

    def __init__(self, interval: float = 0.005):
        import threading
        from collections import Counter

        self.interval = interval
        self.inclusive: Counter[str] = Counter()
        self.own: Counter[str] = Counter()
        self.samples = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="stack-sampler", daemon=True)

    def start(self) -> StackSampler:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(5)

    def _run(self) -> None:
        import threading

        me = threading.get_ident()
        while not self.stopped.wait(self.interval):
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                names = []
                f = frame
                while f is not None:
                    code = f.f_code
                    where = code.co_filename.split("site-packages/")[-1].replace(
                        str(REPO) + "/", ""
                    )
                    names.append(f"{where}:{code.co_name}")
                    f = f.f_back
                if not any("runners/direct/executor.py" in n for n in names):
                    continue
                self.samples += 1
                self.own[names[0]] += 1
                for name in set(names):
                    self.inclusive[name] += 1

    def report(self, top: int = 45) -> dict[str, Any]:
        from collections import Counter

        def share(counter: Any) -> list[tuple[str, float]]:
            return [
                (k, round(100 * v / max(1, self.samples), 1)) for k, v in counter.most_common(top)
            ]

        ours = Counter(
            {k: v for k, v in self.inclusive.items() if k.startswith(("pipelines/", "streamqoe/"))}
        )
        out = {
            "samples": self.samples,
            "inclusive_pct": share(self.inclusive),
            "self_pct": share(self.own),
            "project_code_pct": share(ours),
        }
        print(f"\nprofile of the runner thread ({self.samples:,} samples), inclusive:")
        for name, pct in out["inclusive_pct"]:
            print(f"  {pct:5.1f}%  {name}")
        print("  project code, inclusive:")
        for name, pct in out["project_code_pct"]:
            print(f"  {pct:5.1f}%  {name}")
        print("  self:")
        for name, pct in out["self_pct"][:20]:
            print(f"  {pct:5.1f}%  {name}")
        return out


def install_cprofile(result: Any) -> tuple[Any]:
    """cProfile the runner's worker thread (enabled from inside it, through the evaluation
    context's timer extraction, which only the worker calls). Slows the runner ~2x."""
    import cProfile

    profiler = cProfile.Profile()
    context = result._evaluation_context
    extract = context.extract_all_timers
    started = []

    def extract_all_timers() -> Any:
        if not started:
            started.append(True)
            profiler.enable()
        return extract()

    context.extract_all_timers = extract_all_timers
    return (profiler,)


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def percentiles(values: list[float]) -> dict[str, float | int | None]:
    """count, p50/p95/p99 (nearest rank), max and mean of `values`."""
    if not values:
        return {"count": 0, "p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    ordered = sorted(values)
    out: dict[str, float | int | None] = {"count": len(ordered)}
    for p in PERCENTILES:
        out[f"p{p}"] = round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 3)
    out["max"] = round(ordered[-1], 3)
    out["mean"] = round(sum(ordered) / len(ordered), 3)
    return out


def fmt(stats: dict[str, Any]) -> str:
    if not stats["count"]:
        return "no data"
    return (
        f"p50 {stats['p50']:.2f} s  p95 {stats['p95']:.2f} s  p99 {stats['p99']:.2f} s  "
        f"max {stats['max']:.2f} s  (n={stats['count']:,})"
    )


def open_warehouse(path: Path, timeout: float = 60.0) -> Any:
    """A read-only DuckDB connection to the warehouse, retried while the sink still holds it."""
    import duckdb

    deadline = time.monotonic() + timeout
    while True:
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def start_children(
    ctx: Any, spec: StreamSpec, host: str, workdir: Path
) -> tuple[Any, dict[str, Any]]:
    shared = {
        "ready": ctx.Event(),
        "done": ctx.Event(),
        "go_at": ctx.Value("d", 0.0),
        "events": ctx.Value("q", 0),
        "messages": ctx.Value("q", 0, lock=False),
    }
    proc = ctx.Process(
        target=publisher_main,
        args=(
            spec,
            host,
            str(workdir),
            shared["ready"],
            shared["go_at"],
            shared["events"],
            shared["messages"],
            shared["done"],
        ),
        name="publisher",
    )
    proc.start()
    return proc, shared


def start_poller(
    ctx: Any, path: Path, interval: float, workdir: Path, count_final: bool
) -> tuple[Any, dict[str, Any]]:
    shared = {
        "stop": ctx.Event(),
        "landed": ctx.Value("q", 0, lock=False),
        "final_views": ctx.Value("q", -1, lock=False),
    }
    proc = ctx.Process(
        target=poller_main,
        args=(
            str(path),
            interval,
            str(workdir / "polls.csv"),
            shared["stop"],
            shared["landed"],
            shared["final_views"],
            count_final,
        ),
        name="poller",
    )
    proc.start()
    return proc, shared


def wait_ready(proc: Any, ready: Any, what: str) -> None:
    started = time.monotonic()
    while not ready.wait(5):
        if not proc.is_alive():
            raise SystemExit(f"{what} died (exit code {proc.exitcode})")
    print(f"{what} ready after {time.monotonic() - started:.0f} s", flush=True)


def stop_process(proc: Any, timeout: float = 30.0) -> None:
    proc.join(timeout)
    if proc.is_alive():
        proc.terminate()
        proc.join(10)


def counter(result: Any, name: str) -> int:
    """A streamqoe counter of the pipeline summed over steps (0 when not reported)."""
    try:
        counters = result.metrics().query()["counters"]
    except Exception:
        return 0
    return sum(c.committed or 0 for c in counters if c.key.metric.name == name)


# --------------------------------------------------------------------------------------------
# freshness


def prepare_workdir(args: argparse.Namespace) -> tuple[Path, Path]:
    """(--workdir or a new temporary folder, created; the warehouse file in it)."""
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="streaming-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir, workdir / "warehouse.duckdb"


def start_pipeline(
    project: str,
    warehouse: Path,
    args: argparse.Namespace,
    flags: list[str] | tuple[str, ...] = (),
    *,
    collect_garbage: bool = True,
) -> tuple[Any, Any]:
    """Start the streaming pipeline on SUBSCRIPTION into `warehouse` (this process, the local
    runner); return (its result, its LocalStateKeeper)."""
    import beam_local_runner as local_runner
    from pipelines import streaming

    result = streaming.start(
        [
            "--warehouse", f"duckdb:{warehouse}",
            "--pubsub_project", project,
            "--subscriptions", SUBSCRIPTION,
            "--early_firing_seconds", str(args.early_firing_seconds),
            *flags,
        ],
        collect_garbage=collect_garbage,
    )  # fmt: skip
    return result, local_runner.local_state_keeper(result)


def run_freshness(args: argparse.Namespace) -> dict[str, Any]:
    import beam_local_runner as local_runner

    seconds = args.minutes * 60
    events = int(args.rate * (seconds + 10))
    viewers = args.viewers or int(VIEWERS_PER_EVENT_PER_SECOND * args.rate)
    hours = FRESHNESS_WARMUP_HOURS + 1.5 * (seconds + 10) / 3600 + 0.25
    spec = StreamSpec(
        "freshness",
        viewers,
        hours,
        args.seed,
        rate=args.rate,
        events=events,
        cache=str(args.stream_cache) if args.stream_cache else None,
    )
    workdir, warehouse = prepare_workdir(args)
    ctx = mp.get_context("spawn")
    print(
        f"freshness: {args.rate:g} events/s for {args.minutes:g} min; {viewers:,} simulated "
        f"viewers; poll every {args.poll_seconds:g} s; early panes every "
        f"{args.early_firing_seconds:g} s; work dir {workdir}",
        flush=True,
    )
    timeline: list[dict[str, Any]] = []
    if args.analyse_only:  # re-read a kept work dir
        import numpy as np

        t0 = float(np.load(workdir / "published.npz")["t0"])
        return analyse_freshness(args, workdir, warehouse, timeline, t0, spec)
    with emulator(workdir) as project:
        host = os.environ["PUBSUB_EMULATOR_HOST"]
        publisher, pub = start_children(ctx, spec, host, workdir)
        try:
            wait_ready(publisher, pub["ready"], "publisher (simulated and prepared the stream)")
            result, keeper = start_pipeline(project, warehouse, args)
            if keeper and args.max_firings:
                keeper.max_firings = args.max_firings
            sampler = StackSampler().start() if args.profile else None
            cprof = install_cprofile(result) if args.cprofile else None
            poller, poll = start_poller(ctx, warehouse, args.poll_seconds, workdir, False)
            try:
                t0 = time.time() + PUBLISH_START_DELAY_SECONDS
                pub["go_at"].value = t0
                print(
                    f"{'t (s)':>6} {'published':>10} {'landed':>10} {'backlog':>8} "
                    f"{'RSS MB':>7} {'held keys':>9} {'held elems':>10}",
                    flush=True,
                )
                deadline = None
                while True:
                    time.sleep(args.report_seconds)
                    published, landed = pub["events"].value, poll["landed"].value
                    held = keeper.latest.total() if keeper and keeper.latest else None
                    row = {
                        "t": round(time.time() - t0, 1),
                        "published": published,
                        "landed": landed,
                        "backlog": published - landed,
                        "rss_mb": round(rss_mb()),
                        "held_keys": held.keys if held else None,
                        "held_elements": held.elements if held else None,
                    }
                    timeline.append(row)
                    print(
                        f"{row['t']:>6.0f} {published:>10,} {landed:>10,} {row['backlog']:>8,} "
                        f"{row['rss_mb']:>7,} {row['held_keys'] or 0:>9,} "
                        f"{row['held_elements'] or 0:>10,}",
                        flush=True,
                    )
                    if result.state in ("FAILED", "CANCELLED", "DONE"):
                        raise SystemExit(f"the pipeline stopped: {result.state}")
                    if pub["done"].is_set():
                        if deadline is None:
                            deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
                        if landed >= published or time.monotonic() > deadline:
                            break
                time.sleep(VIEWS_SETTLE_SECONDS if args.views_settle else 0)
            finally:
                poll["stop"].set()
                stop_process(poller)
                from pipelines.transforms.sinks import SINK_STATS

                sink = SINK_STATS.snapshot()
                pulls = dict(local_runner.PULL_STATS.__dict__)
                deferred = keeper.deferred_firings if keeper else 0
                result.cancel()
                profile = sampler.report() if sampler else None
                if sampler:
                    sampler.stop()
                if cprof:
                    import pstats

                    time.sleep(2)
                    stats = pstats.Stats(cprof[0])
                    stats.dump_stats(str(workdir / "runner.pstats"))
                    stats.sort_stats("tottime").print_stats(40)
                    stats.sort_stats("cumulative").print_stats(60)
        finally:
            stop_process(publisher, 120)
    summary = analyse_freshness(args, workdir, warehouse, timeline, t0, spec)
    summary["sink"] = sink
    summary["pubsub_reads"] = pulls
    summary["timer_firings_deferred"] = deferred
    print(f"timer firings deferred to a later look (LocalStateKeeper.max_firings): {deferred:,}")
    print(
        f"Pub/Sub reads: {pulls['drains']:,} bundles, {pulls['pulls']:,} pull requests, "
        f"{pulls['messages']:,} messages in {pulls['seconds']:.1f} s (pulling "
        f"{pulls['pull_seconds']:.1f} s, acknowledging {pulls['ack_seconds']:.1f} s, idle "
        f"{pulls['idle_seconds']:.1f} s)"
    )
    print(
        f"DuckDB sinks: {sink['appends']:,} appends of {sink['rows']:,} rows in "
        f"{sink['seconds']:.1f} s (open, insert, close), {sink['retries']:,} retries (file "
        "held by the poller)"
    )
    summary["profile"] = profile
    summary["work_dir"] = str(workdir)
    if not args.workdir and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return summary


def analyse_freshness(
    args: argparse.Namespace,
    workdir: Path,
    warehouse: Path,
    timeline: list[dict[str, Any]],
    t0: float,
    spec: StreamSpec,
) -> dict[str, Any]:
    import duckdb
    import numpy as np
    import pyarrow as pa

    pub = np.load(workdir / "published.npz")
    times, counts = pub["times"], pub["events"]
    span = float(times[-1] - times[0]) if len(times) > 1 else 0.0
    print(
        f"\npublished {int(counts.sum()):,} events in {len(times):,} messages over {span:.1f} s "
        f"= {counts.sum() / max(span, 1e-9):,.0f} events/s; publisher at most "
        f"{float(pub['behind']):.2f} s behind schedule; {int(pub['failures'])} failed publishes",
        flush=True,
    )
    con = duckdb.connect()
    wh = open_warehouse(warehouse)
    landed = wh.execute(
        "select rowid as r, view_id, sequence_number, epoch(ingested_at) as ing from player_events"
    ).to_arrow_table()
    views = wh.execute(
        "select rowid as r, view_id, event_count, is_final, epoch(ingested_at) as ing from views"
    ).to_arrow_table()
    wh.close()
    con.register("landed_rows", landed)
    con.register("view_rows", views)
    con.register(
        "published",
        pa.table({"message": np.arange(len(times)), "published_at": times}),
    )
    con.execute(
        f"create table events as select * from read_parquet('{workdir / 'events.parquet'}')"
    )
    con.execute(
        f"create table polls as select events as n_events, views as n_views, t, failed_opens "
        f"from read_csv('{workdir / 'polls.csv'}')"
    )
    n_rows, max_rowid = con.execute("select count(*), max(r) from landed_rows").fetchone()
    contiguous = n_rows == 0 or max_rowid == n_rows - 1
    con.execute(
        """
        create table ev as
        select e.view_id, e.sequence_number, p.published_at,
               l.ing - p.published_at as to_ingested,
               s.t - p.published_at as to_seen, l.r
        from events e join published p using (message)
        left join landed_rows l using (view_id, sequence_number)
        asof left join (select n_events, min(t) as t from polls group by 1) s
          on l.r < s.n_events
        """
    )
    missing = con.execute("select count(*) from ev where r is null").fetchone()[0]
    unseen = con.execute(
        "select count(*) from ev where r is not null and to_seen is null"
    ).fetchone()[0]
    seen = [
        r[0] for r in con.execute("select to_seen from ev where to_seen is not null").fetchall()
    ]
    ingested = [
        r[0]
        for r in con.execute("select to_ingested from ev where to_ingested is not null").fetchall()
    ]
    polls = con.execute(
        "select count(*), sum(failed_opens), max(failed_opens) from polls"
    ).fetchone()
    # per 30-s bucket of publish time: is latency flat (keeping up) or growing?
    buckets = con.execute(
        f"""
        select floor((published_at - {t0}) / 30) * 30 as b, count(*) as n,
               quantile_disc(to_seen, 0.5), quantile_disc(to_seen, 0.95), max(to_seen)
        from ev where to_seen is not null group by 1 order by 1
        """
    ).fetchall()
    # views: each event's first visible views row that includes it (event_count >= its rank in
    # the view's published events), and each view's first visible row after its first event.
    con.execute(
        """
        create table vseen as
        select v.view_id, v.event_count, v.is_final, v.ing, s.t as seen
        from view_rows v
        asof left join (select n_views, min(t) as t from polls group by 1) s
          on v.r < s.n_views
        """
    )
    con.execute(
        """
        create table ranked as
        select view_id, sequence_number, published_at,
               row_number() over (partition by view_id order by published_at, sequence_number) as k
        from ev
        """
    )
    reflect = [
        r[0]
        for r in con.execute(
            """
            select min(s.seen) - k.published_at
            from ranked k join vseen s on s.view_id = k.view_id and s.event_count >= k.k
            where s.seen is not null
            group by k.view_id, k.k, k.published_at
            """
        ).fetchall()
    ]
    not_reflected = con.execute(
        """
        select count(*) from ranked k where not exists (
            select 1 from vseen s where s.view_id = k.view_id and s.event_count >= k.k
              and s.seen is not null)
        """
    ).fetchone()[0]
    first_rows = [
        r[0]
        for r in con.execute(
            """
            select min(s.seen) - min(k.published_at)
            from ranked k join vseen s using (view_id)
            where k.view_id in (select view_id from ev where sequence_number = 0)
              and s.seen is not null
            group by k.view_id
            """
        ).fetchall()
    ]
    view_counts = con.execute(
        "select count(*), count(distinct view_id), count(*) filter (where is_final) from view_rows"
    ).fetchone()

    e2e, sink = percentiles(seen), percentiles(ingested)
    reflected, first = percentiles(reflect), percentiles(first_rows)
    print("\nplayer_events: publish -> visible to the poller (separate read-only process)")
    print(f"  {fmt(e2e)}")
    print(f"  publish -> ingested_at (sink write, no poll granularity): {fmt(sink)}")
    print(
        f"  landed {n_rows:,} of {int(counts.sum()):,} published events; "
        f"{missing:,} never landed, {unseen:,} landed after the last poll; rowids contiguous: "
        f"{contiguous}"
    )
    print(
        f"  poller: {polls[0]:,} polls, {polls[1] or 0:,} opens refused while the sink wrote "
        f"(max {polls[2] or 0} in a row)"
    )
    print("  per 30 s of publish time (p50 / p95 / max, s):")
    for b, n, p50, p95, mx in buckets:
        print(f"    {b:>5.0f}-{b + 30:<5.0f} n={n:>7,}  {p50:6.2f} {p95:6.2f} {mx:6.2f}")
    print(
        f"\nviews ({view_counts[0]:,} rows for {view_counts[1]:,} views, {view_counts[2]:,} final; "
        f"early panes every {args.early_firing_seconds:g} s):"
    )
    print(f"  an event is reflected in a visible views row after: {fmt(reflected)}")
    print(f"    ({not_reflected:,} events not reflected by the end of the run)")
    print(f"  a view's first row is visible after its first event: {fmt(first)}")
    backlog_tail = [row["backlog"] for row in timeline[len(timeline) // 2 :]]
    return {
        "mode": "freshness",
        "rate_target": args.rate,
        "minutes": args.minutes,
        "viewers": spec.viewers,
        "poll_seconds": args.poll_seconds,
        "early_firing_seconds": args.early_firing_seconds,
        "published_events": int(counts.sum()),
        "published_messages": len(times),
        "publish_rate": round(float(counts.sum()) / max(span, 1e-9), 1),
        "publisher_max_behind_s": round(float(pub["behind"]), 3),
        "landed_events": int(n_rows),
        "missing_events": int(missing),
        "rowids_contiguous": bool(contiguous),
        "publish_to_visible_s": e2e,
        "publish_to_ingested_s": sink,
        "polls": int(polls[0]),
        "poll_opens_refused": int(polls[1] or 0),
        "per_30s": [
            {"from_s": b, "n": n, "p50": p50, "p95": p95, "max": mx}
            for b, n, p50, p95, mx in buckets
        ],
        "views_event_reflected_s": reflected,
        "views_events_not_reflected": int(not_reflected),
        "views_first_row_s": first,
        "views_rows": int(view_counts[0]),
        "timeline": timeline,
        "backlog_second_half_max": max(backlog_tail) if backlog_tail else None,
        "goal_p95_s": 10.0,
        "goal_met": e2e["p95"] is not None and e2e["p95"] <= 10.0 and missing == 0,
    }


# --------------------------------------------------------------------------------------------
# state


def compressed_flags(c: float) -> list[str]:
    """The pipeline's event-time settings divided by the compression. (Early panes are a
    processing-time setting: they stay at --early-firing-seconds.)"""
    return [
        "--view_gap_seconds", f"{VIEW_GAP_SECONDS / c:g}",
        "--allowed_lateness_seconds", f"{ALLOWED_LATENESS_SECONDS / c:g}",
        "--viewer_session_gap_seconds", f"{VIEWER_SESSION_GAP_SECONDS / c:g}",
        "--dedupe_ttl_seconds", f"{DEDUPE_TTL_SECONDS / c:g}",
    ]  # fmt: skip


def run_state(args: argparse.Namespace) -> dict[str, Any]:

    c = args.compression
    spec = StreamSpec(
        "state", args.viewers, args.hours, args.seed, compression=c, faults=not args.no_faults
    )
    workdir, warehouse = prepare_workdir(args)
    ctx = mp.get_context("spawn")
    wall = args.hours * 3600 / c
    print(
        f"state: {args.hours:g} h of simulated viewing ({args.viewers:,} viewers, from "
        f"{SIM_START}) replayed {c:g}x faster (~{wall / 60:.0f} min); housekeeping "
        f"{'off (--no-gc)' if args.no_gc else 'on'}; work dir {workdir}",
        flush=True,
    )
    samples: list[dict[str, Any]] = []
    steps_last: dict[str, Any] = {}
    with emulator(workdir) as project:
        host = os.environ["PUBSUB_EMULATOR_HOST"]
        publisher, pub = start_children(ctx, spec, host, workdir)
        try:
            wait_ready(publisher, pub["ready"], "publisher")
            result, keeper = start_pipeline(
                project, warehouse, args, compressed_flags(c), collect_garbage=not args.no_gc
            )
            poller, poll = start_poller(ctx, warehouse, args.poll_seconds, workdir, True)
            try:
                t0 = time.time() + PUBLISH_START_DELAY_SECONDS
                pub["go_at"].value = t0
                print(
                    f"{'wall min':>8} {'sim time':>8} {'published':>10} {'landed':>10} "
                    f"{'final views':>11} {'held keys':>9} {'windows':>8} {'elements':>9} "
                    f"{'values':>8} {'RSS MB':>7} {'emul MB':>7}",
                    flush=True,
                )
                stop_at = time.monotonic() + args.max_minutes * 60 if args.max_minutes else None
                drain_deadline = None
                while True:
                    time.sleep(args.sample_seconds)
                    held = keeper.latest if keeper else None
                    total = held.total() if held else None
                    now = time.time()
                    sample = {
                        "wall_s": round(now - t0, 1),
                        "sim_hours": round((now - t0) * c / 3600, 3),
                        "published": pub["events"].value,
                        "landed": poll["landed"].value,
                        "final_views": poll["final_views"].value,
                        "rss_mb": round(rss_mb()),
                        "emulator_rss_mb": round(emulator_rss_mb(workdir) or 0),
                        "held": total.__dict__ if total else None,
                        "held_at": held.at if held else None,
                        "held_pass_ms": round(held.seconds * 1000, 1) if held else None,
                        "steps": {k: v.__dict__ for k, v in held.steps.items()} if held else {},
                    }
                    samples.append(sample)
                    print(
                        f"{sample['wall_s'] / 60:>8.1f} {sim_clock(sample['sim_hours']):>8} "
                        f"{sample['published']:>10,} {sample['landed']:>10,} "
                        f"{sample['final_views']:>11,} {total.keys if total else 0:>9,} "
                        f"{total.windows if total else 0:>8,} {total.elements if total else 0:>9,} "
                        f"{total.values if total else 0:>8,} {sample['rss_mb']:>7,} "
                        f"{sample['emulator_rss_mb']:>7,}",
                        flush=True,
                    )
                    if result.state in ("FAILED", "CANCELLED", "DONE"):
                        raise SystemExit(f"the pipeline stopped: {result.state}")
                    if stop_at and time.monotonic() > stop_at:
                        print("stopped at --max-minutes", flush=True)
                        break
                    if pub["done"].is_set():
                        # faulty lines dead-letter and duplicates land twice: stop once the
                        # landed count no longer moves
                        drain_deadline = drain_deadline or time.monotonic() + 300
                        still = len(samples) > 2 and samples[-3]["landed"] == sample["landed"]
                        if still or time.monotonic() > drain_deadline:
                            break
                if held:
                    steps_last = {k: v.__dict__ for k, v in held.steps.items()}
            finally:
                poll["stop"].set()
                stop_process(poller)
                result.cancel()
        finally:
            if publisher.is_alive():
                publisher.terminate()
            stop_process(publisher, 30)
    summary = analyse_state(args, workdir, samples, steps_last, t0)
    summary["work_dir"] = str(workdir)
    if not args.workdir and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return summary


def sim_clock(hours: float) -> str:
    start = 12.0  # SIM_START is 12:00 UTC
    h = start + hours
    return f"{int(h) % 24:02d}:{int((h % 1) * 60):02d}"


VIEW_STEP = "BuildQoeTables/SessionizeViews/GroupByView/GroupByWindow"
MINUTE_DELTA_STEP = "BuildQoeTables/AggregateQoePerMinute/EmitMinuteDeltasFn"
VIEWER_STEP = "BuildQoeTables/SessionizeViewers/GroupByViewer/GroupByWindow"


def analyse_state(
    args: argparse.Namespace,
    workdir: Path,
    samples: list[dict[str, Any]],
    steps_last: dict[str, Any],
    t0: float,
) -> dict[str, Any]:
    import pyarrow.parquet as pq

    c = args.compression
    gap = VIEW_GAP_SECONDS / c
    lateness = ALLOWED_LATENESS_SECONDS / c
    minute_horizon = lateness + MINUTE_DELTA_EXTRA_SECONDS
    spans_path = workdir / "views.parquet"
    if spans_path.exists():
        table = pq.read_table(spans_path)
        firsts = sorted(x / 1000 for x in table["first_ms"].to_pylist())
        # a view's session window ends at its last event + gap
        ends = sorted(x / 1000 + gap for x in table["last_ms"].to_pylist())
    else:  # the publisher was stopped before it wrote them (--max-minutes)
        firsts, ends = [], []

    def started(w: float) -> int:
        return bisect.bisect_right(firsts, w)

    def ended_by(w: float) -> int:
        return bisect.bisect_right(ends, w)

    rows = []
    for s in samples:
        w = s.get("held_at") or (t0 + s["wall_s"])
        n_started, n_closed = started(w), ended_by(w)
        within = n_closed - ended_by(w - lateness)
        minute_keys = started(w) - ended_by(w - minute_horizon)
        step = s["steps"].get(VIEW_STEP, {})
        rows.append(
            {
                **{k: s[k] for k in ("wall_s", "sim_hours", "published", "landed", "rss_mb")},
                "views_started": n_started,
                "views_open": n_started - n_closed,
                "views_closed": n_closed,
                "closed_within_lateness": within,
                "bound_view_windows": n_started - n_closed + within,
                "held_view_windows": step.get("windows"),
                "held_view_elements": step.get("elements"),
                "bound_minute_delta_keys": minute_keys,
                "held_minute_delta_keys": s["steps"].get(MINUTE_DELTA_STEP, {}).get("keys"),
                "held_keys": (s["held"] or {}).get("keys"),
                "held_values": (s["held"] or {}).get("values"),
                "held_pass_ms": s["held_pass_ms"],
                "emulator_rss_mb": s["emulator_rss_mb"],
            }
        )
    print(
        f"\nstate over the run (event time compressed {c:g}x: gap {gap:g} s, allowed lateness "
        f"{lateness:g} s; 'bound' = views open + closed within the allowed lateness, by event "
        "time from the published events):"
    )
    header = (
        f"{'wall min':>8} {'sim':>5} {'started':>8} {'open':>6} {'closed':>7} {'bound':>6} "
        f"{'held win':>8} {'held el':>8} {'md bound':>8} {'md keys':>8} {'all keys':>8} "
        f"{'values':>8} {'RSS MB':>7} {'backlog':>8}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['wall_s'] / 60:>8.1f} {sim_clock(r['sim_hours']):>5} {r['views_started']:>8,} "
            f"{r['views_open']:>6,} {r['views_closed']:>7,} {r['bound_view_windows']:>6,} "
            f"{r['held_view_windows'] or 0:>8,} {r['held_view_elements'] or 0:>8,} "
            f"{r['bound_minute_delta_keys']:>8,} {r['held_minute_delta_keys'] or 0:>8,} "
            f"{r['held_keys'] or 0:>8,} {r['held_values'] or 0:>8,} {r['rss_mb']:>7,} "
            f"{r['published'] - r['landed']:>8,}"
        )
    print("\nheld state per stateful step at the end:")
    for label, step in sorted(steps_last.items()):
        print(
            f"  {label}: {step['keys']:,} keys, {step['windows']:,} windows, "
            f"{step['elements']:,} elements, {step['values']:,} values, {step['timers']:,} timers"
        )
    verdict = state_verdict(rows, args)
    print(f"\nverdict: {verdict['text']}")
    return {
        "mode": "state",
        "hours": args.hours,
        "viewers": args.viewers,
        "compression": c,
        "housekeeping": not args.no_gc,
        "view_gap_s": gap,
        "allowed_lateness_s": lateness,
        "minute_delta_horizon_s": minute_horizon,
        "samples": rows,
        "steps_last": steps_last,
        "verdict": verdict,
    }


def state_verdict(rows: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    """Bounded when the view step's held windows stay within the bound (open + within lateness,
    with a margin for sessions split by gaps and the housekeeping interval) while views closed so
    far grow past it, and RSS stops growing with the views processed."""
    useful = [r for r in rows if r["held_view_windows"] is not None]
    if len(useful) < 4:
        return {"bounded": None, "text": "too few samples"}
    ratios = [
        r["held_view_windows"] / max(1, r["bound_view_windows"]) for r in useful[len(useful) // 4 :]
    ]
    last = useful[-1]
    half = useful[len(useful) // 2]
    closed_growth = last["views_closed"] - half["views_closed"]
    rss_growth = last["rss_mb"] - half["rss_mb"]
    held_max = max(r["held_view_windows"] for r in useful)
    bounded = max(ratios) <= 1.5 and held_max < max(1, last["views_closed"])
    text = (
        f"{'BOUNDED' if bounded else 'NOT BOUNDED'}: held view windows / (open + closed within "
        f"lateness) between {min(ratios):.2f} and {max(ratios):.2f} over the last three quarters "
        f"of the run; peak {held_max:,} held view windows while {last['views_closed']:,} views "
        f"closed in total ({closed_growth:,} in the second half, RSS {rss_growth:+,} MB meanwhile)"
    )
    return {
        "bounded": bounded,
        "ratio_min": round(min(ratios), 3),
        "ratio_max": round(max(ratios), 3),
        "held_view_windows_max": held_max,
        "views_closed_total": last["views_closed"],
        "rss_growth_second_half_mb": rss_growth,
        "text": text,
    }


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--seed", type=int, default=7)
    common.add_argument("--workdir", type=Path, help="keep everything here (default: a temp dir)")
    common.add_argument("--keep", action="store_true", help="keep the temporary work dir")
    common.add_argument("--json", type=Path, help="also write the JSON summary here")
    f = sub.add_parser("freshness", parents=[common], help="latency at a sustained event rate")
    f.add_argument("--rate", type=float, default=1000.0, help="player events per second")
    f.add_argument("--minutes", type=float, default=3.0)
    f.add_argument("--viewers", type=int, help="simulated viewers (default: from the rate)")
    f.add_argument("--poll-seconds", type=float, default=1.0)
    f.add_argument("--early-firing-seconds", type=float, default=EARLY_FIRING_SECONDS)
    f.add_argument("--report-seconds", type=float, default=10.0)
    f.add_argument("--analyse-only", action="store_true", help=argparse.SUPPRESS)
    f.add_argument(
        "--stream-cache",
        type=Path,
        help="keep the prepared stream here and reuse it (the simulation takes minutes)",
    )
    f.add_argument("--profile", action="store_true", help="sample the runner thread's stacks")
    f.add_argument("--cprofile", action="store_true", help="cProfile the runner thread (slow)")
    f.add_argument(
        "--max-firings", type=int, help="timers fired at a time (LocalStateKeeper.max_firings)"
    )

    f.add_argument(
        "--no-views-settle",
        dest="views_settle",
        action="store_false",
        help=f"do not wait {VIEWS_SETTLE_SECONDS:g} s for the last early panes",
    )
    s = sub.add_parser("state", parents=[common], help="held state over a long accelerated run")
    s.add_argument("--hours", type=float, default=24.0, help="simulated hours (from 12:00 UTC)")
    s.add_argument("--viewers", type=int, default=2500)
    s.add_argument("--compression", type=float, default=16.0, help="replay speed = event time x")
    s.add_argument("--sample-seconds", type=float, default=60.0)
    s.add_argument("--poll-seconds", type=float, default=10.0)
    s.add_argument("--max-minutes", type=float, default=0.0, help="stop early (0: whole run)")
    s.add_argument("--no-gc", action="store_true", help="no LocalStateKeeper housekeeping")
    s.add_argument("--early-firing-seconds", type=float, default=EARLY_FIRING_SECONDS)
    s.add_argument("--no-faults", action="store_true", help="no injected faults")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.monotonic()
    summary = run_freshness(args) if args.command == "freshness" else run_state(args)
    summary["bench_seconds"] = round(time.monotonic() - started, 1)
    summary["command"] = "uv run python bench/streaming_bench.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    text = json.dumps(summary, indent=None, default=str)
    print("\nJSON summary:\n" + text)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, default=str))
    if summary["mode"] == "freshness":
        return 0 if summary["goal_met"] else 1
    return 0 if summary["verdict"]["bounded"] else 1


if __name__ == "__main__":
    sys.exit(main())
