"""Format player events as StreamQoE beacons (schemas/player_event.v1.json), batched as an SDK sends them.

An SDK flushes its queue every BATCH_FLUSH_MS (timeline.py) and at exit; one flush is one POST
body, a JSON array of events, and one line of a beacons file (one Pub/Sub message when streamed).
When `enrich` is set, each event also carries country/asn/isp, as the collector adds them from the
sender's address before publishing. Faults (faults.py) are applied here, per batch and per event,
and counted per output line. Text is built in bulk (`event_pieces`: columns of pieces interleaved
and joined once, as in columns.py); `format_events` is the per-event reference the tests compare
it with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from streamqoe.simulator import columns as col
from streamqoe.simulator import faults as fl
from streamqoe.simulator.config import FaultRates
from streamqoe.simulator.player import (
    OUTCOME_START_FAILURE,
    PLAYBACK_ERROR_CODES,
    START_ERROR_CODES,
    ChunkSim,
)
from streamqoe.simulator.timeline import ERROR, EVENT_TYPES, PLAYING, Events
from streamqoe.simulator.world import CDN_NAMES, COUNTRIES, DEVICES, LADDERS, World

SCHEMA_VERSION = "1.0"
NETWORK_DELAY_MS = (20, 400)
ERROR_MESSAGES = {
    "MANIFEST_LOAD_ERROR": "Failed to load the master playlist (HTTP 503)",
    "NETWORK_ERROR_503": "Network error: the server answered 503 three times",
    "MANIFEST_PARSING_ERROR": "No EXT-X-STREAM-INF in the master playlist",
    "FRAG_LOAD_ERROR": "Fragment load failed after 3 retries (HTTP 504)",
    "BUFFER_STALLED_ERROR": "Playback stalled and could not recover",
    "MEDIA_ERR_DECODE": "The media could not be decoded",
}


@dataclass
class Delivered:
    """Output lines of one kind for a chunk, each with its delivery time and fault accounting."""

    lines: list[str]
    arrival_ms: np.ndarray
    view: np.ndarray  # chunk view index
    events: np.ndarray  # units parseable in the line (0 when malformed)
    violations: np.ndarray  # events in the line that break the contract
    malformed: np.ndarray  # bool: the line cannot be parsed
    malformed_units: np.ndarray  # units lost inside a malformed line
    duplicate: np.ndarray  # bool: a second delivery of an earlier line
    late: np.ndarray  # bool
    out_of_order: np.ndarray  # bool


def _s(value: object) -> str:
    return json.dumps(value)


def view_prefixes(world: World, sched_fields: dict, sim: ChunkSim, enrich: bool) -> list[str]:
    """Return, per view, the JSON text of the fields every event of that view repeats."""
    vw, cat = world.viewers, world.catalog
    out = []
    for i in range(sim.n):
        v, c = sched_fields["viewer"][i], sched_fields["content"][i]
        d = DEVICES[vw.device[v]]
        parts = [
            f'{{"schema_version":"{SCHEMA_VERSION}","view_id":"{sched_fields["view_id"][i]}"',
            f'"viewer_id":"{vw.viewer_id[v]}","session_id":"{sched_fields["session_id"][i]}"',
            f'"content_id":"{cat.content_id[c]}","content_title":{_s(cat.title[c])}',
            f'"stream_type":"{"live" if cat.is_live[c] else "vod"}"',
            f'"player_name":{_s(d[9])},"player_version":{_s(d[10])},"device_type":{_s(d[1])}',
            f'"device_model":{_s(d[2])},"os_name":{_s(d[3])},"os_version":{_s(d[4])}',
            f'"browser_name":{_s(d[5])},"browser_version":{_s(d[6])},"app_name":{_s(d[7])}',
            f'"app_version":{_s(d[8])},"cdn":"{CDN_NAMES[vw.cdn[v]]}"',
        ]
        if enrich:
            isp = vw.isp[v]
            parts.append(
                f'"country":"{COUNTRIES[vw.country[v]][0]}","asn":{int(world.isp_asn[isp])}'
                f',"isp":{_s(world.isp_name[isp])}'
            )
        out.append(",".join(parts))
    return out


def rendition_json(ladder: int, rung: int) -> str:
    """Return the `rendition` object text of one ladder rung."""
    _, w, h, _, codec, fps = LADDERS[ladder][rung]
    return f'{{"width":{w},"height":{h},"codec":"{codec}","fps":{fps}}}'


def format_events(
    ev: Events,
    sim: ChunkSim,
    prefixes: list[str],
    ladders: np.ndarray,
    skew_ms: np.ndarray,
    live_start_ms: np.ndarray,
) -> list[str]:
    """Return one JSON object text per event (true state, client clock = true + skew)."""
    rend = {
        (li, r): (str(LADDERS[li][r][3]), rendition_json(li, r))
        for li in range(len(LADDERS))
        for r in range(len(LADDERS[li]))
    }
    client_ts = ev.t + skew_ms[ev.view]
    out = []
    append = out.append
    start_failed = (sim.outcome == OUTCOME_START_FAILURE).tolist()
    for v, ts, typ, seq, ph, buf, rung, thr, extra, t in zip(
        ev.view.tolist(),
        client_ts.tolist(),
        ev.type.tolist(),
        ev.seq.tolist(),
        ev.playhead_ms.tolist(),
        ev.buffer_ms.tolist(),
        ev.rung.tolist(),
        ev.throughput_kbps.tolist(),
        ev.extra.tolist(),
        ev.t.tolist(),
        strict=True,
    ):
        if rung >= 0:
            br, rj = rend[ladders[v], rung]
        else:
            br = rj = "null"
        tail = ""
        if extra >= 0:
            if typ == PLAYING:
                tail = f',"startup_ms":{extra}'
            elif typ == ERROR:
                code = (START_ERROR_CODES if start_failed[v] else PLAYBACK_ERROR_CODES)[extra]
                tail = f',"error_fatal":true,"error_code":"{code}","error_message":"{ERROR_MESSAGES[code]}"'
        ls = live_start_ms[v]
        if ls:
            tail += f',"live_latency_ms":{t - ls - ph}'
        append(
            f'{prefixes[v]},"event_type":"{EVENT_TYPES[typ]}","client_ts_ms":{ts},"sequence_number":{seq}'
            f',"playhead_ms":{ph},"buffer_length_ms":{buf},"bitrate_kbps":{br},"rendition":{rj}'
            f',"throughput_kbps":{"null" if thr < 0 else thr}{tail}}}'
        )
    return out


class EventPieces:
    """The JSON text of a chunk's events, held as interleaved pieces (see columns.py).

    Event i is `"".join(flat[i * k + 1 : (i + 1) * k])`; piece 0 of each event is left for the
    batch separator (`[` or `,`) and the last piece ends the object (and the batch: `}]\n`).
    """

    def __init__(self, flat: list[str], k: int, n: int):
        self.flat, self.k, self.n = flat, k, n

    def text(self, i: int) -> str:
        """Return event i's JSON object text."""
        return "".join(self.flat[i * self.k + 1 : (i + 1) * self.k]).removesuffix("]\n")

    def batch_lines(self, new_batch: np.ndarray, replace: dict[int, str]) -> list[str]:
        """Return one JSON array line per batch; `replace` maps an event to its replacement text."""
        if self.n == 0:
            return []
        k, flat = self.k, self.flat
        last = np.r_[new_batch[1:], True]
        flat[0::k] = np.where(new_batch, "[", ",").tolist()
        flat[k - 1 :: k] = np.where(last, "}]\n", "}").tolist()
        for i, text in replace.items():
            end = "]\n" if last[i] else ""
            flat[i * k + 1 : (i + 1) * k] = [text + end] + [""] * (k - 2)
        return "".join(flat).split("\n")[:-1]


def event_pieces(
    ev: Events,
    sim: ChunkSim,
    prefixes: list[str],
    ladders: np.ndarray,
    skew_ms: np.ndarray,
    live_start_ms: np.ndarray,
) -> EventPieces:
    """Return the events' JSON texts as pieces: the text of format_events, without a loop per event.

    Args and values as in format_events (which stays as the reference, see the tests).
    """
    n = ev.n
    width = max(len(lad) for lad in LADDERS)
    rend = ['null,"rendition":null'] * (len(LADDERS) * width + 1)
    for li, lad in enumerate(LADDERS):
        for r in range(len(lad)):
            rend[li * width + r] = f'{lad[r][3]},"rendition":{rendition_json(li, r)}'
    ladders = np.asarray(ladders, np.int64)
    rung_key = np.where(ev.rung >= 0, ladders[ev.view] * width + ev.rung, len(rend) - 1)
    thr = col.objects(col.ints(ev.throughput_kbps))
    thr[ev.throughput_kbps < 0] = "null"
    tail = np.full(n, "", dtype=object)
    start_failed = sim.outcome == OUTCOME_START_FAILURE
    first = np.flatnonzero((ev.extra >= 0) & (ev.type == PLAYING))
    tail[first] = [f',"startup_ms":{x}' for x in ev.extra[first].tolist()]
    for i in np.flatnonzero((ev.extra >= 0) & (ev.type == ERROR)).tolist():
        v = int(ev.view[i])
        code = (START_ERROR_CODES if start_failed[v] else PLAYBACK_ERROR_CODES)[int(ev.extra[i])]
        tail[i] = (
            f',"error_fatal":true,"error_code":"{code}","error_message":"{ERROR_MESSAGES[code]}"'
        )
    ls = live_start_ms[ev.view]
    lv = np.flatnonzero(ls != 0)
    latency = (ev.t - ls - ev.playhead_ms)[lv]
    tail[lv] = tail[lv] + col.objects([f',"live_latency_ms":{x}' for x in latency.tolist()])
    types = col.objects([f',"event_type":"{t}","client_ts_ms":' for t in EVENT_TYPES])
    pieces: list[col.Piece] = [
        "",
        col.take(prefixes, ev.view),
        col.take(types, ev.type),
        col.ints(ev.t + skew_ms[ev.view]),
        ',"sequence_number":',
        col.ints(ev.seq),
        ',"playhead_ms":',
        col.ints(ev.playhead_ms),
        ',"buffer_length_ms":',
        col.ints(ev.buffer_ms),
        ',"bitrate_kbps":',
        col.take(rend, rung_key),
        ',"throughput_kbps":',
        thr.tolist(),
        tail.tolist(),
        "}",
    ]
    k = len(pieces)
    flat: list[str] = [""] * (n * k)
    for j, piece in enumerate(pieces):
        flat[j::k] = [piece] * n if isinstance(piece, str) else piece
    return EventPieces(flat, k, n)


def batch_lines(
    ev: Events, texts: EventPieces, rates: FaultRates, rng: np.random.Generator
) -> tuple[Delivered, dict[str, np.ndarray]]:
    """Group event texts into SDK batches, inject faults, and return lines plus per-view counts.

    Returns:
        The delivered lines, and per chunk-view arrays: fault_duplicate_events,
        fault_malformed_lost_events, fault_contract_violation_events, fault_late_batches,
        fault_out_of_order_batches.
    """
    n_ev = ev.n
    bad = fl.choose(rng, n_ev, rates.contract_violation)
    kinds = rng.integers(0, len(fl.VIOLATIONS), size=n_ev)
    replace = {i: fl.violate(texts.text(i), int(kinds[i])) for i in np.flatnonzero(bad).tolist()}
    new_batch = (
        np.r_[True, (ev.view[1:] != ev.view[:-1]) | (ev.batch[1:] != ev.batch[:-1])]
        if n_ev
        else np.zeros(0, bool)
    )
    starts = np.flatnonzero(new_batch)
    ends = np.r_[starts[1:], n_ev] if n_ev else np.zeros(0, np.int64)
    nb = len(starts)
    b_view = ev.view[starts]
    b_events = ends - starts
    b_viol = np.add.reduceat(bad.astype(np.int64), starts) if nb else np.zeros(0, np.int64)
    lines = texts.batch_lines(new_batch, replace)
    malformed = fl.choose(rng, nb, rates.malformed_json)
    cut_u = rng.random(nb)
    for i in np.flatnonzero(malformed).tolist():
        lines[i] = fl.truncate(lines[i], float(cut_u[i]))
    ooo = fl.choose(rng, nb, rates.out_of_order)
    late = fl.choose(rng, nb, rates.late)
    dup = fl.choose(rng, nb, rates.duplicate)
    arrival = ev.send_t[starts] + rng.integers(*NETWORK_DELAY_MS, size=nb)
    arrival = arrival + fl.arrival_delays(rng, nb, ooo, late, rates.late_max_hours)
    d_idx = np.flatnonzero(dup)
    d_arrival = arrival[d_idx] + rng.integers(*fl.DUPLICATE_DELAY_MS, size=len(d_idx))
    all_lines = lines + [lines[i] for i in d_idx.tolist()]
    idx = np.r_[np.arange(nb), d_idx]
    is_dup = np.r_[np.zeros(nb, bool), np.ones(len(d_idx), bool)]
    mal = malformed[idx]
    delivered = Delivered(
        lines=all_lines,
        arrival_ms=np.r_[arrival, d_arrival].astype(np.int64),
        view=b_view[idx],
        events=np.where(mal, 0, b_events[idx]),
        violations=np.where(mal, 0, b_viol[idx]),
        malformed=mal,
        malformed_units=np.where(mal, b_events[idx], 0),
        duplicate=is_dup,
        late=np.r_[late, np.zeros(len(d_idx), bool)],
        out_of_order=np.r_[ooo, np.zeros(len(d_idx), bool)],
    )
    n_views = int(ev.view.max()) + 1 if n_ev else 0
    counts = per_view_counts(delivered, n_views)
    return delivered, counts


def per_view_counts(d: Delivered, n_views: int) -> dict[str, np.ndarray]:
    """Sum a chunk's delivered lines into per-view fault counts."""

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(d.view, weights=values.astype(np.int64), minlength=n_views).astype(
            np.int64
        )

    first = ~d.duplicate
    return {
        "fault_duplicate_events": total(np.where(d.duplicate, d.events, 0)),
        "fault_malformed_lost_events": total(np.where(first, d.malformed_units, 0)),
        "fault_contract_violation_events": total(np.where(first, d.violations, 0)),
        "fault_late_batches": total(d.late),
        "fault_out_of_order_batches": total(d.out_of_order),
    }
