"""The collector's Prometheus metrics, one registry per app (so tests can read their own).

Names follow Prometheus conventions (base units, `_total` counters): requests by endpoint and
status, request bytes, units published per topic, units dead-lettered by reason, and publish and
request latency histograms. Served at GET /metrics.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """The counters and histograms, registered in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "collector_requests_total", "HTTP requests", ["endpoint", "status"], registry=r
        )
        self.request_bytes = Counter(
            "collector_request_bytes_total", "Request body bytes received", ["endpoint"], registry=r
        )
        self.published = Counter(
            "collector_units_published_total",
            "Units acknowledged by Pub/Sub",
            ["endpoint", "topic"],
            registry=r,
        )
        self.dead_lettered = Counter(
            "collector_units_dead_lettered_total",
            "Units published to a dead-letter topic",
            ["endpoint", "error_class"],
            registry=r,
        )
        self.rejected = Counter(
            "collector_requests_rejected_total",
            "Requests refused as a whole",
            ["endpoint", "error_class"],
            registry=r,
        )
        self.publish_latency = Histogram(
            "collector_publish_latency_seconds",
            "From publish to acknowledgement, per message",
            ["topic"],
            buckets=LATENCY_BUCKETS_SECONDS,
            registry=r,
        )
        self.request_latency = Histogram(
            "collector_request_latency_seconds",
            "Request handling time",
            ["endpoint"],
            buckets=LATENCY_BUCKETS_SECONDS,
            registry=r,
        )

    def render(self) -> bytes:
        """Return the text exposition format."""
        return generate_latest(self.registry)
