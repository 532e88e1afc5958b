"""Render the report's charts as inline SVG (matplotlib, no display, no external files)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on servers and CI; must precede pyplot
import matplotlib.dates as mdates
import matplotlib.pyplot as plt

FIGURE_SIZE_INCHES = (9.0, 3.6)
HIGHLIGHT_COLOR = "#d62728"
BASE_COLOR = "#1f77b4"
MAX_POPS_DRAWN = 8


def _svg(fig: plt.Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def startup_histogram(startup_ms: Sequence[float], p50: float | None, p95: float | None) -> str:
    """Distribution of video startup time, with the median and 95th percentile marked."""
    fig, ax = plt.subplots(figsize=FIGURE_SIZE_INCHES)
    seconds = [ms / 1000 for ms in startup_ms]
    upper = max(seconds) if seconds else 1.0
    ax.hist(seconds, bins=60, range=(0, min(upper, 15.0)), color=BASE_COLOR)
    for value, label in ((p50, "p50"), (p95, "p95")):
        if value is not None:
            ax.axvline(value / 1000, color=HIGHLIGHT_COLOR, linestyle="--", linewidth=1)
            ax.annotate(f"{label} {value / 1000:.2f} s", (value / 1000, ax.get_ylim()[1] * 0.9))
    ax.set_xlabel("video startup time (s)")
    ax.set_ylabel("views")
    ax.set_title("Video startup time distribution")
    return _svg(fig)


def rebuffer_ratio_by_pop_over_time(
    rows: Sequence[Mapping[str, Any]], incidents: Sequence[Mapping[str, Any]]
) -> str:
    """Rebuffer ratio per PoP over time; PoP incidents shaded and their PoP drawn in red."""
    incident_pops = {i["target"] for i in incidents if i.get("target_kind") == "pop"}
    views_by_pop: dict[str, int] = {}
    for r in rows:
        views_by_pop[r["pop"]] = views_by_pop.get(r["pop"], 0) + int(r["plays"])
    drawn = sorted(views_by_pop, key=lambda p: (p not in incident_pops, -views_by_pop[p]))
    fig, ax = plt.subplots(figsize=FIGURE_SIZE_INCHES)
    for pop in drawn[:MAX_POPS_DRAWN]:
        points = [(r["bucket_at"], r["rebuffer_ratio"]) for r in rows if r["pop"] == pop]
        points = [(t, 100 * v) for t, v in points if v is not None]
        if not points:
            continue
        times, values = zip(*points, strict=True)
        highlighted = pop in incident_pops
        ax.plot(
            times,
            values,
            label=pop,
            color=HIGHLIGHT_COLOR if highlighted else None,
            linewidth=2.0 if highlighted else 0.8,
            alpha=1.0 if highlighted else 0.6,
        )
    for incident in incidents:
        if incident.get("target_kind") != "pop":
            continue
        start = datetime.fromisoformat(incident["start_at"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(incident["end_at"].replace("Z", "+00:00"))
        ax.axvspan(start, end, color=HIGHLIGHT_COLOR, alpha=0.12)
        ax.annotate(f"incident {incident['target']}", (start, ax.get_ylim()[1] * 0.92))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    ax.set_ylabel("rebuffer ratio (%)")
    ax.set_xlabel("time (UTC)")
    ax.set_title("Rebuffer ratio by CDN PoP over time")
    ax.legend(fontsize="small", ncol=2)
    return _svg(fig)


def bitrate_mix(rows: Sequence[Mapping[str, Any]]) -> str:
    """Share of playing time per average-bitrate band."""
    fig, ax = plt.subplots(figsize=FIGURE_SIZE_INCHES)
    total = sum(r["playing_time_ms"] for r in rows) or 1
    bands = [r["band"] for r in rows]
    shares = [100 * r["playing_time_ms"] / total for r in rows]
    ax.bar(bands, shares, color=BASE_COLOR)
    ax.set_ylabel("share of playing time (%)")
    ax.set_title("Bitrate mix (views by average bitrate)")
    return _svg(fig)


def transcode_outcomes(rows: Sequence[Mapping[str, Any]]) -> str:
    """Jobs per provider and final state."""
    fig, ax = plt.subplots(figsize=FIGURE_SIZE_INCHES)
    labels = [f"{r['provider']}\n{r['state']}" for r in rows]
    colors = [HIGHLIGHT_COLOR if r["state"] == "error" else BASE_COLOR for r in rows]
    ax.bar(labels, [r["jobs"] for r in rows], color=colors)
    ax.set_ylabel("jobs")
    ax.set_title("Transcode job outcomes by provider")
    return _svg(fig)
