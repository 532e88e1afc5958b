"""`make demo` end to end: a simulated day through both pipelines, dbt and the report (minutes)."""

from __future__ import annotations

import io

import pytest

from streamqoe import demo
from streamqoe.platform import local


@pytest.mark.slow
@pytest.mark.integration
def test_demo_lands_everything_and_reports_the_incident(tmp_path) -> None:
    out = io.StringIO()
    code = demo.run(warehouse_url=f"duckdb:{tmp_path / 'demo.duckdb'}", out=out, viewers=300)
    text = out.getvalue()
    assert code == 0, text
    assert "MISMATCH" not in text
    worst = text.split("worst 10-minute windows")[1].splitlines()[1]
    incident_pop = text.split("incident: CloudFront PoP ")[1].split()[0]
    assert incident_pop in worst  # the degraded PoP tops the worst windows
    assert set(local.status().values()) == {"stopped"}
