"""One row per transcode job (transcode_job.v1) from its events: latest state, times, outputs.

Events are grouped per (provider, job_id) in session windows with a long gap (a job or a live
channel is one session of activity), deduplicated in the group on their identity (event_id, else
job_id + provider_state + event_at), and turned into a row by streamqoe.qoe.transcode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import apache_beam as beam
from apache_beam.transforms.window import Sessions

from pipelines.transforms.views import TriggeredSessionsComposite, pane_version, utc_now
from streamqoe.qoe.transcode import transcode_job_record


def job_key(event: Mapping[str, Any]) -> tuple[str, str]:
    """(provider, job_id)."""
    return event["provider"], event["job_id"]


class BuildTranscodeJobFn(beam.DoFn):
    """In: ((provider, job_id), events) of one pane. Out: a transcode_job.v1 row."""

    def __init__(self, clock: Callable[[], str] = utc_now):
        self.clock = clock

    def process(
        self,
        element: tuple[tuple[str, str], Iterable[Mapping[str, Any]]],
        pane: Any = beam.DoFn.PaneInfoParam,
    ) -> Iterator[dict[str, Any]]:
        events = list(element[1])
        yield transcode_job_record(
            events, version=pane_version(len(events), pane.timing), updated_at=self.clock()
        )


class BuildTranscodeJobs(TriggeredSessionsComposite):
    """In: PCollection[transcode_event] with event-time timestamps. Out: PCollection[
    transcode_job.v1 row], session windows per (provider, job_id) with `gap_seconds`, early panes
    every `early_firing_seconds`, late panes up to `allowed_lateness_seconds`, accumulating;
    version = 2 x events so far + 1 for watermark panes (grows across session merges)."""

    def expand(self, events: beam.PCollection) -> beam.PCollection:
        keyed = events | "KeyByJob" >> beam.WithKeys(job_key)
        jobs = self.group_in_sessions(
            keyed,
            Sessions(self.gap_seconds),
            window_label="JobSessionWindows",
            group_label="GroupByJob",
        )
        return jobs | "BuildTranscodeJobFn" >> beam.ParDo(BuildTranscodeJobFn(self.clock))
