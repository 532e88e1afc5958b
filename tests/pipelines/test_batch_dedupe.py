"""Batch deduplication of CDN requests through spill files (pipelines/transforms/dedupe.py).

A bounded input is spilled in shards of its identity and each shard keeps the first record per
identity: every record comes out once whichever bundle or file its copies were in, stamped with
its event time; the duplicates are counted; the spill files are written under the spill location
and gone after the run. Counting records: unique in = out, nothing else is dropped.
"""

from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import TimestampedValue
from beam_fixtures import T0_MS, cdn_request

from pipelines.transforms.dedupe import (
    DedupeEvents,
    DedupeShardFn,
    cdn_request_identity,
    cdn_request_time_ms,
)
from pipelines.transforms.spill import ITEMS, SPILL_PREFIX, SpillShardItemsFn

RUNNER = "FnApiRunner"


def dedupe(location, shards=4):
    return DedupeEvents(
        cdn_request_identity,
        cdn_request_time_ms,
        ttl_seconds=3600,
        name="cdn_request",
        spill_location=str(location),
        shards=shards,
    )


def counter(result, name: str) -> int:
    found = result.metrics().query(MetricsFilter().with_name(name))["counters"]
    return sum(m.committed for m in found)


def test_batch_dedupe_keeps_one_copy_per_identity_across_files(tmp_path):
    unique = [
        cdn_request(f"r{i}", T0_MS + i * 1000, f"POP{i % 3}", f"v{i % 7}") for i in range(300)
    ]
    # copies in other "files" (Create splits the input across bundles), and one exact repeat of
    # a request without an id (its identity is the whole record)
    no_id = cdn_request(None, T0_MS, "FRA56", None)
    copies = unique[::3] + unique[::5]
    records = [*unique, no_id, *copies, no_id]
    pipeline = beam.Pipeline(runner=RUNNER, options=PipelineOptions())
    stamped = (
        pipeline
        | beam.Create(records, reshuffle=True)
        | beam.Map(lambda r: TimestampedValue(r, 0))  # wrong on purpose: restamped
    )
    out = stamped | dedupe(tmp_path)
    assert_that(out, equal_to([*unique, no_id]), label="OneCopyEach")
    times = out | beam.Map(lambda r, t=beam.DoFn.TimestampParam: (r["request_id"], t.micros))
    expected_times = [(r["request_id"], cdn_request_time_ms(r) * 1000) for r in [*unique, no_id]]
    assert_that(times, equal_to(expected_times), label="EventTime")
    result = pipeline.run()
    result.wait_until_finish()
    assert counter(result, "duplicates_cdn_request") == len(copies) + 1
    assert counter(result, "spill_files") >= 1
    assert counter(result, "spill_dirs_removed") == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(SPILL_PREFIX)]


def test_batch_dedupe_of_nothing_removes_its_directory(tmp_path):
    pipeline = beam.Pipeline(runner=RUNNER, options=PipelineOptions())
    out = pipeline | beam.Create([]) | dedupe(tmp_path)
    assert_that(out, equal_to([]))
    result = pipeline.run()
    result.wait_until_finish()
    assert counter(result, "spill_dirs_removed") == 1
    assert list(tmp_path.iterdir()) == []


def test_dedupe_shard_reads_only_its_references_and_keeps_first_copies(tmp_path):
    """The shard step alone: two spill parts of one shard, a record repeated across them."""
    spill = SpillShardItemsFn(str(tmp_path), shards=1, max_items=2)
    spill.start_bundle()
    a, b = cdn_request("a", T0_MS, "P", None), cdn_request("b", T0_MS + 5, "P", None)
    refs = []
    for r in (a, b, a):
        refs += list(spill.process((cdn_request_identity(r), ("d", r))))
    refs += [wv.value for wv in spill.finish_bundle()]
    assert [kind for _, (kind, _) in refs] == [ITEMS, ITEMS]  # two spill files
    shard_refs = [ref for _, ref in refs]  # what CollectPerShard gives the shard
    out = list(DedupeShardFn(cdn_request_time_ms, "cdn_request").process((0, shard_refs)))
    records = [o for o in out if isinstance(o, TimestampedValue)]
    assert [r.value for r in records] == [a, b]
    assert [r.timestamp.micros for r in records] == [T0_MS * 1000, (T0_MS + 5) * 1000]
    assert [o.value for o in out if isinstance(o, beam.pvalue.TaggedOutput)] == [1]
