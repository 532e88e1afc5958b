"""What both streaming benches run around the pipeline: their own Pub/Sub emulator, the pipeline
in this process (local runner) and its counters, and read-only warehouse access."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import tree_rss_bytes
from bench.streaming.settings import BENCH_PROJECT, SUBSCRIPTION


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
    """RSS of the emulator's process and its descendants (the JVM), MB."""
    from app.platform.pubsub_emulator import PubSubEmulator

    record = PubSubEmulator(state_dir=workdir / "pubsub", project=BENCH_PROJECT).record()
    if not record:
        return None
    return tree_rss_bytes(record.pid) / 1e6 or None


def start_pipeline(
    project: str,
    warehouse: Path,
    early_firing_seconds: float,
    flags: list[str] | tuple[str, ...] = (),
    *,
    collect_garbage: bool = True,
) -> tuple[Any, Any]:
    """Start the streaming pipeline on SUBSCRIPTION into `warehouse` (this process, the local
    runner); return (its result, its LocalStateKeeper: beam_local_runner.local_state_keeper)."""
    import beam_local_runner
    from pipelines import streaming

    result = streaming.start(
        [
            "--warehouse", f"duckdb:{warehouse}",
            "--pubsub_project", project,
            "--subscriptions", SUBSCRIPTION,
            "--early_firing_seconds", str(early_firing_seconds),
            *flags,
        ],
        collect_garbage=collect_garbage,
    )  # fmt: skip
    return result, beam_local_runner.local_state_keeper(result)


def runner_counters(keeper: Any) -> dict[str, Any]:
    """What this process's local runner and sinks did, from the counters they expose:
    beam_local_runner.PULL_STATS (Pub/Sub reads), pipelines.transforms.sinks.SINK_STATS (DuckDB
    appends) and the LocalStateKeeper's deferred timer firings."""
    from dataclasses import asdict

    import beam_local_runner
    from pipelines.transforms.sinks import SINK_STATS

    return {
        "sink": SINK_STATS.snapshot(),
        "pubsub_reads": asdict(beam_local_runner.PULL_STATS),
        "timer_firings_deferred": keeper.deferred_firings if keeper else 0,
    }


def print_runner_counters(counters: dict[str, Any]) -> None:
    pulls, sink = counters["pubsub_reads"], counters["sink"]
    print(
        "timer firings deferred to a later look (LocalStateKeeper.max_firings): "
        f"{counters['timer_firings_deferred']:,}"
    )
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


def check_running(result: Any) -> None:
    """Exit when the pipeline stopped on its own."""
    if result.state in ("FAILED", "CANCELLED", "DONE"):
        raise SystemExit(f"the pipeline stopped: {result.state}")


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
