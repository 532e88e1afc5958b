"""Scheduled incidents: a degraded PoP, a congested ISP at peak, a CDN origin error burst.

Incidents are placed deterministically inside the window (no randomness), so a test can name the
affected PoP and interval. They act on the network model (throughput factor, added latency) and on
start failures (error burst); the ground truth lists them in truth/incidents.json and marks each
view they touched.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import numpy as np

from streamqoe.simulator.config import SimConfig
from streamqoe.simulator.world import World

POP_DEGRADED_MINUTES = 20
ISP_CONGESTION_PEAK_HOUR_UTC = 19
ISP_CONGESTION_HOURS = 2.0
ORIGIN_ERROR_MINUTES = 15
POP_DEGRADED_THROUGHPUT_FACTOR = 0.04
POP_DEGRADED_ADDED_LATENCY_MS = 400
ISP_CONGESTION_THROUGHPUT_FACTOR = 0.35
ISP_CONGESTION_ADDED_LATENCY_MS = 60
ORIGIN_ERROR_START_FAILURE_MULTIPLIER = 15.0


@dataclass(frozen=True)
class Incident:
    """One injected incident; `target_kind` is pop, asn or cdn and `target` its code/number/name."""

    incident_id: str
    kind: str
    target_kind: str
    target: str
    start_ms: int
    end_ms: int
    throughput_factor: float
    added_latency_ms: int
    start_failure_multiplier: float
    description: str

    def to_dict(self) -> dict:
        d = asdict(self)
        d["start_at"] = _iso(self.start_ms)
        d["end_at"] = _iso(self.end_ms)
        return d


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def build_incidents(cfg: SimConfig, world: World) -> list[Incident]:
    """Place the run's incidents: deterministic given the config and world."""
    s, d = cfg.start_ms, cfg.duration_ms
    # The busiest CloudFront PoP: first PoP of the biggest country.
    pop = world.pop_code[0]
    pop_start = s + int(d * 0.35) // 60_000 * 60_000
    pop_len = min(POP_DEGRADED_MINUTES * 60_000, d // 3)
    # Peak-hour congestion of the biggest ISP, at 19:00 UTC if the window holds it.
    peak = s + ((ISP_CONGESTION_PEAK_HOUR_UTC * 3_600_000 - s) % 86_400_000)
    isp_len = int(min(ISP_CONGESTION_HOURS * 3_600_000, d / 4))
    if peak + isp_len > s + d:
        peak = s + int(d * 0.7) // 60_000 * 60_000
    origin_start = s + int(d * 0.15) // 60_000 * 60_000
    origin_len = min(ORIGIN_ERROR_MINUTES * 60_000, d // 4)
    return [
        Incident(
            "inc-pop-degraded",
            "pop_degraded",
            "pop",
            pop,
            pop_start,
            pop_start + pop_len,
            POP_DEGRADED_THROUGHPUT_FACTOR,
            POP_DEGRADED_ADDED_LATENCY_MS,
            1.0,
            f"CloudFront PoP {pop} degraded: throughput x{POP_DEGRADED_THROUGHPUT_FACTOR:g}, "
            f"+{POP_DEGRADED_ADDED_LATENCY_MS} ms TTFB",
        ),
        Incident(
            "inc-isp-congestion",
            "isp_congestion",
            "asn",
            str(int(world.isp_asn[0])),
            peak,
            peak + isp_len,
            ISP_CONGESTION_THROUGHPUT_FACTOR,
            ISP_CONGESTION_ADDED_LATENCY_MS,
            1.0,
            f"{world.isp_name[0]} (AS{int(world.isp_asn[0])}) congested at peak: "
            f"throughput x{ISP_CONGESTION_THROUGHPUT_FACTOR:g}, "
            f"+{ISP_CONGESTION_ADDED_LATENCY_MS} ms",
        ),
        Incident(
            "inc-origin-errors",
            "origin_errors",
            "cdn",
            "mediacdn",
            origin_start,
            origin_start + origin_len,
            1.0,
            0,
            ORIGIN_ERROR_START_FAILURE_MULTIPLIER,
            "Media CDN origin returning 5xx: start failures "
            f"x{ORIGIN_ERROR_START_FAILURE_MULTIPLIER:g}",
        ),
    ]


@dataclass
class IncidentArrays:
    """Incidents as arrays for vectorized lookups."""

    pop: np.ndarray  # PoP index or -1
    asn: np.ndarray  # ASN or -1
    cdn: np.ndarray  # CDN index or -1
    start_ms: np.ndarray
    end_ms: np.ndarray
    throughput_factor: np.ndarray
    added_latency_ms: np.ndarray
    start_failure_multiplier: np.ndarray


def incident_arrays(incidents: list[Incident], world: World) -> IncidentArrays:
    """Return the incidents as arrays keyed by PoP index, ASN and CDN index."""
    pop = np.array(
        [world.pop_code.index(i.target) if i.target_kind == "pop" else -1 for i in incidents]
    )
    asn = np.array([int(i.target) if i.target_kind == "asn" else -1 for i in incidents])
    cdn = np.array(
        [
            ("cloudfront", "mediacdn").index(i.target) if i.target_kind == "cdn" else -1
            for i in incidents
        ]
    )
    return IncidentArrays(
        pop=pop.astype(np.int64),
        asn=asn.astype(np.int64),
        cdn=cdn.astype(np.int64),
        start_ms=np.array([i.start_ms for i in incidents], np.int64),
        end_ms=np.array([i.end_ms for i in incidents], np.int64),
        throughput_factor=np.array([i.throughput_factor for i in incidents]),
        added_latency_ms=np.array([i.added_latency_ms for i in incidents], np.int64),
        start_failure_multiplier=np.array([i.start_failure_multiplier for i in incidents]),
    )


def incident_effects(
    inc: IncidentArrays, pop: np.ndarray, asn: np.ndarray, cdn: np.ndarray, t_ms: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (throughput factor, added latency ms, start-failure multiplier, hit bitmask) at t.

    The bitmask has bit i set when incident i applies to the element.
    """
    factor = np.ones(len(t_ms))
    latency = np.zeros(len(t_ms), np.int64)
    fail = np.ones(len(t_ms))
    mask = np.zeros(len(t_ms), np.int64)
    for i in range(len(inc.start_ms)):
        on = (t_ms >= inc.start_ms[i]) & (t_ms < inc.end_ms[i])
        if inc.pop[i] >= 0:
            on &= pop == inc.pop[i]
        if inc.asn[i] >= 0:
            on &= asn == inc.asn[i]
        if inc.cdn[i] >= 0:
            on &= cdn == inc.cdn[i]
        factor = np.where(on, factor * inc.throughput_factor[i], factor)
        latency = latency + np.where(on, inc.added_latency_ms[i], 0)
        fail = np.where(on, fail * inc.start_failure_multiplier[i], fail)
        mask |= np.where(on, 1 << i, 0)
    return factor, latency, fail, mask
