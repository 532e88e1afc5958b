"""The publisher child: builds the stream (or loads it from --stream-cache), waits for the start
time, publishes every message on schedule, and logs what it published (published.npz: publish
time and events per message; views.parquet in `state`: each view's first and last event time)."""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.streaming.settings import BENCH_PROJECT, CLIENT_TS, FUTURES_WINDOW, TOPIC
from bench.streaming.stream import StreamSpec, freshness_stream, state_stream


def beacon_publisher() -> Any:
    """The bench's Pub/Sub publisher: streamqoe.pubsub.publisher.Publisher on the wall clock,
    paced in real time (schedule offsets in seconds from its start_pacing), a window of
    FUTURES_WINDOW outstanding messages, failures counted (not raised)."""
    from streamqoe.pubsub.publisher import Publisher

    return Publisher(
        BENCH_PROJECT,
        window_messages=FUTURES_WINDOW,
        raise_on_failure=False,
        speed=1.0,
        clock=time.time,
    )


def load_stream(spec: StreamSpec, out: Path, views: dict[str, list[int]]) -> Iterable[Any]:
    """The stream to publish: (publish offset s, line, events) in order (see bench.streaming.
    stream); freshness streams come from / go to the --stream-cache folder when given."""
    import pyarrow.parquet as pq

    if spec.mode != "freshness":
        return state_stream(spec, views)
    cached = Path(spec.cache) / spec.cache_name() if spec.cache else None
    if cached and cached.exists():
        with cached.open("rb") as f:
            stream, events = pickle.load(f)
        pq.write_table(events, out / "events.parquet")
        print(f"stream: {len(stream):,} messages from {cached}", flush=True)
        return stream
    stream = freshness_stream(spec, out)
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        with cached.open("wb") as f:
            pickle.dump((stream, pq.read_table(out / "events.parquet")), f)
    return stream


def publish_on_schedule(
    stream: Iterable[Any], publisher: Any, t0: float, shared: dict[str, Any]
) -> dict[str, Any]:
    """Publish each message at t0 + its offset with the player SDK's attributes
    (app.live_slice.BEACON_ATTRIBUTES), client_ts_ms made absolute (t0 + relative); count events
    and messages in `shared`; return the publish log (publish times are the wall clock just
    before each message went to the client)."""
    from app.live_slice import BEACON_ATTRIBUTES

    t0_ms = round(t0 * 1000)
    times: list[float] = []
    counts: list[int] = []
    publisher.start_pacing(t0)
    for offset, line, n in stream:
        data = CLIENT_TS.sub(lambda m: b'"client_ts_ms":%d' % (t0_ms + int(m.group(1))), line)
        times.append(publisher.publish(TOPIC, data, BEACON_ATTRIBUTES, at_seconds=offset))
        counts.append(n)
        with shared["events"].get_lock():
            shared["events"].value += n
        shared["messages"].value += 1
    report = publisher.close()
    return {
        "times": times,
        "events": counts,
        "failures": report.failed,
        "behind": report.behind_seconds,
        "t0": t0,
    }


def write_logs(out: Path, log: dict[str, Any], views: dict[str, list[int]]) -> None:
    """published.npz (and views.parquet: view_id, first_ms, last_ms absolute, when `views`)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    np.savez(
        out / "published.npz",
        times=np.asarray(log["times"]),
        events=np.asarray(log["events"], dtype=np.int32),
        failures=log["failures"],
        behind=log["behind"],
        t0=log["t0"],
    )
    if views:
        t0_ms = round(log["t0"] * 1000)
        ids = list(views)
        table = {
            "view_id": ids,
            "first_ms": [t0_ms + views[v][0] for v in ids],
            "last_ms": [t0_ms + views[v][1] for v in ids],
        }
        pq.write_table(pa.table(table), out / "views.parquet")


def publisher_main(spec: StreamSpec, host: str, out_dir: str, shared: dict[str, Any]) -> None:
    """Build the stream, wait for the start time (shared go_at), publish on schedule, log."""
    os.environ["PUBSUB_EMULATOR_HOST"] = host
    out = Path(out_dir)
    views: dict[str, list[int]] = {}
    stream = load_stream(spec, out, views)
    publisher = beacon_publisher()
    shared["ready"].set()
    while shared["go_at"].value <= 0:
        time.sleep(0.01)
    log = publish_on_schedule(stream, publisher, shared["go_at"].value, shared)
    write_logs(out, log, views)
    shared["done"].set()


def start_publisher(ctx: Any, spec: StreamSpec, host: str, workdir: Path) -> tuple[Any, dict]:
    """Start the publisher child; return it and its shared values (ready, done, go_at, events,
    messages)."""
    shared = {
        "ready": ctx.Event(),
        "done": ctx.Event(),
        "go_at": ctx.Value("d", 0.0),
        "events": ctx.Value("q", 0),
        "messages": ctx.Value("q", 0, lock=False),
    }
    proc = ctx.Process(
        target=publisher_main, args=(spec, host, str(workdir), shared), name="publisher"
    )
    proc.start()
    return proc, shared
