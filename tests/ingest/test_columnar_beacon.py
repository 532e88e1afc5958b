"""The columnar beacon path must give exactly the row parser's records and dead letters.

The row parser (`parse_beacon` over `read_documents`, as the batch pipeline's per-element path
reads a file) is the reference: every test parses the same file both ways and compares records (as
table rows, in file order) and dead letters (whole letters, in file order), on a catalogue of every
kind of fault, on hypothesis-generated files of damaged beacons and on the simulator's output with
its injected faults.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import simulate_cli as simulator_cli
from streamqoe.contracts.registry import contract
from streamqoe.contracts.rows import to_row
from streamqoe.ingest.beacon import parse_beacon
from streamqoe.ingest.columnar_beacon import (
    MAX_CLIENT_TS_MS,
    event_at_micros,
    is_json_lines,
    read_beacon_table,
    record_row,
    table_arrow_schema,
)
from streamqoe.ingest.outcome import DeadLetter
from streamqoe.ingest.read import _is_json_lines, read_documents

from .helpers import FIXTURES, RECEIVED_AT

EVENT: dict[str, Any] = {
    "schema_version": "1.0",
    "view_id": "v-1",
    "viewer_id": "vw-1",
    "session_id": "s-1",
    "content_id": "c-1",
    "content_title": "Title",
    "stream_type": "vod",
    "event_type": "heartbeat",
    "client_ts_ms": 1736909999889,
    "sequence_number": 5,
    "playhead_ms": 1000,
    "bitrate_kbps": 2500,
    "rendition": {"width": 1280, "height": 720, "codec": "avc1.4d401f", "fps": 29.97},
    "player_name": "hls.js",
    "device_type": "desktop",
    "country": "FR",
    "asn": 3215,
}
TEXT = json.dumps(EVENT, separators=(",", ":"))
DROP = object()


def event(**changes: Any) -> dict[str, Any]:
    """EVENT with fields changed (DROP removes one)."""
    out = dict(EVENT)
    for name, value in changes.items():
        if value is DROP:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def line(*events: Any, ascii_only: bool = False) -> str:
    return json.dumps(list(events), separators=(",", ":"), ensure_ascii=ascii_only)


def edited(old: str, new: str) -> str:
    """A one-event line whose JSON text has `old` replaced by `new`."""
    assert old in TEXT
    return "[" + TEXT.replace(old, new, 1) + "]"


# Every kind of line the columnar path must either vouch for exactly or hand to the row parser.
CATALOGUE: list[str] = [
    line(event(), event(sequence_number=6)),
    line(event(device_type=None, country=None, rendition=None)),
    line(event(rendition={}), event(rendition={"fps": 30}), event(playback_rate=1)),
    line(event(error_fatal=True, event_type="error", error_code="E1", error_message="x")),
    line(event(content_title="café 😀 \u2028")),
    line(event(content_title="café 😀"), ascii_only=True),
    line(event(error_message='quote " back \\ slash / tab \t newline \n')),
    # types the row parser refuses (or accepts) that DuckDB would cast
    line(event(client_ts_ms="1736909999889")),
    line(event(client_ts_ms=1736909999889.0)),
    line(event(sequence_number=1.5)),
    line(event(sequence_number=True)),
    line(event(view_id=5)),
    line(event(view_id={"a": 1})),
    line(event(view_id=["x"])),
    line(event(error_fatal="true")),
    line(event(error_fatal=1)),
    line(event(schema_version=1.0)),
    line(event(rendition=5)),
    line(event(rendition="x")),
    line(event(rendition={"fps": "30"})),
    line(event(rendition={"width": 1.0})),
    # required, enums, ranges, lengths, patterns, unknown fields
    line(event(view_id=None)),
    line(event(view_id=DROP)),
    line(event(view_id="")),
    line(event(view_id="x" * 129)),
    line(event(content_title="t" * 512), event(content_title="t" * 513)),
    line(event(event_type="buffering")),
    line(event(device_type="phone")),
    line(event(country="fr")),
    line(event(country="FRA")),
    line(event(country="FR\n")),
    line(event(schema_version="2.0")),
    line(event(client_ts_ms=-1)),
    line(event(bitrate_kbps=-1)),
    line(event(live_latency_ms=-5)),
    line(event(playback_rate=-0.5)),
    line(event(rendition={"fps": -1.0})),
    line(event(rendition={"codec": "c" * 65})),
    line(event(buffer_health=0.5)),
    line(event(rendition={"width": 1, "depth": 2})),
    # integers at and beyond int64
    line(event(asn=2**63 - 1)),
    line(event(asn=2**63)),
    line(event(asn=2**64)),
    line(event(asn=2**70)),
    line(event(asn=-(2**63))),
    line(event(playback_rate=2**64 + 1)),
    line(event(playback_rate=1e300)),
    line(event(client_ts_ms=MAX_CLIENT_TS_MS), event(client_ts_ms=MAX_CLIENT_TS_MS + 1)),
    # JSON that DuckDB reads and Python does not, or reads differently
    edited('"asn":3215', '"asn":3215,'),
    "[" + TEXT + ",]",
    "[" + TEXT + " , ]",
    edited('"playhead_ms":1000', '"playhead_ms":NaN'),
    edited('"playhead_ms":1000', '"playhead_ms":Infinity'),
    edited('"fps":29.97', '"fps":-Infinity'),
    edited('"fps":29.97', '"fps":nan'),
    edited('"fps":29.97', '"fps":1e400'),
    edited('"fps":29.97', '"fps":1E2'),
    edited('"playhead_ms":1000', '"playhead_ms":1e3'),
    edited('"playhead_ms":1000', '"playhead_ms":-0'),
    edited('"playhead_ms":1000', '"playhead_ms":01'),
    edited('"view_id":"v-1"', '"view_id":"v-1","view_id":"v-2"'),
    edited('"view_id":"v-1"', '"view_id":"v-1","view_id":"v-1"'),
    edited('"width":1280', '"width":1280,"width":1'),
    edited('"view_id"', '"view\\u005fid"'),
    edited('"Title"', '"\\ud800"'),
    edited('"Title"', '"\\ud83d\\ude00"'),
    edited('"Title"', '"a\\u0000b"'),
    edited('"Title"', '"a\tb"'),
    edited('"Title"', '"T, ]"'),
    edited('"Title"', '"T,}"'),
    # member counting: JSON nulls are members too, and one count covers the event and rendition
    # (one case per line: a line with any bad element goes whole to the row parser)
    line(event(bogus=None)),
    line(event(rendition={"width": None, "height": None, "codec": None, "fps": None})),
    line(event(rendition={"width": 1280, "depth": None})),
    line(event(rendition={"depth": None}, bogus=None)),
    line(event(rendition=[])),
    line(event(rendition=[{"width": 1}])),
    line(event(rendition=[None])),
    line(event(rendition={"width": {"height": 1}})),
    line(event(view_id={"view_id": "v-1"})),
    edited('"view_id":"v-1"', '"view_id":"v-1","view_id":null'),
    edited('"view_id":"v-1"', '"view_id":null,"view_id":"v-1"'),
    edited('"asn":3215', '"asn":null,"asn":null'),
    edited('"rendition":{', '"rendition":null,"rendition":{'),
    edited('"width":1280', '"width":null,"width":1280'),
    edited('"fps":29.97', '"fps":29.97,"bogus":null'),
    edited('"asn":3215', '"asn":3215,"":null'),
    # numbers as strings, integers written as floats, beyond int64, nulls as elements
    line(event(asn="3215")),
    line(event(playback_rate="1.5")),
    line(event(rendition={"fps": "29.97"})),
    line(event(client_ts_ms=1.7369e12)),
    line(event(playhead_ms=1000.0)),
    line(event(asn=-0.0)),
    line(event(asn=5.0)),
    line(event(rendition={"width": 1280.0})),
    line(event(rendition={"height": 7.2e2})),
    line(event(sequence_number=-(2**63) - 1)),
    line(event(sequence_number=10**30)),
    line(event(playback_rate=2**63)),
    line(event(rendition={"fps": 10**30})),
    line(event(error_fatal=None)),
    line(event(error_fatal=0)),
    line(event(error_fatal="false")),
    line(event(), None),
    line(event(), [None]),
    edited('"playhead_ms":1000', '"playhead_ms":1.0E3'),
    edited('"playhead_ms":1000', '"playhead_ms":-0.0'),
    edited('"playhead_ms":1000', '"playhead_ms":100000000000000000000000'),
    # shapes and framing
    "[]",
    "[1]",
    '["x"]',
    "[null]",
    "[[]]",
    "{}",
    TEXT,
    "[" + TEXT + "] ",
    " [" + TEXT + "]",
    "\ufeff[" + TEXT + "]",
    "[" + TEXT + "]\r",
    "[" + TEXT + ", " + TEXT + "]",
    "[ " + TEXT + " ]",
    "[" + TEXT + "][" + TEXT + "]",
    "[" + TEXT + ",garbage]",
    "[" + TEXT[:200],
    "# a comment",
    "",
    "   ",
]


def row_path(path: str) -> tuple[list[tuple[int, dict]], list[tuple[int, dict]]]:
    """The reference: ((line, table row), ...) and ((line, dead letter), ...) in file order."""
    rows, letters = [], []
    for unit_id, unit in read_documents(path):
        number = int(unit_id.rsplit(":", 1)[1])
        for outcome in parse_beacon(
            unit, source=unit_id, received_at=RECEIVED_AT, message_id=unit_id
        ):
            if isinstance(outcome, DeadLetter):
                letters.append((number, outcome.letter))
            elif _fits_arrow(outcome.record):
                rows.append((number, record_row(outcome.record, RECEIVED_AT)))
            else:  # beyond int64: the one documented difference of the table form
                letters.append((number, "ArrowOverflow"))
    return rows, letters


def _fits_arrow(record: dict) -> bool:
    try:
        pa.Table.from_pylist([record_row(record, RECEIVED_AT)], schema=table_arrow_schema())
    except (pa.ArrowInvalid, OverflowError, ValueError):
        return False
    return True


def assert_equivalent(path: str) -> tuple[list, list]:
    """Assert read_beacon_table equals the row path on `path`; return the row path's outcomes."""
    rows, letters = row_path(path)
    got = read_beacon_table(path, received_at=RECEIVED_AT)
    assert got.table.schema == table_arrow_schema()
    assert list(zip(got.line_numbers.tolist(), got.table.to_pylist(), strict=True)) == rows
    got_letters = [
        (n, "ArrowOverflow" if d.error_class == "ArrowOverflow" else d.letter)
        for n, d in got.dead_letters
    ]
    assert got_letters == letters
    # accounting: every unit left at least one outcome, and only units did
    units = list(read_documents(path))
    assert got.units == len(units)
    numbers = {n for n, _ in rows} | {n for n, _ in letters}
    assert numbers == {int(u.rsplit(":", 1)[1]) for u, _ in units}
    return rows, letters


def write(
    tmp_path: Path, lines: list[str | bytes], *, gz: bool, newline_at_end: bool = True
) -> str:
    data = b"\n".join(
        x if isinstance(x, bytes) else x.encode("utf-8", "surrogatepass") for x in lines
    )
    data += b"\n" if newline_at_end else b""
    path = tmp_path / ("beacons.jsonl.gz" if gz else "beacons.jsonl")
    path.write_bytes(gzip.compress(data) if gz else data)
    return str(path)


@pytest.mark.parametrize("gz", [False, True])
def test_every_kind_of_fault_is_equivalent(tmp_path: Path, gz: bool) -> None:
    lines = [*CATALOGUE, b'[{"view_id":"\xff"}]', b"[" + TEXT.encode() + b"\x00]"]
    rows, letters = assert_equivalent(write(tmp_path, lines, gz=gz))
    assert len(rows) > 20 and len(letters) > 40  # both paths really exercised


def test_valid_lines_go_columnar(tmp_path: Path) -> None:
    lines = [line(event(sequence_number=i), event(sequence_number=i + 1)) for i in range(50)]
    lines.append(line(event(event_type="buffering")))
    path = write(tmp_path, lines, gz=True)
    assert_equivalent(path)
    got = read_beacon_table(path, received_at=RECEIVED_AT)
    assert got.table.num_rows == 100
    assert got.fallback_units == 1  # only the bad line went to the row parser


def test_null_members_go_columnar(tmp_path: Path) -> None:
    """JSON nulls are counted as members, so valid events with nulls need no row parser."""
    nulls = {"device_model": None, "error_code": None, "playback_rate": None, "asn": None}
    lines = [
        line(event(**nulls)),
        line(event(rendition=None), event(rendition={"width": None, "fps": None, "codec": None})),
        line(event(content_title=None, rendition={"width": 1, "height": None})),
    ]
    path = write(tmp_path, lines, gz=False)
    assert_equivalent(path)
    got = read_beacon_table(path, received_at=RECEIVED_AT)
    assert (got.table.num_rows, got.fallback_units) == (4, 0)


@pytest.mark.parametrize(
    "name", ["beacon_batch.json", "beacon_single.json", "mediaconvert_events.jsonl"]
)
def test_documents_and_other_files_are_equivalent(name: str) -> None:
    assert_equivalent(str(FIXTURES / name))


@pytest.mark.parametrize(
    "data",
    [b"", b"\n\n", b"[" + TEXT.encode() + b"]", b"[" + TEXT.encode() + b"]\n\n \n", b"not json\n"],
)
def test_files_that_are_not_json_lines_are_one_unit(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "b.json"
    path.write_bytes(data)
    assert_equivalent(str(path))


def test_unreadable_files_raise(tmp_path: Path) -> None:
    from streamqoe.ingest.read import UnreadableInput

    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(gzip.compress(b"[" + TEXT.encode() + b"]\n" * 100)[:60])
    with pytest.raises(UnreadableInput):
        read_beacon_table(str(broken), received_at=RECEIVED_AT)
    with pytest.raises(UnreadableInput):
        read_beacon_table(str(tmp_path / "missing.gz"), received_at=RECEIVED_AT)


# --- generated files ---------------------------------------------------------------------------

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**65), 2**65),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    st.sampled_from(["vod", "live", "heartbeat", "FR", "desktop", "1.0", "", "x" * 130]),
    st.just({}),
    st.just({"height": 720}),
    st.just([1]),
)
FIELDS = st.sampled_from(
    [*EVENT, "rendition", "error_fatal", "playback_rate", "decoded_frames", "bogus"]
)


@st.composite
def damaged_event(draw: st.DrawFn) -> Any:
    """A valid event most of the time, else one with fields changed, dropped or added, or not
    an event at all."""
    kind = draw(st.integers(0, 9))
    if kind <= 4:
        return event(sequence_number=draw(st.integers(0, 10**6)))
    if kind == 9:
        return draw(VALUES)
    changes = draw(st.dictionaries(FIELDS, st.one_of(VALUES, st.just(DROP)), max_size=3))
    return event(**changes)


@st.composite
def damaged_line(draw: st.DrawFn) -> bytes:
    """A beacon line, sometimes cut short, framed oddly or with bytes appended."""
    events = draw(st.lists(damaged_event(), min_size=0, max_size=4))
    text = json.dumps(events, separators=draw(st.sampled_from([(",", ":"), (", ", ": ")])))
    text = text.replace("NaN", draw(st.sampled_from(["NaN", "0"])))
    data = text.encode()
    cut = draw(st.one_of(st.none(), st.integers(1, max(1, len(data) - 1))))
    if cut is not None and draw(st.booleans()):
        data = data[:cut]
    return (
        draw(st.sampled_from([b"", b" ", b"\xef\xbb\xbf"]))
        + data
        + draw(st.sampled_from([b"", b"", b"\r", b",", b" ", b"]"]))
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(damaged_line(), min_size=2, max_size=25), gz=st.booleans())
def test_generated_files_are_equivalent(tmp_path: Path, lines: list[bytes], gz: bool) -> None:
    assert_equivalent(write(tmp_path, [b"[" + TEXT.encode() + b"]", *lines], gz=gz))


@given(
    st.binary(max_size=40)
    | st.lists(st.sampled_from([b"[1]", b"{}", b" ", b"", b"x"])).map(b"\n".join)
)
def test_is_json_lines_matches_read_documents(data: bytes) -> None:
    assert is_json_lines(data) == _is_json_lines(data)


@given(st.lists(st.integers(0, MAX_CLIENT_TS_MS), max_size=50))
def test_event_at_is_the_rows_derivation(values: list[int]) -> None:
    c = contract("player_event")
    expected = [to_row(c, {"client_ts_ms": v}, ingested_at=RECEIVED_AT)["event_at"] for v in values]
    micros = event_at_micros(np.array(values, dtype=np.int64))
    got = pa.array(micros, pa.int64()).cast(pa.timestamp("us", tz="UTC")).to_pylist()
    assert got == expected


# --- the simulator's output --------------------------------------------------------------------


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    faults = ["malformed_json=0.03", "contract_violation=0.03", "duplicate=0.05"]
    argv = ["simulate", "--out", str(out), "--viewers", "80", "--hours", "2", "--seed", "7", "-q"]
    argv += ["--cdn-sample", "0"] + [x for f in faults for x in ("--fault", f)]
    assert simulator_cli.main(argv) == 0
    return out


def test_simulated_beacons_with_faults_are_equivalent(simulated: Path) -> None:
    files = sorted(simulated.glob("player/**/*.jsonl.gz"))
    assert files
    total_rows = total_letters = 0
    for path in files:
        rows, letters = assert_equivalent(str(path))
        total_rows += len(rows)
        total_letters += len(letters)
    totals = json.loads((simulated / "truth" / "faults.json").read_text())["totals"]["beacon"]
    assert total_rows == totals["expected_landed"]
    assert total_letters == totals["expected_dead_letter"]
    assert total_letters > 10


def test_read_time_is_copied_into_dead_letters(tmp_path: Path) -> None:
    path = write(tmp_path, [line(event()), "[]"], gz=False)
    later = datetime(2030, 1, 1, tzinfo=UTC)
    got = read_beacon_table(path, received_at=later)
    assert [d.letter["received_at"] for _, d in got.dead_letters] == ["2030-01-01T00:00:00Z"]
    assert [d.letter["source"] for _, d in got.dead_letters] == [f"file:{path}:2"]
