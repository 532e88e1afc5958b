"""Tests of streamqoe.qoe.view_metrics: every metric of every hand-made scenario with its exact
expected value, and one docs/metrics.md heading per metric."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from qoe_fixtures import SCENARIOS, Step, view

from streamqoe.contracts.registry import contract
from streamqoe.qoe import view_metrics
from streamqoe.qoe.views import compute_view

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("steps", "closed", "expected"),
    [pytest.param(s, c, e, id=name) for name, s, c, e in SCENARIOS],
)
def test_scenario_figures(steps: list[Step], closed: bool, expected: dict[str, Any]) -> None:
    record = compute_view(view(steps), closed=closed)
    assert {name: record[name] for name in expected} == expected


# --------------------------------------------------------------------------------------------------
# Documentation: one heading per metric, and every anchor the contracts link to exists

METRIC_FUNCTIONS = [
    "video_startup_time_ms",
    "playing_time_ms",
    "rebuffer_count",
    "rebuffer_duration_ms",
    "rebuffer_ratio",
    "seek_count",
    "seek_buffering_duration_ms",
    "avg_bitrate_kbps",
    "bitrate_switch_count",
    "bitrate_switch_up_count",
    "bitrate_switch_down_count",
    "time_per_rendition",
    "dropped_frame_ratio",
    "exit_before_video_start",
    "video_start_failure",
    "video_playback_failure",
]


def _github_anchor(heading: str) -> str:
    return re.sub(r"[^a-z0-9_ -]", "", heading.strip().lower()).replace(" ", "-")


def test_metrics_doc_has_every_metric_and_every_linked_anchor() -> None:
    text = (ROOT / "docs" / "metrics.md").read_text()
    anchors = {_github_anchor(h) for h in re.findall(r"^## (.+)$", text, flags=re.M)}
    linked = {
        anchor
        for path in (ROOT / "schemas").glob("*.json")
        for anchor in re.findall(r"metrics\.md#([a-z0-9_-]+)", path.read_text())
    }
    assert linked, "the contracts link to docs/metrics.md"
    assert linked - anchors == set()
    metrics = {*METRIC_FUNCTIONS, "startup_score", "smoothness_score", "quality_score"}
    assert metrics - anchors == set()
    assert all(callable(getattr(view_metrics, name)) for name in METRIC_FUNCTIONS)
    view_fields = set(contract("view").schema["properties"])
    assert metrics <= view_fields
