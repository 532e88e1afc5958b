"""Assemble the report: a fixed-width terminal summary and one self-contained HTML file."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.report import charts, figures
from streamqoe.warehouse.base import Warehouse


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def _pct(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{100 * value:.{digits}f}%"


def summary_text(
    overview: figures.Overview,
    pops: Sequence[Mapping[str, Any]],
    worst_windows: Sequence[Mapping[str, Any]] = (),
) -> str:
    """The terminal summary: headline figures, one line per PoP (worst rebuffering first), then
    the PoP x time windows where viewers rebuffered most."""
    o = overview
    lines = [
        f"views {o.views:,}   video starts {o.video_starts:,}   "
        f"startup p50 {_ms(o.startup_p50_ms)} / p95 {_ms(o.startup_p95_ms)}",
        f"rebuffer ratio {_pct(o.rebuffer_ratio)}   start failures {o.video_start_failures:,}   "
        f"playback failures {o.video_playback_failures:,}   "
        f"exits before start {o.exits_before_video_start:,}",
        "",
        f"{'PoP':<16}{'views':>8}{'startup p50':>13}{'p95':>10}{'rebuffer':>10}"
        f"{'rebuffered':>12}{'cache hit':>11}",
    ]
    for r in pops:
        lines.append(
            f"{r['pop']:<16}{r['views']:>8,}{_ms(r['startup_p50_ms']):>13}"
            f"{_ms(r['startup_p95_ms']):>10}{_pct(r['rebuffer_ratio']):>10}"
            f"{_pct(r['rebuffered_view_share'], 1):>12}{_pct(r['cache_hit_ratio'], 1):>11}"
        )
    if worst_windows:
        minutes = figures.TIME_BUCKET_MINUTES
        lines += ["", f"worst {minutes}-minute windows by PoP (rebuffering when it happened):"]
        for r in worst_windows:
            lines.append(
                f"  {r['pop']:<16}{r['bucket_at']:%Y-%m-%d %H:%M} UTC  rebuffer ratio "
                f"{_pct(r['rebuffer_ratio'])}, up to {r['plays']} concurrent plays"
            )
    return "\n".join(lines)


def incident_text(incident: Mapping[str, Any], pops: Sequence[Mapping[str, Any]]) -> str:
    """One scheduled incident and the PoPs' rebuffer ratio during it, worst first."""
    lines = [f"during {incident['description']} ({incident['start_at']} .. {incident['end_at']}):"]
    for r in pops[:5]:
        lines.append(
            f"  {r['pop']:<16}rebuffer ratio {_pct(r['rebuffer_ratio']):>8}, "
            f"{r['rebuffer_count']} rebuffers, up to {r['plays']} concurrent plays"
        )
    return "\n".join(lines)


def pop_incident_texts(warehouse: Warehouse, incidents: Sequence[Mapping[str, Any]]) -> list[str]:
    """incident_text for every PoP incident of the simulator's truth."""
    return [
        incident_text(i, figures.by_pop_between(warehouse, i["start_at"], i["end_at"]))
        for i in incidents
        if i.get("target_kind") == "pop"
    ]


def write_html(
    warehouse: Warehouse, path: Path, incidents: Sequence[Mapping[str, Any]] = ()
) -> figures.Overview:
    """Query the marts, render the charts and write the report; return the headline figures."""
    overview = figures.overview(warehouse)
    pops = figures.by_pop(warehouse)
    sections = [
        (
            "Rebuffer ratio by CDN PoP over time",
            charts.rebuffer_ratio_by_pop_over_time(
                figures.rebuffer_ratio_over_time(warehouse), incidents
            ),
        ),
        (
            "Video startup time",
            charts.startup_histogram(
                figures.startup_times_ms(warehouse),
                overview.startup_p50_ms,
                overview.startup_p95_ms,
            ),
        ),
        ("Bitrate mix", charts.bitrate_mix(figures.bitrate_mix(warehouse))),
        ("Transcode outcomes", charts.transcode_outcomes(figures.transcode_outcomes(warehouse))),
    ]
    incident_items = "".join(
        f"<li>{html.escape(i.get('description', i.get('kind', '')))} "
        f"({html.escape(i['start_at'])} to {html.escape(i['end_at'])})</li>"
        for i in incidents
    )
    during = "\n\n".join(pop_incident_texts(warehouse, incidents))
    body = [
        "<!doctype html><html><head><meta charset='utf-8'><title>StreamQoE report</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}"
        "pre{background:#f6f6f6;padding:1em;overflow-x:auto}h2{margin-top:2em}</style></head><body>",
        "<h1>StreamQoE: QoE report</h1>",
        f"<p>Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from the dbt marts "
        f"({html.escape(warehouse.url)}). Definitions: docs/metrics.md.</p>",
        f"<pre>{html.escape(summary_text(overview, pops, figures.worst_pop_windows(warehouse)))}"
        "</pre>",
    ]
    if incident_items:
        body.append(
            f"<h2>Scheduled incidents (simulator ground truth)</h2><ul>{incident_items}</ul>"
        )
    if during:
        body.append(f"<pre>{html.escape(during)}</pre>")
    for title, svg in sections:
        body.append(f"<h2>{html.escape(title)}</h2>{svg}")
    body.append("</body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(body))
    return overview
