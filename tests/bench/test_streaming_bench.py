"""bench.streaming, freshness and state, at their smallest meaningful size.

Each starts its own Pub/Sub emulator (Java and the gcloud emulator component), runs the real
streaming pipeline for about half a minute and stops everything; marked `integration`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.platform.pubsub_emulator import EmulatorNotInstalled, find_emulator, java_version

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _emulator_installed() -> None:
    try:
        find_emulator()
    except EmulatorNotInstalled as exc:
        pytest.skip(str(exc))
    if not java_version():
        pytest.skip("the Pub/Sub emulator needs Java")


FRESHNESS = (
    "bench.streaming", "freshness", "--rate", "20", "--minutes", "0.1",
    "--report-seconds", "2", "--poll-seconds", "0.5", "--early-firing-seconds", "2",
)  # fmt: skip


def test_freshness_every_published_event_lands_and_is_timed(tmp_path: Path, run_module) -> None:
    out, work = tmp_path / "freshness.json", tmp_path / "work"
    done = run_module(
        *FRESHNESS, "--no-views-settle", "--workdir", str(work), "--json", str(out), timeout=240
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads(out.read_text())

    assert summary["mode"] == "freshness"
    assert summary["published_events"] == 320  # rate x (minutes + 10 s)
    assert summary["landed_events"] == summary["published_events"]
    assert summary["missing_events"] == 0 and summary["rowids_contiguous"]
    for key in ("publish_to_visible_s", "publish_to_ingested_s"):
        stats = summary[key]
        assert stats["count"] == summary["published_events"], key
        assert 0 < stats["p50"] <= stats["p95"] <= stats["p99"] <= stats["max"], key
    assert summary["views_rows"] > 0 and summary["views_event_reflected_s"]["count"] > 0
    assert summary["pubsub_reads"]["messages"] == summary["published_messages"]
    assert summary["sink"]["rows"] >= summary["landed_events"]
    assert summary["goal_met"] is True
    assert summary["timeline"][-1]["backlog"] == 0
    assert "JSON summary:" in done.stdout and "player_events: publish -> visible" in done.stdout

    # the kept work dir analysed again gives the same figures
    again = tmp_path / "again.json"
    redone = run_module(
        *FRESHNESS, "--analyse-only", "--workdir", str(work), "--json", str(again), timeout=60
    )
    assert redone.returncode == 0, redone.stderr[-3000:]
    reread = json.loads(again.read_text())
    for key in ("published_events", "landed_events", "publish_to_visible_s", "views_rows"):
        assert reread[key] == summary[key], key


def test_state_samples_held_state_until_everything_landed(tmp_path: Path, run_module) -> None:
    out = tmp_path / "state.json"
    done = run_module(
        "bench.streaming", "state", "--hours", "0.1", "--viewers", "1000",
        "--compression", "240", "--sample-seconds", "2", "--poll-seconds", "0.5",
        "--early-firing-seconds", "2", "--no-faults", "--json", str(out),
        timeout=240,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads(out.read_text())

    assert summary["mode"] == "state" and summary["compression"] == 240
    assert summary["view_gap_s"] == 0.5 and summary["allowed_lateness_s"] == 30
    last = summary["samples"][-1]
    assert last["published"] > 0 and last["landed"] == last["published"]  # no faults
    assert last["views_started"] > 0 and last["views_closed"] > 0
    assert any(s["held_view_windows"] for s in summary["samples"])
    assert summary["steps_last"]
    assert {"bounded", "text"} <= set(summary["verdict"])
    assert "verdict: " in done.stdout
