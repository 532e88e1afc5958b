"""Split a simulated run into history (batch path) and a live tail (streaming path).

The demo replays a simulated day the way production sees it: most of the day is already in files
(backfilled by the batch pipeline) while the views that started in the last minutes are still
arriving through Pub/Sub. A view goes wholly one way or the other, so no view is split across the
two paths. Beacon lines that cannot be read (the simulator's injected faults) stay with the batch
files, where they dead-letter like any other bad input.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
from google.cloud import pubsub_v1

BEACON_ATTRIBUTES = {
    "schema_version": "1.0",
    "source": "player-sdk",
    "content_type": "application/json",
}
PUBLISH_WINDOW_MESSAGES = 2000


@dataclass(frozen=True)
class LiveSlice:
    """The batch copy of the beacon files and the live tail's beacon lines."""

    batch_files: list[Path]
    live_lines: list[bytes]
    live_view_count: int

    @property
    def live_event_count(self) -> int:
        """Events in the live lines (each line is a JSON array of one view's events)."""
        return sum(len(json.loads(line)) for line in self.live_lines)


def live_view_ids(sim_dir: Path, since: datetime) -> set[str]:
    """Beacon-reporting views that started at or after `since`, from the simulator's truth."""
    truth = pq.read_table(
        sim_dir / "truth" / "views.parquet", columns=["view_id", "started_at", "reporting"]
    )
    mask = pc.and_(
        pc.equal(truth["reporting"], "beacon"),
        pc.greater_equal(truth["started_at"], pc.cast(since, truth["started_at"].type)),
    )
    return set(truth.filter(mask)["view_id"].to_pylist())


def _view_of(line: bytes) -> str | None:
    try:
        doc = json.loads(line)
    except ValueError:
        return None
    if isinstance(doc, list) and doc and isinstance(doc[0], dict):
        view = doc[0].get("view_id")
        return view if isinstance(view, str) else None
    return None


def split_beacons(sim_dir: Path, live_ids: set[str], batch_dir: Path) -> LiveSlice:
    """Copy the beacon files to `batch_dir` without the live views' lines; return those lines."""
    batch_files: list[Path] = []
    live: list[bytes] = []
    for path in sorted((sim_dir / "player").rglob("*.jsonl.gz")):
        target = batch_dir / path.relative_to(sim_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        kept = []
        with gzip.open(path, "rb") as lines:
            for line in lines:
                line = line.rstrip(b"\n")
                (live if _view_of(line) in live_ids else kept).append(line)
        if kept:
            with gzip.open(target, "wb", compresslevel=1) as out:
                out.write(b"\n".join(kept) + b"\n")
            batch_files.append(target)
    return LiveSlice(batch_files, live, len(live_ids))


def publish_lines(project: str, topic: str, lines: Iterable[bytes]) -> int:
    """Publish each line as one message with the beacon attributes; return how many were sent."""
    publisher = pubsub_v1.PublisherClient()
    path = publisher.topic_path(project, topic)
    sent = 0
    futures = []
    try:
        for line in lines:
            futures.append(publisher.publish(path, line, **BEACON_ATTRIBUTES))
            if len(futures) >= PUBLISH_WINDOW_MESSAGES:
                for future in futures:
                    future.result(timeout=60)
                sent += len(futures)
                futures = []
        for future in futures:
            future.result(timeout=60)
        sent += len(futures)
    finally:
        publisher.stop()
    return sent
