"""Parse input units into contract records and dead letters, with event timestamps.

A unit is what a transport delivers: one Pub/Sub message (streaming) or one line/document of a file
(batch). The parsing library (streamqoe.ingest) turns a unit into records valid against their
contract or dead letters; this module routes them to tagged outputs, stamps each record with its
event time, counts both with Beam metrics, and turns records that arrive later than the allowed
lateness into dead letters of stage `late` (see docs/pipelines.md#lateness).

Batch can also read beacon files whole (`ReadAndParseFiles(beacon_tables=True)`): each beacon file
becomes one Arrow table of player_event rows (streamqoe.ingest.columnar_beacon, the same records
as the row parser) on the `player_event_table` output, and its dead letters go to `dead_letter`
as usual; every other format is parsed unit by unit.

Left out: the parsers themselves and any metric logic.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import TimestampedValue

from pipelines.remote_files import is_remote, local_copy
from streamqoe.contracts.conformance import contract_key
from streamqoe.dead_letters import dead_letter
from streamqoe.ingest.formats import detect_format, get_format, parse_units
from streamqoe.ingest.outcome import DeadLetter, Outcome, Record
from streamqoe.ingest.read import (
    UnreadableInput,
    distribution_from_name,
    read_content,
    read_documents,
    read_lines,
    resolve_format,
)
from streamqoe.times import epoch_ms_from_rfc3339

logger = logging.getLogger(__name__)

CONTRACTS = ("player_event", "cmcd_report", "cdn_request", "transcode_event")
DEAD_LETTER = "dead_letter"
PLAYER_EVENT_TABLE = "player_event_table"
METRICS_NAMESPACE = "streamqoe"


class RawUnit(NamedTuple):
    """One input unit as received.

    Attributes:
        format: ingest format name (streamqoe.ingest.formats), or `auto` to detect it.
        payload: the exact bytes received.
        source: where it came from (`pubsub:<subscription>`, `file:<path>:<line>`).
        message_id: transport id (Pub/Sub message id), if any.
        attributes: transport attributes (Pub/Sub message attributes), if any.
        received_at_ms: arrival time, epoch ms (Pub/Sub publish time; file read time).
    """

    format: str
    payload: bytes
    source: str
    message_id: str | None
    attributes: dict[str, str] | None
    received_at_ms: int


def event_time_ms(contract: str, record: Mapping[str, Any]) -> int:
    """Return the event time of a record, epoch ms: the clock the windows run on.

    player_event: client_ts_ms; cmcd_report: report_ts_ms, else received_at; cdn_request:
    request_at; transcode_event: event_at.
    """
    if contract == "player_event":
        return int(record["client_ts_ms"])
    if contract == "cmcd_report":
        ts = record.get("report_ts_ms")
        return int(ts) if ts is not None else epoch_ms_from_rfc3339(record["received_at"])
    if contract == "cdn_request":
        return epoch_ms_from_rfc3339(record["request_at"])
    if contract == "transcode_event":
        return epoch_ms_from_rfc3339(record["event_at"])
    raise KeyError(f"no event time for contract {contract!r}")


def late_dead_letter(
    contract: str,
    record: Mapping[str, Any],
    *,
    lateness_ms: int,
    source: str,
    received_at_ms: int,
    message_id: str | None,
) -> dict[str, Any]:
    """Build the dead letter (stage `late`) of a record that arrived beyond the allowed lateness."""
    raw = json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return dead_letter(
        raw,
        source=source,
        stage="late",
        error_class="BeyondAllowedLateness",
        error_message=f"arrived {lateness_ms} ms after its event time",
        received_at=datetime.fromtimestamp(received_at_ms / 1000, UTC),
        contract=contract_key(contract),
        message_id=message_id,
    )


_COUNTERS: dict[str, Any] = {}


def _count(name: str, n: int = 1) -> None:
    """Increment the Beam counter `streamqoe/<name>` (counter objects are cached)."""
    counter = _COUNTERS.get(name)
    if counter is None:
        counter = _COUNTERS[name] = Metrics.counter(METRICS_NAMESPACE, name)
    counter.inc(n)


def _route(
    outcomes: Iterable[Outcome],
    *,
    allowed_lateness_ms: int | None,
    source: str,
    received_at_ms: int,
    message_id: str | None,
) -> Iterator[beam.pvalue.TaggedOutput]:
    for outcome in outcomes:
        if isinstance(outcome, Record):
            at_ms = event_time_ms(outcome.contract, outcome.record)
            lateness_ms = received_at_ms - at_ms
            if allowed_lateness_ms is not None and lateness_ms > allowed_lateness_ms:
                _count("dead_letters_late")
                letter = late_dead_letter(
                    outcome.contract,
                    outcome.record,
                    lateness_ms=lateness_ms,
                    source=source,
                    received_at_ms=received_at_ms,
                    message_id=message_id,
                )
                yield beam.pvalue.TaggedOutput(
                    DEAD_LETTER, TimestampedValue(letter, received_at_ms / 1000)
                )
                continue
            _count(f"records_{outcome.contract}")
            yield beam.pvalue.TaggedOutput(
                outcome.contract, TimestampedValue(outcome.record, at_ms / 1000)
            )
        elif isinstance(outcome, DeadLetter):
            _count(f"dead_letters_{outcome.stage}")
            yield beam.pvalue.TaggedOutput(
                DEAD_LETTER, TimestampedValue(outcome.letter, received_at_ms / 1000)
            )


class ParseUnitsFn(beam.DoFn):
    """Parse one RawUnit. Out: records on a tag per contract, dead letters on `dead_letter`.

    Records are stamped with their event time (event_time_ms); dead letters with the arrival
    time. With `allowed_lateness_seconds`, a record whose arrival is later than its event time by
    more than that becomes a dead letter of stage `late` (None: nothing is late, as in batch).
    """

    def __init__(self, allowed_lateness_seconds: float | None = None):
        self.allowed_lateness_ms = (
            None if allowed_lateness_seconds is None else int(allowed_lateness_seconds * 1000)
        )

    def process(self, unit: RawUnit) -> Iterator[beam.pvalue.TaggedOutput]:
        _count("units")
        name = unit.format
        if name == "auto":
            name = detect_format(unit.payload[:65536]) or "beacon"
        received_at = datetime.fromtimestamp(unit.received_at_ms / 1000, UTC)
        outcomes = get_format(name).parse(
            unit.payload,
            source=unit.source,
            received_at=received_at,
            message_id=unit.message_id,
            attributes=unit.attributes,
        )
        yield from _route(
            outcomes,
            allowed_lateness_ms=self.allowed_lateness_ms,
            source=unit.source,
            received_at_ms=unit.received_at_ms,
            message_id=unit.message_id,
        )


def unreadable_file_letter(path: str, exc: Exception, received_at: datetime) -> dict[str, Any]:
    """The dead letter (stage `decode`, no payload) of a file that cannot be read or recognized."""
    return dead_letter(
        b"",
        source=f"file:{path}",
        stage="decode",
        error_class=type(exc).__name__,
        error_message=str(exc),
        received_at=received_at,
    )


class ReadAndParseFilesFn(beam.DoFn):
    """Read one file and parse every unit in it. In: (path, format name or `auto`).

    Out: as ParseUnitsFn. An unreadable file becomes one dead letter of stage `decode`. Parsing a
    whole file in one call (rather than one Beam element per line) keeps per-element overhead out
    of the batch pipeline's hot path. With `beacon_tables`, a beacon file's records come out as
    one (path, Arrow table) on `player_event_table` instead (see read_beacon_table).

    A path with a URI scheme (`gs://...`) is parsed from a local copy of the object
    (pipelines.remote_files.local_copy, deleted once parsed); sources, dead letters and the
    table's key name the object. An object that cannot be copied is a `decode` dead letter too.
    """

    def __init__(self, received_at_ms: int, beacon_tables: bool = False):
        self.received_at_ms = received_at_ms
        self.beacon_tables = beacon_tables

    def process(self, element: tuple[str, str]) -> Iterator[beam.pvalue.TaggedOutput]:
        path, name = element
        received_at = datetime.fromtimestamp(self.received_at_ms / 1000, UTC)
        if not is_remote(path):
            yield from self.parse_file(path, path, name, received_at)
            return
        # An object (gs://...) is parsed from a local copy, deleted once parsed; sources, dead
        # letters and the beacon table's key keep the object's own path.
        with ExitStack() as stack:
            try:
                local = stack.enter_context(local_copy(path))
            except UnreadableInput as exc:
                yield self.unreadable(path, exc, received_at)
                return
            yield from self.parse_file(path, local, name, received_at)

    def unreadable(
        self, path: str, exc: Exception, received_at: datetime, local: str | None = None
    ) -> beam.pvalue.TaggedOutput:
        """The decode dead letter of a file that cannot be read or recognized, counted; a local
        copy's path (`local`) in the error message is replaced by the file's own `path`."""
        _count("dead_letters_decode")
        letter = unreadable_file_letter(path, exc, received_at)
        if local and local != path:
            letter["error_message"] = letter["error_message"].replace(local, path)
        return beam.pvalue.TaggedOutput(
            DEAD_LETTER, TimestampedValue(letter, self.received_at_ms / 1000)
        )

    def parse_file(
        self, path: str, local: str, name: str, received_at: datetime
    ) -> Iterator[beam.pvalue.TaggedOutput]:
        """Parse the file at `local`, labelled `path` (the same unless `local` is a remote
        object's copy: then unit ids, dead letters and messages name `path`)."""
        try:
            name = resolve_format(local, name)
            if name == "beacon" and self.beacon_tables:
                yield from self.beacon_table(path, received_at, local=local)
                return
            fmt = get_format(name)
            units = list(read_lines(local) if fmt.units == "lines" else read_documents(local))
        except (UnreadableInput, ValueError) as exc:
            yield self.unreadable(path, exc, received_at, local=local)
            return
        if local != path:
            copy, original = f"file:{local}:", f"file:{path}:"
            units = [(original + unit_id.removeprefix(copy), data) for unit_id, data in units]
        _count("units", sum(1 for _, data in units if not data.startswith(b"#")))
        distribution = distribution_from_name(path) if name == "cloudfront" else None
        outcomes = parse_units(name, units, received_at=received_at, distribution=distribution)
        yield from _route(
            outcomes,
            allowed_lateness_ms=None,
            source=f"file:{path}",
            received_at_ms=self.received_at_ms,
            message_id=None,
        )

    def beacon_table(
        self, path: str, received_at: datetime, local: str | None = None
    ) -> Iterator[beam.pvalue.TaggedOutput]:
        """Parse a beacon file whole: (path, table) on PLAYER_EVENT_TABLE, dead letters as usual.
        The bytes are read from `local` when given (a remote object's copy), labelled `path`.

        Raises:
            UnreadableInput: the file cannot be read (before any output).
        """
        from streamqoe.ingest.columnar_beacon import read_beacon_table

        data = read_content(local) if local is not None and local != path else None
        parsed = read_beacon_table(path, received_at=received_at, data=data)
        _count("units", parsed.units - parsed.comment_units)
        if parsed.table.num_rows:
            _count("records_player_event", parsed.table.num_rows)
            yield beam.pvalue.TaggedOutput(PLAYER_EVENT_TABLE, (path, parsed.table))
        for _, outcome in parsed.dead_letters:
            _count(f"dead_letters_{outcome.stage}")
            yield beam.pvalue.TaggedOutput(
                DEAD_LETTER, TimestampedValue(outcome.letter, self.received_at_ms / 1000)
            )


def _outputs(result: beam.pvalue.DoOutputsTuple) -> dict[str, beam.PCollection]:
    return {tag: result[tag] for tag in (*CONTRACTS, DEAD_LETTER)}


class ParseUnits(beam.PTransform):
    """In: PCollection[RawUnit]. Out: dict contract name -> PCollection[record] and
    `dead_letter` -> PCollection[dead letter dict]; records carry event-time timestamps, windows
    are unchanged (global)."""

    def __init__(self, allowed_lateness_seconds: float | None = None):
        super().__init__()
        self.allowed_lateness_seconds = allowed_lateness_seconds

    def expand(self, units: beam.PCollection) -> dict[str, beam.PCollection]:
        return _outputs(
            units
            | "ParseUnitsFn"
            >> beam.ParDo(ParseUnitsFn(self.allowed_lateness_seconds)).with_outputs(
                *CONTRACTS, DEAD_LETTER
            )
        )


class ReadAndParseFiles(beam.PTransform):
    """In: PCollection[(path, format)]. Out: as ParseUnits (nothing is late in batch); with
    `beacon_tables`, also `player_event_table` -> PCollection[(path, Arrow table)] holding the
    beacon files' records (then `player_event` holds none)."""

    def __init__(self, received_at: datetime | None = None, beacon_tables: bool = False):
        super().__init__()
        moment = received_at or datetime.now(UTC)
        self.received_at_ms = round(moment.timestamp() * 1000)
        self.beacon_tables = beacon_tables

    def expand(self, files: beam.PCollection) -> dict[str, beam.PCollection]:
        tags = (*CONTRACTS, DEAD_LETTER) + ((PLAYER_EVENT_TABLE,) if self.beacon_tables else ())
        result = (
            files
            | "ReshuffleFiles" >> beam.Reshuffle()
            | "ReadAndParseFilesFn"
            >> beam.ParDo(
                ReadAndParseFilesFn(self.received_at_ms, self.beacon_tables)
            ).with_outputs(*tags)
        )
        outputs = _outputs(result)
        if self.beacon_tables:
            outputs[PLAYER_EVENT_TABLE] = result[PLAYER_EVENT_TABLE]
        return outputs
