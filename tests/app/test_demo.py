"""`make demo` end to end: a simulated day through both pipelines, dbt and the report (minutes)."""

from __future__ import annotations

import io

import pytest

from app import demo
from app.platform import local


@pytest.mark.slow
@pytest.mark.integration
def test_demo_lands_everything_and_reports_the_incident(tmp_path) -> None:
    out = io.StringIO()
    code = demo.run(warehouse_url=f"duckdb:{tmp_path / 'demo.duckdb'}", out=out, viewers=300)
    text = out.getvalue()
    assert code == 0, text
    assert "MISMATCH" not in text
    during = text.split("during CloudFront PoP ")[1].splitlines()
    incident_pop = during[0].split()[0]
    assert during[1].split()[0] == incident_pop  # the degraded PoP tops its incident window
    assert set(local.status().values()) == {"stopped"}
