"""Parse StreamQoE's own JSON beacon into player_event records.

A beacon is the body a player integration posts: one event object, or an array of event objects (a
batch). Each event already has the player_event.v1 shape, so parsing is strict JSON decoding plus
contract validation, element by element: a bad element becomes its own dead letter (with its index
in `attributes.element_index`) and never takes the rest of the batch with it. An empty array is one
dead letter (`EmptyBatch`), so every beacon leaves at least one outcome.

Left out: enrichment the collector adds from the request (country, asn, isp) and deduplication on
(view_id, sequence_number), which the pipeline does.
"""

from __future__ import annotations

import logging
from typing import Any

from streamqoe.ingest.outcome import IngestError, Outcome, UnitContext, unit_parser
from streamqoe.ingest.payload import kind, load_json_bytes

logger = logging.getLogger(__name__)

CONTRACT = "player_event"


def _event(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise IngestError("UnexpectedShape", f"event is a {kind(item)}, not an object")
    return item


def _build(raw: bytes, ctx: UnitContext) -> list[Outcome]:
    doc = load_json_bytes(raw)
    if isinstance(doc, dict):
        return [ctx.finish(CONTRACT, doc, raw)]
    if not isinstance(doc, list):
        raise IngestError("UnexpectedShape", f"beacon is a {kind(doc)}, not an object or array")
    return ctx.each(doc, CONTRACT, _event, pure=True)


parse_beacon = unit_parser(
    "parse_beacon",
    CONTRACT,
    _build,
    "Parse one beacon body into one outcome per event (one dead letter if the body is bad).",
    __name__,
)
