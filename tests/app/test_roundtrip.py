"""The platform smoke path: sample events of all three families through Pub/Sub into DuckDB."""

from __future__ import annotations

import pytest

from app.platform import local
from app.roundtrip import expected_units, publish, pull_and_land, sample_messages
from streamqoe import samples

pytestmark = pytest.mark.integration


def test_every_published_unit_lands_or_dead_letters(pubsub_env, warehouse) -> None:
    messages = sample_messages()
    units = expected_units(messages)
    publish(pubsub_env, messages)
    counts = pull_and_land(pubsub_env, warehouse, units, timeout_seconds=60)
    assert counts.landed == {
        "player_events": len(samples.player_events()),
        "cdn_requests": len(samples.cdn_requests()),
        "transcode_events": len(samples.transcode_events()),
    }
    assert counts.dead_letters == {"decode": 1, "validate": 1}
    assert counts.total == units
    assert warehouse.count("dead_letters") == 2


def test_platform_smoke_command(tmp_path, capsys) -> None:
    from app.cli import main

    assert main(["platform", "smoke", "--warehouse", f"duckdb:{tmp_path / 'smoke.duckdb'}"]) == 0
    assert "units published 17, landed 15, dead-lettered 2" in capsys.readouterr().out
    assert set(local.status().values()) == {"stopped"}
