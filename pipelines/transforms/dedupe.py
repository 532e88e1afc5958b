"""Drop repeated deliveries of the same record, keyed on the record's identity.

Pub/Sub delivers at least once and players retry beacons, so the same record can arrive several
times. DedupeEvents keeps the first copy per identity in keyed state and forgets the identity with
an event-time timer `ttl_seconds` after the record's timestamp, so state stays bounded; a copy
arriving after that would pass again, which is why the TTL is at least the allowed lateness (a
copy later than that is dead-lettered as late before it gets here).

Player events and transcode events are deduplicated where they are grouped anyway (views by
view_id, jobs by job_id: the identity's key is a prefix of the group key), which costs no extra
shuffle; this composite serves CDN requests (identity: request_id).
"""

from __future__ import annotations

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
from pipelines.transforms.views import ToGlobalWindow


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


class KeepFirstFn(beam.CombineFn):
    """Keep one of the values (copies of one record are identical, so any one will do)."""

    def create_accumulator(self) -> Any:
        return None

    def add_input(self, acc: Any, value: Any) -> Any:
        return value if acc is None else acc

    def merge_accumulators(self, accs: Any) -> Any:
        return next((a for a in accs if a is not None), None)

    def extract_output(self, acc: Any) -> Any:
        return acc


class DedupeEvents(beam.PTransform):
    """In: PCollection[record] with event timestamps, any windowing. Out: the same records, each
    identity once, in the global window (timestamps kept; downstream composites re-window).

    An unbounded input goes through DedupeByIdentityFn (state with an expiry timer). A bounded
    input (batch) is combined per identity instead, which gives the same records without per-key
    user state (much cheaper on the FnApiRunner), and is re-stamped with `event_time_ms`.

    Args:
        identity: record -> identity string (e.g. cdn_request_identity).
        event_time_ms: record -> its event time, epoch ms (restores the timestamp in batch).
        ttl_seconds: how long an identity is remembered after its record's timestamp.
        name: counter suffix (`duplicates_<name>`).
    """

    def __init__(
        self,
        identity: Callable[[Any], str],
        event_time_ms: Callable[[Any], int],
        ttl_seconds: float,
        name: str,
    ):
        super().__init__()
        self.identity = identity
        self.event_time_ms = event_time_ms
        self.ttl_seconds = ttl_seconds
        self.name = name

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        keyed = records | "KeyByIdentity" >> beam.WithKeys(self.identity)
        if records.is_bounded:
            return (
                keyed
                | "GlobalWindow" >> ToGlobalWindow()
                | "KeepFirstPerIdentity" >> beam.CombinePerKey(KeepFirstFn())
                | "RestampWithEventTime"
                >> beam.MapTuple(lambda _, r: TimestampedValue(r, self.event_time_ms(r) / 1000))
            )
        return (
            keyed
            | "GlobalWindow" >> beam.WindowInto(GlobalWindows())
            | "DedupeByIdentityFn"
            >> beam.ParDo(DedupeByIdentityFn(self.ttl_seconds, self.name)).with_input_types(
                tuple[str, Any]
            )
        )
