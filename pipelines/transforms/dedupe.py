"""Drop repeated deliveries of the same record, keyed on the record's identity.

Pub/Sub delivers at least once and players retry beacons, so the same record can arrive several
times. DedupeEvents keeps the first copy per identity in keyed state and forgets the identity with
an event-time timer `ttl_seconds` after the record's timestamp, so state stays bounded; a copy
arriving after that would pass again, which is why the TTL is at least the allowed lateness (a
copy later than that is dead-lettered as late before it gets here).

Player events and transcode events are deduplicated where they are grouped anyway (views by
view_id, jobs by job_id: the identity's key is a prefix of the group key), which costs no extra
shuffle; this composite serves CDN requests (identity: request_id).

In batch (a bounded input) nothing expires and no user state is needed: the records are spilled
to files in shards of their identity (pipelines/transforms/spill.py), and each shard keeps the
first record per identity (DedupeShardFn). Grouping the records themselves by identity would have
the runner hold every record until all input is read (on the FnApiRunner, in memory: 4.5 KB per
CDN request); the spill holds one shard's identities at a time.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import apache_beam as beam
from apache_beam.coders import BooleanCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.transforms.window import GlobalWindows, TimestampedValue
from apache_beam.utils.timestamp import Duration

from pipelines.transforms.parse import METRICS_NAMESPACE, event_time_ms
from pipelines.transforms.spill import (
    CollectShardItemsFn,
    SpillShardItemsFn,
    delete_spill_dir,
    new_spill_dir,
    read_spill,
    remove_at_exit,
)
from pipelines.transforms.views import ToGlobalWindow, expand_item


def cdn_request_time_ms(request: Mapping[str, Any]) -> int:
    """Event time of a cdn_request (request_at), epoch ms."""
    return event_time_ms("cdn_request", request)


def cdn_request_identity(request: Mapping[str, Any]) -> str:
    """Identity of a cdn_request: its request_id, else the whole record (exact repeats only)."""
    if request.get("request_id"):
        return f"{request['cdn']}:{request['request_id']}"
    return repr(sorted(request.items()))


@beam.typehints.with_input_types(tuple[str, Any])
class DedupeByIdentityFn(beam.DoFn):
    """In: (identity, record) in the global window. Out: record, first copy per identity only.

    State: one boolean per identity, cleared by an event-time timer at timestamp + ttl.
    """

    SEEN = ReadModifyWriteStateSpec("seen", BooleanCoder())
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, ttl_seconds: float, name: str):
        self.ttl_seconds = ttl_seconds
        self.name = name

    def process(
        self,
        element: tuple[str, Any],
        timestamp: Any = beam.DoFn.TimestampParam,
        seen: Any = beam.DoFn.StateParam(SEEN),  # noqa: B008 - Beam DoFn parameter idiom
        expiry: Any = beam.DoFn.TimerParam(EXPIRY),  # noqa: B008 - Beam DoFn parameter idiom
    ) -> Iterator[Any]:
        if seen.read():
            Metrics.counter(METRICS_NAMESPACE, f"duplicates_{self.name}").inc()
            return
        seen.write(True)
        expiry.set(timestamp + Duration(seconds=self.ttl_seconds))
        yield element[1]

    @on_timer(EXPIRY)
    def expire(self, seen: Any = beam.DoFn.StateParam(SEEN)) -> None:  # noqa: B008
        seen.clear()


RECORD = "d"  # tag of a spilled record (spill files hold tagged items)
DEDUPE_SHARDS = 16


class DedupeShardFn(beam.DoFn):
    """In: (shard, references to spilled (identity, record) lists) from SpillShardItemsFn. Out:
    the first record of each identity, stamped with `event_time_ms` (copies of one record are
    identical, so which copy is first does not matter), and on tag DONE one count per shard.

    Memory: the shard's identities; records are read one spill part at a time and go on at once.
    """

    DONE = "done"

    def __init__(self, event_time_ms: Callable[[Any], int], name: str):
        self.event_time_ms = event_time_ms
        self.name = name

    def process(self, element: tuple[int, list[Any]]) -> Iterator[Any]:
        _, refs = element
        seen: set[str] = set()
        duplicates = 0
        for data in read_spill(sorted(ref for _, ref in refs)):
            for identity, item in pickle.loads(data):
                if identity in seen:
                    duplicates += 1
                    continue
                seen.add(identity)
                _, record = expand_item(item)
                yield TimestampedValue(record, self.event_time_ms(record) / 1000)
        if duplicates:
            Metrics.counter(METRICS_NAMESPACE, f"duplicates_{self.name}").inc(duplicates)
        yield beam.pvalue.TaggedOutput(self.DONE, 1)


class DedupeEvents(beam.PTransform):
    """In: PCollection[record] with event timestamps, any windowing. Out: the same records, each
    identity once, in the global window (timestamps kept; downstream composites re-window).

    An unbounded input goes through DedupeByIdentityFn (state with an expiry timer). A bounded
    input (batch) is spilled in shards of its identity and deduplicated per shard (DedupeShardFn),
    which gives the same records without per-key user state or a shuffle of every record, and is
    re-stamped with `event_time_ms`; the spill directory is deleted once every shard is done.

    Args:
        identity: record -> identity string (e.g. cdn_request_identity).
        event_time_ms: record -> its event time, epoch ms (restores the timestamp in batch).
        ttl_seconds: how long an identity is remembered after its record's timestamp.
        name: counter suffix (`duplicates_<name>`).
        spill_location: batch: where the spill directory goes (the pipeline's --temp_location;
            None: the local temp directory).
        shards: batch: shards of identities (one shard's identities are in memory at a time per
            worker thread).
    """

    def __init__(
        self,
        identity: Callable[[Any], str],
        event_time_ms: Callable[[Any], int],
        ttl_seconds: float,
        name: str,
        spill_location: str | None = None,
        shards: int = DEDUPE_SHARDS,
    ):
        super().__init__()
        self.identity = identity
        self.event_time_ms = event_time_ms
        self.ttl_seconds = ttl_seconds
        self.name = name
        self.spill_location = spill_location
        self.shards = shards

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        if records.is_bounded:
            return self.expand_bounded(records)
        keyed = records | "KeyByIdentity" >> beam.WithKeys(self.identity)
        return (
            keyed
            | "GlobalWindow" >> beam.WindowInto(GlobalWindows())
            | "DedupeByIdentityFn"
            >> beam.ParDo(DedupeByIdentityFn(self.ttl_seconds, self.name)).with_input_types(
                tuple[str, Any]
            )
        )

    def expand_bounded(self, records: beam.PCollection) -> beam.PCollection:
        spill = new_spill_dir(self.spill_location)
        remove_at_exit(spill)
        identity = self.identity
        deduped = (
            records
            | "KeyByIdentity" >> beam.Map(lambda r: (identity(r), (RECORD, r)))
            | "GlobalWindow" >> ToGlobalWindow()
            | "SpillByIdentity" >> beam.ParDo(SpillShardItemsFn(spill, self.shards))
            | "CollectPerShard" >> beam.CombinePerKey(CollectShardItemsFn())
            | "DedupeShardFn"
            >> beam.ParDo(DedupeShardFn(self.event_time_ms, self.name)).with_outputs(
                DedupeShardFn.DONE, main="records"
            )
        )
        _ = (
            deduped[DedupeShardFn.DONE]
            | "CountDoneShards" >> beam.combiners.Count.Globally()
            | "DeleteSpill" >> beam.Map(delete_spill_dir, spill)
        )
        return deduped.records
