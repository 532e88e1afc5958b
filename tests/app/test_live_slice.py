"""The demo's live tail: whole clean lines of live views go to Pub/Sub, everything else to batch."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

from app.live_slice import clean_event_count, split_beacons
from streamqoe import samples

LIVE = samples.VIEW_ID
OTHER = "00000000-0000-4000-8000-000000000001"


def _events(view_id: str) -> list[dict]:
    events = copy.deepcopy(samples.player_events())
    for event in events:
        event["view_id"] = view_id
    return events


def _write(sim: Path, lines: list[bytes]) -> None:
    path = sim / "player" / "2026" / "11" / "24" / "beacons-20.jsonl.gz"
    path.parent.mkdir(parents=True)
    with gzip.open(path, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")


def test_clean_event_count_counts_only_wholly_valid_lines() -> None:
    events = _events(LIVE)
    assert clean_event_count(json.dumps(events).encode()) == len(events)
    broken = copy.deepcopy(events)
    broken[1]["client_ts_ms"] = "yesterday"  # one contract violation spoils the line
    assert clean_event_count(json.dumps(broken).encode()) is None
    assert clean_event_count(b'[{"view_id": "' + LIVE.encode()) is None


def test_split_keeps_faulted_live_lines_in_batch(tmp_path: Path) -> None:
    clean = _events(LIVE)
    violating = copy.deepcopy(clean[:2])
    violating[0]["event_type"] = "teleport"
    lines = [
        json.dumps(_events(OTHER)).encode(),  # history
        json.dumps(clean).encode(),  # live and clean -> Pub/Sub
        json.dumps(violating).encode(),  # live but would dead-letter -> batch
        b"not json at all",  # unreadable -> batch
    ]
    _write(tmp_path / "sim", lines)

    live = split_beacons(tmp_path / "sim", {LIVE}, tmp_path / "batch")

    assert live.live_lines == [lines[1]]
    assert live.live_event_count == len(clean)
    assert live.live_view_count == 1
    [batch_file] = live.batch_files
    with gzip.open(batch_file, "rb") as f:
        kept = f.read().splitlines()
    assert kept == [lines[0], lines[2], lines[3]]
    assert len(kept) + len(live.live_lines) == len(lines)  # no line lost or doubled
