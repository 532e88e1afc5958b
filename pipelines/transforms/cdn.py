"""Per-minute delivery aggregates per CDN edge PoP (cdn_pop_minute.v1).

In: deduplicated cdn_request records stamped with request_at. Sums come from
streamqoe.qoe.cdn, so the composite only keys, windows and formats.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import apache_beam as beam
from apache_beam.transforms.window import FixedWindows

from pipelines.transforms.minutes import MINUTE_SECONDS, FormatMinuteFn
from pipelines.transforms.parse import event_time_ms
from pipelines.transforms.views import ToGlobalWindow, TriggeredComposite
from streamqoe.qoe.cdn import (
    add_cdn_request,
    cdn_pop_minute_record,
    merge_cdn_accumulators,
    new_cdn_accumulator,
)
from streamqoe.qoe.minutes import UNKNOWN
from streamqoe.times import minute_start_ms


def cdn_pop_key(request: Mapping[str, Any]) -> tuple[str, str]:
    """(cdn, pop), pop '(unknown)' when the log does not say."""
    return request["cdn"], request.get("pop") or UNKNOWN


def minute_cdn_pop_key(request: Mapping[str, Any]) -> tuple[int, str, str]:
    """(minute start ms, cdn, pop) of a request."""
    return (minute_start_ms(event_time_ms("cdn_request", request)), *cdn_pop_key(request))


class SumCdnRequestsFn(beam.CombineFn):
    """Sum cdn_request records into a CDN PoP minute accumulator."""

    def create_accumulator(self) -> dict[str, Any]:
        return new_cdn_accumulator()

    def add_input(self, acc: dict[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
        return add_cdn_request(acc, request)

    def merge_accumulators(self, accs: Any) -> dict[str, Any]:
        return merge_cdn_accumulators(accs)

    def extract_output(self, acc: dict[str, Any]) -> dict[str, Any]:
        return acc


class FormatCdnPopMinuteFn(FormatMinuteFn):
    """In: ((cdn, pop), accumulator) in a one-minute window, or ((minute start ms, cdn, pop),
    accumulator) in the global window (batch). Out: a cdn_pop_minute.v1 row."""

    def minute_record(
        self, minute_ms: int, values: tuple[Any, ...], acc: dict[str, Any], **pane_fields: Any
    ) -> dict[str, Any]:
        cdn, pop = values
        return cdn_pop_minute_record(
            window_start_ms=minute_ms, cdn=cdn, pop=pop, acc=acc, **pane_fields
        )


class AggregateCdnPopMinute(TriggeredComposite):
    """In: PCollection[cdn_request] with request-time timestamps (deduplicated).
    Out: PCollection[cdn_pop_minute.v1 row] per (cdn, pop), one-minute fixed windows, early
    panes every `early_firing_seconds`, late panes up to `allowed_lateness_seconds`,
    accumulating; version = pane index."""

    def expand(self, requests: beam.PCollection) -> beam.PCollection:
        if requests.is_bounded:
            # Batch: the minute goes into the key, one final pane per key in the global window.
            return (
                requests
                | "KeyByMinuteCdnPop" >> beam.WithKeys(minute_cdn_pop_key)
                | "GlobalWindow" >> ToGlobalWindow()
                | "SumCdnRequests" >> beam.CombinePerKey(SumCdnRequestsFn())
                | "FormatCdnPopMinuteFn" >> beam.ParDo(FormatCdnPopMinuteFn(self.clock))
            )
        return (
            requests
            | "KeyByCdnPop" >> beam.WithKeys(cdn_pop_key)
            | "MinuteWindows"
            >> self.windowing(FixedWindows(MINUTE_SECONDS), bounded=requests.is_bounded)
            | "SumCdnRequests" >> beam.CombinePerKey(SumCdnRequestsFn())
            | "FormatCdnPopMinuteFn" >> beam.ParDo(FormatCdnPopMinuteFn(self.clock))
        )
