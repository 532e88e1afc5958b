"""Each suite on hand-made frames: good rows pass every suite, known-bad rows fail exactly the
expectation written for them (and the severity it is declared with).

Both runs go through `validate_frames`, the same GX path as `streamqoe dq run` (pandas batches,
one checkpoint, Data Docs), without a warehouse.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from dataquality.run import RunSummary, validate_frames
from dataquality.suites import (
    all_suites,
    fct_qoe_daily,
    fct_views,
    player_events,
    transcode_jobs,
    views,
)
from dataquality.suites import cdn_requests as cdn
from dataquality.suites import dead_letters as dl
from dataquality.suites.base import RunParams
from dataquality.thresholds import Thresholds
from streamqoe.contracts.bigquery import landed_contracts, table_schema

AS_OF = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
NOW = pd.Timestamp(AS_OF)
# Small traffic: a PoP with 10 requests an hour is judged.
PARAMS = RunParams(as_of=AS_OF, thresholds=Thresholds(silent_pop_min_hourly_requests=5))


def _views(bad: bool) -> pd.DataFrame:
    rows = [
        {
            "view_id": f"v{i}",
            "version": 0,
            "content_id": "vod-1",
            "started_at": NOW - pd.Timedelta(minutes=i + 1),
            "video_startup_time_ms": 1000,
            "rebuffer_ratio": 0.1,
            "avg_bitrate_kbps": 3000.0,
            "pop": "FRA56-P1",
            "is_final": True,
        }
        for i in range(100)
    ]
    if bad:
        for r in rows[:10]:
            r["content_id"] = None  # 10 % null keys
        for r in rows[10:20]:
            r["started_at"] = NOW + pd.Timedelta(hours=2)  # 10 % from the future
        rows[30]["video_startup_time_ms"] = 500_000
        rows[31]["rebuffer_ratio"] = 1.5
        rows.append(dict(rows[40]))  # a view and version landed twice
    return pd.DataFrame(rows)


def _player_events(bad: bool) -> pd.DataFrame:
    age = pd.Timedelta(hours=2) if bad else pd.Timedelta(0)
    at = [NOW - age - pd.Timedelta(seconds=10 * i) for i in range(100)]
    if bad:
        at[:10] = [NOW + pd.Timedelta(hours=3)] * 10
    return pd.DataFrame(
        {"view_id": "v1", "sequence_number": range(100), "event_type": "heartbeat", "event_at": at}
    )


def _cdn_requests(bad: bool) -> pd.DataFrame:
    last = NOW.floor("h") - pd.Timedelta(hours=1)
    rows = []
    for hour in pd.date_range(last - pd.Timedelta(days=8), last, freq="h"):
        for pop in ("FRA56-P1", "LHR50-C1"):
            n = 10
            if bad and hour == last and pop == "FRA56-P1":
                n = 0  # the PoP goes silent
            if bad and hour == last - pd.Timedelta(hours=2):
                n = 1  # a truncated log hour
            rows += [{"cdn": "cloudfront", "pop": pop, "request_at": hour}] * n
    return pd.DataFrame(rows)


def _transcode_jobs(bad: bool) -> pd.DataFrame:
    rows = [
        {
            "provider": "mediaconvert",
            "job_id": f"j{i}",
            "content_id": "vod-1",
            "state": "complete",
            "last_event_at": NOW - pd.Timedelta(hours=20),
            "version": 1,
            "updated_at": NOW - pd.Timedelta(hours=20),
        }
        for i in range(5)
    ]
    rows.append({**rows[0], "job_id": "j-open", "state": "progressing"})
    rows[-1]["last_event_at"] = NOW - pd.Timedelta(hours=12 if bad else 1)
    return pd.DataFrame(rows)


def _dead_letters(bad: bool) -> pd.DataFrame:
    # Against 40 000 landed rows: 2.4 % dead letters, 1.5 % late.
    count, late = (1000, 600) if bad else (10, 0)
    stages = ["late"] * late + ["parse"] * (count - late)
    return pd.DataFrame({"stage": stages, "source": "file:x", "received_at": NOW})


def _fct_views(bad: bool) -> pd.DataFrame:
    bitrate = [3000.0] * 10
    startup = [1000] * 10
    if bad:
        bitrate[0], bitrate[1], startup[2] = 9000.0, 100.0, 300_000
    return pd.DataFrame(
        {
            "view_id": [f"v{i}" for i in range(10)],
            "content_id": "vod-1",
            "video_startup_time_ms": startup,
            "avg_bitrate_kbps": bitrate,
        }
    )


def _fct_qoe_daily(bad: bool) -> pd.DataFrame:
    days = pd.date_range(NOW.normalize().tz_localize(None) - pd.Timedelta(days=10), periods=11)
    counts = [100] * 11
    if bad:
        counts[-2] = 20  # yesterday: a fifth of its usual
    return pd.DataFrame({"view_date": days.date, "view_count": counts})


def frames(bad: bool) -> dict[str, pd.DataFrame]:
    out = {
        views.SOURCE.key: _views(bad),
        player_events.SOURCE.key: _player_events(bad),
        cdn.SOURCE.key: _cdn_requests(bad),
        transcode_jobs.SOURCE.key: _transcode_jobs(bad),
        dl.DEAD_LETTERS.key: _dead_letters(bad),
        fct_views.VIEWS.key: _fct_views(bad),
        fct_views.CONTENT.key: pd.DataFrame(
            {
                "content_id": ["vod-1"],
                "ladder_min_bitrate_kbps": [400],
                "ladder_max_bitrate_kbps": [5000],
            }
        ),
        fct_qoe_daily.SOURCE.key: _fct_qoe_daily(bad),
    }
    for source in dl.LANDED:
        out[source.key] = pd.DataFrame({"ingested_at": [NOW] * 10_000})
    for c in landed_contracts():
        columns = [f["name"] for f in table_schema(c)]
        if bad and c.table_name == "views":
            columns.remove("pop")  # a pipeline on an older contract
        key = f"landed:{c.table_name}:*:100"
        out[key] = pd.DataFrame([dict.fromkeys(columns, "x")])
    return out


def _run(bad: bool, work: Path) -> RunSummary:
    return validate_frames(list(all_suites().values()), frames(bad), PARAMS, work)


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> RunSummary:
    return _run(False, tmp_path_factory.mktemp("dq_good"))


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> RunSummary:
    return _run(True, tmp_path_factory.mktemp("dq_bad"))


def _failed(summary: RunSummary, suite: str) -> set[tuple[str, str]]:
    return {(e.label, e.severity) for e in summary.failures() if e.suite == suite}


def test_good_rows_pass_every_suite(good: RunSummary) -> None:
    assert [(e.suite, e.label) for e in good.failures()] == []
    assert {s.name for s in good.suites} == set(all_suites())


KNOWN_BAD = {
    "views__schema": {("expect_table_columns_to_match_set", "critical")},
    "views__integrity": {
        ("expect_column_values_to_not_be_null(content_id)", "critical"),
        ("expect_compound_columns_to_be_unique(view_id,version)", "critical"),
        ("expect_column_values_to_be_between(video_startup_time_ms)", "critical"),
        ("expect_column_values_to_be_between(rebuffer_ratio)", "critical"),
        ("expect_column_values_to_be_between(started_lead_minutes)", "warning"),
    },
    "player_events__timeliness": {
        ("expect_column_min_to_be_between(event_lag_minutes)", "critical"),
        ("expect_column_values_to_be_between(event_lead_minutes)", "warning"),
    },
    "cdn_requests__volume": {("expect_column_values_to_be_between(volume_ratio)", "critical")},
    "cdn_requests__pop_volume": {
        ("expect_column_values_to_be_between(pop_volume_ratio)", "warning")
    },
    "transcode_jobs__progress": {("expect_column_values_to_be_between(open_hours)", "warning")},
    "dead_letters__rate": {
        ("expect_column_values_to_be_between(dead_letter_rate)", "critical"),
        ("expect_column_values_to_be_between(late_data_rate)", "warning"),
    },
    "fct_views__sanity": {
        ("expect_column_values_to_be_between(video_startup_time_ms)", "critical"),
        ("expect_column_values_to_be_between(bitrate_to_ladder_max)", "critical"),
        ("expect_column_values_to_be_between(bitrate_to_ladder_min)", "critical"),
    },
    "fct_qoe_daily__volume": {("expect_column_values_to_be_between(volume_ratio)", "critical")},
}


@pytest.mark.parametrize("suite", sorted(KNOWN_BAD))
def test_known_bad_rows_fail_the_expectation_written_for_them(bad: RunSummary, suite: str) -> None:
    assert _failed(bad, suite) == KNOWN_BAD[suite]


def test_the_other_schema_suites_still_pass(bad: RunSummary) -> None:
    others = [s for s in bad.suites if s.name.endswith("__schema") and s.name != "views__schema"]
    assert len(others) == len(landed_contracts()) - 1
    assert all(not s.failed for s in others)


def test_failing_rows_are_sampled_with_their_identity(bad: RunSummary) -> None:
    e = next(
        e for e in bad.failures() if e.suite == "views__integrity" and e.column == "rebuffer_ratio"
    )
    assert e.unexpected_count == 1
    assert e.sample_rows == [
        {
            "view_id": "v31",
            "version": 0,
            "started_at": NOW - timedelta(minutes=32),
            "rebuffer_ratio": 1.5,
        }
    ]
    hour = next(e for e in bad.failures() if e.suite == "cdn_requests__volume")
    assert [r["request_count"] for r in hour.sample_rows] == [2]
