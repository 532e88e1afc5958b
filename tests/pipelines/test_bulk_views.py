"""The bulk batch steps give what the per-element batch steps give, on hand-written edge cases.

ComputeViewsInShards (+ SumMinuteTotals) against SessionizeViews + ComputeViewQoe (+
AggregateQoePerMinute), SessionizeViewersBounded against SessionizeViewers, MinuteTotals against
add_minute_delta, and the event projection the shards carry against whole records. All on the
FnApiRunner, with a fixed clock, comparing whole rows. Also the spill: files written under the
spill location (the pipeline's --temp_location), read again by a retried shard, in chunks of views
that do not change a row, and removed once every shard is computed. And a whole batch run with
--view_shards lands the views the default shard count lands.
"""

from __future__ import annotations

import atexit
import os
import random
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from datetime import UTC, datetime

import apache_beam as beam
import pyarrow as pa
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import GlobalWindows
from beam_fixtures import (
    T0_MS,
    beacon_line,
    cdn_request,
    create_stamped,
    fixed_clock,
    player_event,
    simple_view,
)
from landed import table_rows

from pipelines import batch
from pipelines.options import settings_from
from pipelines.transforms.bulk_viewers import SessionizeViewersBounded
from pipelines.transforms.bulk_views import (
    TABLE,
    VIEW_EVENT_FIELDS,
    ComputeShardViewsFn,
    ComputeViewsInShards,
    SpillShardSlicesFn,
    shard_column,
    table_events,
)
from pipelines.transforms.minutes import AggregateQoePerMinute, SumMinuteTotals
from pipelines.transforms.spill import (
    ITEMS,
    SPILL_PREFIX,
    SpillShardItemsFn,
    new_spill_dir,
    remove_spill_dir,
    shard_of,
)
from pipelines.transforms.viewers import SessionizeViewers
from pipelines.transforms.views import (
    EVENT,
    MINUTES,
    ComputeViewQoe,
    SessionizeViews,
    build_view,
    key_cdn_request,
    key_cmcd_report,
    minute_sums,
    view_minute_contributions,
)
from streamqoe.ingest.columnar_beacon import record_row, table_arrow_schema
from streamqoe.qoe.minutes import (
    MINUTE_SUMS,
    MinuteTotals,
    add_minute_delta,
    dimension_values,
    new_minute_accumulator,
)
from streamqoe.times import rfc3339_from_float_epoch_ms

RUNNER = "FnApiRunner"
GAP_S = 120.0
LATENESS_S = 7200.0
MINUTE = 60_000


def cmcd_report(sid: str, sn: int, at_ms: int, sta: str, **cmcd) -> dict:
    """A cmcd_report.v1-shaped record in event mode (only what the view computation reads)."""
    return {
        "report_mode": "event",
        "report_ts_ms": at_ms,
        "received_at": rfc3339_from_float_epoch_ms(at_ms),
        "cmcd": {"sid": sid, "sn": sn, "ts": at_ms, "sta": sta, "cid": "c-9", "st": "v", **cmcd},
    }


def telemetry() -> dict[str, list]:
    """Views with every shape the grouping must handle."""
    v1 = simple_view("v1", T0_MS)  # exit after 30 s
    v2 = simple_view("v2", T0_MS, exit_after_ms=None, content_id="c-2")  # closed by inactivity
    # v3 pauses for longer than the gap: two sessions (two rows) with one view_id
    v3 = [
        *simple_view("v3", T0_MS, exit_after_ms=None),
        player_event("v3", 10, "heartbeat", T0_MS + 10 * MINUTE, bitrate_kbps=800),
        player_event("v3", 11, "exit", T0_MS + 10 * MINUTE + 5_000),
    ]
    v4 = [player_event("v4", 0, "play_request", T0_MS + 3 * MINUTE, viewer_id="viewer-2")]
    events = v1 + v1[:2] + v2 + v3 + v4 + v4  # duplicate deliveries of v1 and v4
    reports = [  # a CMCD-only view, one report delivered twice
        cmcd_report("cm1", 0, T0_MS, "s"),
        cmcd_report("cm1", 1, T0_MS + 900, "p", br=3000),
        cmcd_report("cm1", 1, T0_MS + 900, "p", br=3000),
        cmcd_report("cm1", 2, T0_MS + 40_000, "q"),
    ]
    requests = [cdn_request(f"r{i}", T0_MS + i * 1000, "FRA56", "v1") for i in range(3)]
    requests += [cdn_request("r9", T0_MS + 2000, "AMS1", "cm1")]
    # requests of a view whose player telemetry is elsewhere in time: a CDN-only session
    requests += [cdn_request("r10", T0_MS + 60 * MINUTE, "AMS1", "v2")]
    return {"player_event": events, "cmcd_report": reports, "cdn_request": requests}


def event_tables(events: list[dict], files: int = 2) -> list[tuple[str, pa.Table]]:
    """The events as ReadAndParseFiles(beacon_tables=True) hands them over, split over files."""
    out = []
    for i in range(files):
        part = events[i::files]
        rows = [record_row(e, datetime(2025, 1, 15, tzinfo=UTC)) for e in part]
        out.append((f"file-{i}", pa.Table.from_pylist(rows, schema=table_arrow_schema())))
    return out


def stamped(records: list[dict], key: str) -> list[tuple[dict, float]]:
    def at(r):
        return r["client_ts_ms"] if key == "e" else r.get("report_ts_ms") or T0_MS

    return [(r, at(r) / 1000) for r in records]


def assert_same(actual: beam.PCollection, expected: beam.PCollection, label: str) -> None:
    """Assert two PCollections hold the same elements (as multisets, compared by repr of their
    sorted items), inside the pipeline."""

    def signed(sign: int):
        return lambda x: (repr(sorted(x.items()) if isinstance(x, dict) else x), sign)

    unequal = (
        (
            actual
            | f"{label}ActualGlobal" >> beam.WindowInto(GlobalWindows())
            | f"{label}Actual" >> beam.Map(signed(1)),
            expected
            | f"{label}ExpectedGlobal" >> beam.WindowInto(GlobalWindows())
            | f"{label}Expected" >> beam.Map(signed(-1)),
        )
        | f"{label}Flatten" >> beam.Flatten()
        | f"{label}Count" >> beam.CombinePerKey(sum)
        | f"{label}Unequal" >> beam.Filter(lambda kv: kv[1] != 0)
    )
    assert_that(unequal, equal_to([]), label=label)


class StampOfFn(beam.DoFn):
    """(view_id, version, element timestamp in µs)."""

    def process(self, row, timestamp=beam.DoFn.TimestampParam):
        yield row["view_id"], row["version"], timestamp.micros


@pytest.mark.parametrize("shards", [1, 3, 16])
def test_views_and_minutes_in_shards_equal_the_per_element_path(shards: int):
    data = telemetry()
    with TestPipeline(runner=RUNNER) as p:
        events = create_stamped(p, "Events", stamped(data["player_event"], "e"))
        reports = create_stamped(p, "Reports", stamped(data["cmcd_report"], "c"))
        requests = create_stamped(p, "Requests", [(r, T0_MS / 1000) for r in data["cdn_request"]])
        reference = (
            {"player_event": events, "cmcd_report": reports, "cdn_request": requests}
            | SessionizeViews(GAP_S, LATENESS_S, early_firing_seconds=0)
            | ComputeViewQoe(GAP_S, fixed_clock)
        )
        bulk = {
            "player_event_table": p | "Tables" >> beam.Create(event_tables(data["player_event"])),
            "player_event": p | "NoRecords" >> beam.Create([]),
            "cmcd_report": reports,
            "cdn_request": requests,
        } | ComputeViewsInShards(GAP_S, fixed_clock, shards=shards)
        assert_same(bulk["views"], reference["views"], "Views")
        assert_same(
            bulk[MINUTES] | "Bulk" >> SumMinuteTotals(LATENESS_S, 0, fixed_clock),
            reference[MINUTES] | "Reference" >> AggregateQoePerMinute(LATENESS_S, 0, fixed_clock),
            "Minutes",
        )
        # rows are stamped as session windows stamp them (viewer sessions depend on it)
        assert_same(
            bulk["views"] | "Stamps" >> beam.ParDo(StampOfFn()),
            reference["views"] | "RefStamps" >> beam.ParDo(StampOfFn()),
            "Timestamps",
        )
        counts = bulk["views"] | "Count" >> beam.combiners.Count.Globally()
        assert_that(counts, equal_to([6]), label="SixRows")  # v1, v2, v3 twice, v4, cm1


def test_records_from_other_inputs_join_their_views():
    """Player event records that do not come as tables (none do today) still reach their view."""
    v1 = simple_view("v1", T0_MS)
    with TestPipeline(runner=RUNNER) as p:
        events = create_stamped(p, "Events", stamped(v1, "e"))
        empty = p | "Empty" >> beam.Create([])
        reference = (
            {"player_event": events, "cmcd_report": empty, "cdn_request": empty}
            | SessionizeViews(GAP_S, LATENESS_S, early_firing_seconds=0)
            | ComputeViewQoe(GAP_S, fixed_clock)
        )
        bulk = {
            "player_event_table": p | "Tables" >> beam.Create(event_tables(v1[:2], files=1)),
            "player_event": create_stamped(p, "Rest", stamped(v1[2:], "e")),
            "cmcd_report": empty,
            "cdn_request": empty,
        } | ComputeViewsInShards(GAP_S, fixed_clock)
        assert_same(bulk["views"], reference["views"], "Views")


def viewer_view(view_id, start_min, end_min, viewer="viewer-1", **extra):
    start, end = T0_MS + start_min * MINUTE, T0_MS + end_min * MINUTE
    return {
        "view_id": view_id,
        "viewer_id": viewer,
        "content_id": extra.pop("content_id", "c-1"),
        "started_at": rfc3339_from_float_epoch_ms(start),
        "ended_at": rfc3339_from_float_epoch_ms(end) if extra.pop("closed", True) else None,
        "last_event_at": rfc3339_from_float_epoch_ms(end),
        "first_frame_at": rfc3339_from_float_epoch_ms(start + 1000),
        "playing_time_ms": end - start - 1000,
        "rebuffer_duration_ms": 0,
        "rebuffer_count": 0,
        "video_start_failure": False,
        "video_playback_failure": False,
        "exit_before_video_start": False,
        "is_final": extra.pop("is_final", True),
        "version": extra.pop("version", 11),
        "updated_at": "2025-01-15T12:00:00.000Z",
        **extra,
    }


def test_viewer_sessions_bounded_equal_session_windows():
    gap_min = 30
    views = [
        # viewer-1: a chain of views each starting just inside the gap after the previous end
        (viewer_view("a", 0, 60), 60),
        (viewer_view("b", 60 + gap_min - 1, 95), 95),
        (viewer_view("c", 95 + gap_min - 1, 130), 130),
        # exactly the gap after c's end: Sessions does not merge touching windows
        (viewer_view("d", 130 + gap_min, 140), 140),
        # the same view twice (two versions), and one not final
        (viewer_view("d", 130 + gap_min, 141, version=13), 141),
        (viewer_view("e", 0, 5, is_final=False), 5),
        # viewer-2: an open view (no ended_at) whose window ends at its timestamp (50 min),
        # so g, starting 65 min after f's last event, is still in its session
        (viewer_view("f", 0, 10, viewer="viewer-2", closed=False), 50),
        (viewer_view("g", 75, 80, viewer="viewer-2"), 80),
        # a view without a viewer (CMCD-only) forms no session
        (viewer_view("h", 0, 10, viewer=None), 10),
    ]
    elements = [(v, (T0_MS + ts_min * MINUTE) / 1000 - 0.001) for v, ts_min in views]
    with TestPipeline(runner=RUNNER) as p:
        rows = create_stamped(p, "Views", elements)
        reference = rows | "Windows" >> SessionizeViewers(gap_min * 60, LATENESS_S, 0, fixed_clock)
        bounded = rows | "Bounded" >> SessionizeViewersBounded(gap_min * 60, fixed_clock)
        assert_same(bounded, reference, "Sessions")
        sizes = bounded | beam.Map(lambda r: (r["viewer_id"], r["view_count"]))
        assert_that(  # a+b+c, d (two versions, one view), f+g
            sizes, equal_to([("viewer-1", 3), ("viewer-1", 1), ("viewer-2", 2)]), label="Sizes"
        )


def test_minute_totals_equal_summing_contributions():
    rng = random.Random(5)
    views = []
    for i in range(40):
        pairs = [("all", "all"), ("cdn", rng.choice(["a", "b"])), ("pop", f"p{i % 3}")]
        sums = []
        for m in sorted(rng.sample(range(10), rng.randint(0, 4))):
            contribution = {n: rng.randint(0, 5) for n in MINUTE_SUMS}
            start = rng.choice([None, 800, 1200])
            contribution["startup_times_ms"] = {start: 1} if start else {}
            sums.append((T0_MS + m * MINUTE, contribution))
        views.append((pairs, sums))
    expected: dict = defaultdict(new_minute_accumulator)
    for pairs, sums in views:
        for minute_ms, contribution in sums:
            for dimension, value in pairs:
                add_minute_delta(expected[(minute_ms, dimension, value)], contribution)
    parts = [MinuteTotals.of_views(views[i::3]) for i in range(3)]
    got = dict(MinuteTotals.merge([*parts, MinuteTotals()]).accumulators())
    assert got == dict(expected)
    assert all(type(v) is int for acc in got.values() for k, v in acc.items() if k in MINUTE_SUMS)
    assert dict(MinuteTotals.merge([]).accumulators()) == {}


def test_minute_totals_keep_exact_values_that_are_not_int64():
    big = {n: 2**70 for n in MINUTE_SUMS} | {"startup_times_ms": {}}
    views = [([("all", "all")], [(T0_MS, big)]), ([("all", "all")], [(T0_MS, big)])]
    (key, acc), *_ = MinuteTotals.of_views(views).accumulators()
    assert key == (T0_MS, "all", "all")
    assert acc["playing_time_ms"] == 2**71


def test_shard_events_carry_every_field_build_view_reads():
    """build_view gives the same row from the projected events the shards carry as from whole
    records (events of a simulated view with every optional field set)."""
    events = simple_view("v1", T0_MS, content_title="T", device_model="m", os_version="1")
    extra = {
        "playhead_ms": 10,
        "buffer_length_ms": 5,
        "rendition": {"width": 1280, "height": 720, "codec": "x", "fps": 30.0},
        "throughput_kbps": 9000,
        "dropped_frames": 3,
        "decoded_frames": 300,
        "playback_rate": 1.0,
        "live_latency_ms": 4,
        "startup_ms": 950,
        "player_version": "1.5",
        "os_name": "iOS",
        "browser_name": "Safari",
        "app_name": "A",
        "isp": "I",
        "asn": 5,
        "session_id": "s-9",
    }
    events = [{**e, **extra} for e in events] + [
        player_event("v1", 99, "error", T0_MS + 31_000, error_fatal=True, error_code="E")
    ]
    rows = [record_row(e, datetime(2025, 1, 15, tzinfo=UTC)) for e in events]
    table = pa.Table.from_pylist(rows, schema=table_arrow_schema())
    projected = table_events(table.select(list(VIEW_EVENT_FIELDS)))
    whole = table_events(table)
    full = build_view([(EVENT, e) for e in whole], watermark_closed=True, gap_ms=120_000)
    part = build_view([(EVENT, e) for e in projected], watermark_closed=True, gap_ms=120_000)
    assert full[0] == part[0]
    assert full[1] == part[1]
    assert view_minute_contributions(full[0], full[1]) == view_minute_contributions(
        part[0], part[1]
    )
    assert minute_sums(full[1]) and dimension_values(full[0]) == dimension_values(part[0])


def test_shards_are_stable_and_spread():
    keys = [f"v-{i}" for i in range(1000)]
    column = shard_column(pa.array(keys * 2), 16)
    assert column.tolist() == [shard_of(k, 16) for k in keys * 2]
    # the same in another process (string hashing there uses another seed)
    code = "from pipelines.transforms.spill import shard_of; "
    code += f"print([shard_of(k, 16) for k in {keys[:50]!r}])"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == str([shard_of(k, 16) for k in keys[:50]])
    assert min(Counter(column.tolist()).values()) > 50


def spilled_files(root) -> list[str]:
    return sorted(str(f.relative_to(root)) for f in root.rglob("*") if f.is_file())


def test_spill_files_are_written_under_the_location_and_removed_after_the_run(tmp_path):
    """Every shard's events and other items go through files under the spill location; the
    views are computed while they exist, and the run's spill directory is gone afterwards."""
    data = telemetry()
    spill = tmp_path / "temp"
    p = TestPipeline(runner=RUNNER)
    bulk = {
        "player_event_table": p | "Tables" >> beam.Create(event_tables(data["player_event"])),
        "player_event": p | "NoRecords" >> beam.Create([]),
        "cmcd_report": p | "Reports" >> beam.Create(data["cmcd_report"]),
        "cdn_request": p | "Requests" >> beam.Create(data["cdn_request"]),
    } | ComputeViewsInShards(GAP_S, fixed_clock, shards=3, spill_location=str(spill))
    # what is on disk while the views are computed (same stage as ComputeShardViewsFn)
    seen = (
        bulk["views"]
        | beam.Map(lambda _: tuple(sorted({f.split("/")[-1][0] for f in spilled_files(spill)})))
        | beam.Distinct()
    )
    assert_that(seen, equal_to([(ITEMS, TABLE)]), label="FilesDuringTheRun")
    counts = bulk["views"] | beam.combiners.Count.Globally()
    assert_that(counts, equal_to([6]), label="SixRows")
    result = p.run()
    result.wait_until_finish()
    assert spill.is_dir() and list(spill.iterdir()) == []  # the run's directory is removed
    metrics = result.metrics().query(MetricsFilter().with_name("spill_files"))["counters"]
    files = sum(m.committed for m in metrics)
    assert files >= 2 + 1  # one per beacon table, at least one of other items


def spill_one_shard(directory: str, data: dict[str, list]) -> list:
    """The references of a single shard (shards=1) holding all of `data`, as the combine
    collects them."""
    refs = []
    for table in event_tables(data["player_event"], files=3):
        refs += [ref for _, ref in SpillShardSlicesFn(directory, 1).process(table)]
    items_fn = SpillShardItemsFn(directory, 1, max_items=3)  # several item files
    items_fn.start_bundle()
    keyed = [k for r in data["cmcd_report"] for k in key_cmcd_report(r)]
    keyed += [k for r in data["cdn_request"] for k in key_cdn_request(r)]
    for element in keyed:
        refs += [ref for _, ref in items_fn.process(element)]
    refs += [wv.value[1] for wv in items_fn.finish_bundle()]
    return refs


def shard_output(fn: ComputeShardViewsFn, refs: list) -> tuple[list, dict]:
    rows, totals = [], None
    for out in fn.process((0, list(refs))):
        if isinstance(out, beam.pvalue.TaggedOutput):
            totals = dict(out.value.accumulators())
        else:
            rows.append((repr(sorted(out.value.items())), out.timestamp))
    return sorted(rows), totals


def test_a_retried_shard_reads_its_files_again(tmp_path):
    """ComputeShardViewsFn deletes nothing: the same element computed twice (a retried bundle)
    gives the same rows and minute totals, and views cut into small chunks change nothing."""
    directory = new_spill_dir(str(tmp_path))
    refs = spill_one_shard(directory, telemetry())
    assert {kind for kind, _ in refs} == {TABLE, ITEMS}
    on_disk = spilled_files(tmp_path)
    assert len(on_disk) == 3 + 3  # three beacon files; 10 items, 3 per file
    fn = ComputeShardViewsFn(GAP_S, fixed_clock)
    first = shard_output(fn, refs)
    assert len(first[0]) == 6 and first[1]
    assert shard_output(fn, refs) == first  # the retry
    assert shard_output(fn, refs[::-1]) == first  # references in any order
    for chunk_events in (1, 2, 5):
        assert shard_output(ComputeShardViewsFn(GAP_S, fixed_clock, chunk_events), refs) == first
    assert spilled_files(tmp_path) == on_disk
    remove_spill_dir(directory)
    assert spilled_files(tmp_path) == [] and list(tmp_path.iterdir()) == []
    remove_spill_dir(directory)  # a retried clean-up: nothing left to delete, no error


def test_spill_location_is_the_temp_location(monkeypatch):
    options = PipelineOptions(["--temp_location", "gs://bucket/tmp", "--warehouse", "duckdb:x"])
    location = settings_from(options, streaming=False).spill_location
    assert location == "gs://bucket/tmp"
    assert new_spill_dir(location).startswith(f"gs://bucket/tmp/{SPILL_PREFIX}")
    assert settings_from(PipelineOptions([]), streaming=False).spill_location is None
    local = new_spill_dir(None)
    assert local.startswith(os.path.join(tempfile.gettempdir(), SPILL_PREFIX))
    assert new_spill_dir(None) != local  # one directory per pipeline
    # a local spill directory is also removed when the process exits (a failed run)
    registered = []
    monkeypatch.setattr(atexit, "register", lambda f, *a: registered.append((f, a)))
    transform = ComputeViewsInShards(GAP_S, fixed_clock, spill_location="/data/tmp")
    with beam.Pipeline(runner=RUNNER) as p:
        empty = p | beam.Create([])
        _ = (
            {n: empty for n in ("player_event_table", "player_event", "cmcd_report")}
            | {"cdn_request": empty}
            | transform
        )
    assert transform.spill_dir.startswith(f"/data/tmp/{SPILL_PREFIX}")
    assert [a for _, a in registered] == [(transform.spill_dir,)]


def test_batch_run_with_view_shards_lands_the_same_views(tmp_path):
    """--view_shards reaches the bulk path of a real batch run and changes no views row."""
    ids = [f"shard-v{i}" for i in range(8)]
    assert {shard_of(v, 3) for v in ids} == {0, 1, 2}  # every one of the 3 shards has views
    beacons = tmp_path / "beacons.jsonl"
    lines = [beacon_line(simple_view(v, T0_MS + i * MINUTE)) for i, v in enumerate(ids)]
    beacons.write_bytes(b"\n".join(lines) + b"\n")
    rows = {}
    for name, flags in {"default": [], "three": ["--view_shards", "3"]}.items():
        warehouse = tmp_path / f"{name}.duckdb"
        temp = str(tmp_path / f"{name}-temp")
        argv = ["--input", str(beacons), "--warehouse", f"duckdb:{warehouse}"]
        result = batch.run([*argv, "--temp_location", temp, *flags])
        assert result.state == "DONE"
        counters = result.metrics().query(MetricsFilter().with_name("view_rows"))["counters"]
        assert sum(m.committed for m in counters) == len(ids), name  # the bulk path ran
        rows[name] = table_rows(warehouse, "views")
    assert len(rows["default"]) == len(ids)
    assert rows["three"] == rows["default"]
