"""Parameters of one simulation run: size, seed, shares, fault rates, output options.

Everything that changes the simulated bytes lives here, so a `SimConfig` plus a seed reproduces a
run exactly. Model constants that are not meant to be tuned per run (ladders, device mix, cache
curve) live beside their model, in world.py, network.py, cdn.py and player.py.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DEFAULT_START = "2025-01-15T00:00:00Z"
GZIP_LEVEL = 1
CHUNK_VIEWS = 500


@dataclass(frozen=True)
class FaultRates:
    """Probabilities of injected faults, per input unit named in each field.

    Attributes:
        malformed_json: per beacon batch (one line / message): the JSON text is cut short.
        contract_violation: per beacon event: one field is made invalid for player_event.v1.
        duplicate: per beacon batch or CMCD report: delivered twice (identical bytes).
        out_of_order: per beacon batch: delayed 10-120 s, so it lands after later batches.
        late: per beacon batch: delayed 5 minutes up to `late_max_hours`.
        late_max_hours: the longest delay of a late batch.
        clock_skew: per viewer: the client clock is off by 2 s to 3 h (either sign).
        truncated_line: per CDN log line and per CMCD report: the line is cut short.
    """

    malformed_json: float = 0.001
    contract_violation: float = 0.001
    duplicate: float = 0.005
    out_of_order: float = 0.01
    late: float = 0.002
    late_max_hours: float = 3.0
    clock_skew: float = 0.02
    truncated_line: float = 0.0005

    @classmethod
    def none(cls) -> FaultRates:
        """Return rates that inject no fault at all."""
        return cls(0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0)

    def with_overrides(self, overrides: dict[str, float]) -> FaultRates:
        """Return a copy with some rates replaced (unknown names raise ValueError)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown fault rates {sorted(unknown)}; known: {sorted(known)}")
        return dataclasses.replace(self, **overrides)


@dataclass(frozen=True)
class SimConfig:
    """One simulation run.

    Attributes:
        viewers: distinct viewers in the world.
        hours: simulated wall-clock span; views start inside it and may run past its end.
        seed: the only source of randomness; same seed and config give identical bytes.
        start: ISO-8601 UTC start of the simulated window.
        views_per_viewer_per_day: mean views a viewer starts per 24 h (before the live spike).
        live_event_share: extra views, as a share of the regular ones, that come for the live event.
        cmcd_share: share of views whose player reports CMCD v2 event mode instead of beacons.
        cdn_sample: share of views whose CDN requests are logged (1 = all; 0 = player data only).
        faults: fault injection rates.
        chunk_views: views simulated together; memory is bounded by one chunk.
        gzip_level: zlib level of every .gz file written.
        enrich_beacons: add country/asn/isp to beacons, as the collector does before publishing.
    """

    viewers: int = 1000
    hours: float = 24.0
    seed: int = 1
    start: str = DEFAULT_START
    views_per_viewer_per_day: float = 2.5
    live_event_share: float = 0.15
    cmcd_share: float = 0.2
    cdn_sample: float = 1.0
    faults: FaultRates = field(default_factory=FaultRates)
    chunk_views: int = CHUNK_VIEWS
    gzip_level: int = GZIP_LEVEL
    enrich_beacons: bool = True

    @property
    def start_ms(self) -> int:
        """Start of the window, epoch ms."""
        dt = datetime.fromisoformat(self.start.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return int(dt.timestamp() * 1000)

    @property
    def duration_ms(self) -> int:
        """Length of the window, ms."""
        return int(self.hours * 3_600_000)

    def to_dict(self) -> dict[str, Any]:
        """Return the config as plain JSON-able data (for manifest.json)."""
        return dataclasses.asdict(self)
