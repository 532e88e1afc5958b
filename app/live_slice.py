"""Split a simulated run into history (batch path) and a live tail (streaming path).

The demo replays a simulated day the way production sees it: most of the day is already in files
(backfilled by the batch pipeline) while the views that started in the last minutes are still
arriving through Pub/Sub. A view goes wholly one way or the other, so no view is split across the
two paths. A live view's beacon line that the parser would dead-letter, wholly or in part (the
simulator's injected faults: malformed JSON, contract violations), stays with the batch files, where
it dead-letters like any other bad input; so the live tail's event count is exact and the streaming
step knows how many events to wait for.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from streamqoe.ingest.beacon import parse_beacon
from streamqoe.pubsub.publisher import Publisher

BEACON_ATTRIBUTES = {
    "schema_version": "1.0",
    "source": "player-sdk",
    "content_type": "application/json",
}


@dataclass(frozen=True)
class LiveSlice:
    """The batch copy of the beacon files and the live tail's beacon lines."""

    batch_files: list[Path]
    live_lines: list[bytes]
    live_view_count: int
    live_event_count: int


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


def clean_event_count(line: bytes) -> int | None:
    """Events in a beacon line the parser accepts whole, or None when any part would dead-letter."""
    outcomes = parse_beacon(line, source="live-slice", received_at=datetime.now(UTC))
    if any(outcome.kind != "record" for outcome in outcomes):
        return None
    return len(outcomes)


def split_beacons(sim_dir: Path, live_ids: set[str], batch_dir: Path) -> LiveSlice:
    """Copy the beacon files to `batch_dir` without the live views' clean lines; return those."""
    batch_files: list[Path] = []
    live: list[bytes] = []
    live_events = 0
    for path in sorted((sim_dir / "player").rglob("*.jsonl.gz")):
        target = batch_dir / path.relative_to(sim_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        kept = []
        with gzip.open(path, "rb") as lines:
            for line in lines:
                line = line.rstrip(b"\n")
                events = clean_event_count(line) if _view_of(line) in live_ids else None
                if events is None:
                    kept.append(line)
                else:
                    live.append(line)
                    live_events += events
        if kept:
            with gzip.open(target, "wb", compresslevel=1) as out:
                out.write(b"\n".join(kept) + b"\n")
            batch_files.append(target)
    return LiveSlice(batch_files, live, len(live_ids), live_events)


def publish_lines(project: str, topic: str, lines: Iterable[bytes]) -> int:
    """Publish each line as one message with the beacon attributes; return how many were sent.

    Raises:
        PublishError: some line was not published.
    """
    with Publisher(project) as publisher:
        for line in lines:
            publisher.publish(topic, line, BEACON_ATTRIBUTES)
    return publisher.report.published
