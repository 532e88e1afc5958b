"""The simulated stream the publisher child publishes: the simulator's player beacons, their
event timestamps rewritten relative to the publish start (freshness: following the publish clock
after a warm-up; state: compressed `--compression` times)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.streaming.settings import CLIENT_TS, FRESHNESS_WARMUP_HOURS, SIM_START


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
