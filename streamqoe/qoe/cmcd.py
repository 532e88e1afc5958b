"""Map CMCD v2 event-mode reports of one session onto the QoE timeline of streamqoe.qoe.timeline.

A CMCD-only player (no StreamQoE beacon) still sends CTA-5004-B event reports: play-state changes
(`e=ps` with `sta`), time-interval reports (`e=t`), bitrate changes (`e=bc`) and errors (`e=e`).
Each report becomes one event in the beacon vocabulary and goes through the same state machine, so a
CMCD view and the equivalent beacon view get the same figures. The mapping:

    sta  s starting -> play_request    p playing  -> playing      a paused -> pause
         k seeking  -> seek_start      r rebuffer -> rebuffer_start
         e ended    -> ended           f fatal    -> error (fatal, ec as error_code)
         q quit     -> exit            w waiting  -> pause        d preloading -> dropped
    no sta: e=bc -> bitrate_change, e=e -> error (not fatal), anything else -> heartbeat
    keys: sid -> view_id, cid -> content_id, st -> stream_type (v vod, l/ll live), ts -> client_ts_ms,
          pb (else br) -> bitrate_kbps, pt -> playhead_ms, bl -> buffer_length_ms, msd -> startup_ms,
          dfa -> dropped_frames, mtp -> throughput_kbps, ltc -> live_latency_ms, pr -> playback_rate;
          tb (highest seen) -> Timeline.top_bitrate_kbps for quality_score.

`sta=p` after `r` or `k` ends the stall or seek (CMCD has no rebuffer_end or seek_end); `sta=p` after
`a` is a resume. Reports repeating the current state are harmless: the state machine ignores them.

Left out: request- and response-mode reports (they describe requests, not the player state; the CDN
join uses them), the buffer-starvation keys bs/bsa/bsd/bsda (a cross-check of `sta=r`, not a second
source), and v1 sessions, which carry no play state.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from streamqoe.qoe.state_machine import build_timeline
from streamqoe.qoe.timeline import INACTIVITY_GAP_MS, Timeline
from streamqoe.qoe.views import view_record

logger = logging.getLogger(__name__)

STA_EVENT_TYPES = {
    "s": "play_request",
    "p": "playing",
    "a": "pause",
    "w": "pause",
    "k": "seek_start",
    "r": "rebuffer_start",
    "e": "ended",
    "f": "error",
    "q": "exit",
}
"""CMCD player state (sta) -> player_event event_type of the transition into that state."""
PRELOADING_STA = "d"
"""sta of a player preloading before any play request: not part of the view."""
CMCD_EVENT_TYPES = {"bc": "bitrate_change", "e": "error"}
"""CMCD event type (e) -> event_type, for reports without sta; any other e is a heartbeat."""
STREAM_TYPES = {"v": "vod", "l": "live", "ll": "live"}
"""CMCD stream type (st) -> stream_type."""


def _cmcd_of(report: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The CMCD keys of a cmcd_report record (event mode only) or of a bare cmcd dict."""
    if "report_mode" in report:
        return report["cmcd"] if report["report_mode"] == "event" else None
    return report


def events_from_cmcd(reports: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Turn one session's CMCD v2 event reports into player-event-shaped dicts.

    Args:
        reports: cmcd.v1 dicts (or cmcd_report.v1 records) of one sid, any order, duplicates
            allowed. Reports without `ts` cannot be placed in time and are skipped, as are
            preloading (`sta=d`) reports and non-event-mode records.

    Returns:
        Events in (ts, sn) order, deduplicated on `sn` (on the whole report when `sn` is missing),
        numbered 0.. in `sequence_number`. They carry only the fields CMCD can fill, so they are
        inputs to build_timeline, not contract-valid player_event records.
    """
    seen: set[Any] = set()
    kept: list[tuple[int, int, int, Mapping[str, Any]]] = []
    for index, report in enumerate(reports):
        cmcd = _cmcd_of(report)
        if cmcd is None or cmcd.get("ts") is None or cmcd.get("sta") == PRELOADING_STA:
            continue
        sn = cmcd.get("sn")
        key = ("sn", sn) if sn is not None else ("report", repr(sorted(cmcd.items())))
        if key in seen:
            continue
        seen.add(key)
        kept.append((cmcd["ts"], -1 if sn is None else sn, index, cmcd))
    kept.sort(key=lambda item: item[:3])
    return [_event(cmcd, number) for number, (*_, cmcd) in enumerate(kept)]


def _event(cmcd: Mapping[str, Any], number: int) -> dict[str, Any]:
    sta = cmcd.get("sta")
    if sta in STA_EVENT_TYPES:
        event_type = STA_EVENT_TYPES[sta]
    else:
        event_type = CMCD_EVENT_TYPES.get(cmcd.get("e") or "", "heartbeat")
    bitrate = cmcd.get("pb") if cmcd.get("pb") is not None else cmcd.get("br")
    return {
        "view_id": cmcd.get("sid"),
        "content_id": cmcd.get("cid"),
        "stream_type": STREAM_TYPES.get(cmcd.get("st") or ""),
        "event_type": event_type,
        "client_ts_ms": cmcd["ts"],
        "sequence_number": number,
        "playhead_ms": cmcd.get("pt"),
        "buffer_length_ms": cmcd.get("bl"),
        "bitrate_kbps": bitrate,
        "throughput_kbps": cmcd.get("mtp"),
        "dropped_frames": cmcd.get("dfa"),
        "playback_rate": cmcd.get("pr"),
        "live_latency_ms": cmcd.get("ltc"),
        "startup_ms": cmcd.get("msd"),
        "error_fatal": (sta == "f") if event_type == "error" else None,
        "error_code": cmcd.get("ec") if event_type == "error" else None,
    }


def build_timeline_from_cmcd(
    reports: Iterable[Mapping[str, Any]],
    *,
    closed: bool = False,
    close_reason: str | None = None,
    inactivity_gap_ms: int = INACTIVITY_GAP_MS,
) -> Timeline:
    """Build the QoE timeline of one CMCD session (sid); arguments as in state_machine.build_timeline.

    Raises:
        ValueError: no usable report, or none carries a sid.
    """
    reports = list(reports)
    events = events_from_cmcd(reports)
    timeline = build_timeline(
        events, closed=closed, close_reason=close_reason, inactivity_gap_ms=inactivity_gap_ms
    )
    tops = [c["tb"] for r in reports if (c := _cmcd_of(r)) is not None and c.get("tb") is not None]
    return replace(timeline, top_bitrate_kbps=max(tops)) if tops else timeline


def compute_view_from_cmcd(
    reports: Iterable[Mapping[str, Any]],
    *,
    closed: bool,
    close_reason: str | None = None,
    inactivity_gap_ms: int = INACTIVITY_GAP_MS,
    top_bitrate_kbps: int | None = None,
) -> dict[str, Any]:
    """Compute the view.v1 record (minus pipeline-owned fields) of a CMCD-only view.

    Args:
        reports: the session's CMCD v2 event reports (view_id = sid); see events_from_cmcd.
        closed, close_reason, inactivity_gap_ms, top_bitrate_kbps: as in views.compute_view.

    Returns:
        The record with source "cmcd"; viewer_id, session_id and the device fields are null (CMCD
        does not carry them); dropped_frame_ratio is null (CMCD has dfa but no decoded count).
    """
    timeline = build_timeline_from_cmcd(
        reports, closed=closed, close_reason=close_reason, inactivity_gap_ms=inactivity_gap_ms
    )
    return view_record(timeline, source="cmcd", top_bitrate_kbps=top_bitrate_kbps)
