"""Viewer sessions (viewer_session.v1): a viewer's views separated by less than the session gap.

The second level of sessionization: final view rows are keyed by viewer_id and each is assigned
the window [started_at, ended_at + gap); Beam's session merging joins overlapping windows, so two
views fall in one session exactly when the second starts less than `gap_seconds` after the first
ended, however long each view lasted. CMCD-only views have no viewer_id and form no session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import apache_beam as beam
from apache_beam.transforms.window import IntervalWindow, Sessions, WindowFn
from apache_beam.utils.timestamp import Timestamp
from apache_beam.utils.windowed_value import PaneInfoTiming

from pipelines.transforms.views import TriggeredSessionsComposite, pane_version, utc_now
from streamqoe.qoe.viewer_sessions import viewer_session_record
from streamqoe.times import epoch_ms_from_rfc3339


class ViewIntervalSessions(Sessions):
    """Session windows over whole views: element (viewer_id, view row) gets the window
    [started_at, max(ended_at or last_event_at, element timestamp) + gap)."""

    def assign(self, context: Any) -> list[IntervalWindow]:
        _, view = context.element
        start = Timestamp(micros=epoch_ms_from_rfc3339(view["started_at"]) * 1000)
        end = Timestamp(
            micros=epoch_ms_from_rfc3339(view.get("ended_at") or view["last_event_at"]) * 1000
        )
        end = max(end, context.timestamp, start)
        return [IntervalWindow(start, end + self.gap_size)]

    def to_runner_api_parameter(self, context: Any) -> tuple[str, Any]:
        """Serialize as a pickled WindowFn: the standard session URN would be rebuilt by the
        runner as a plain Sessions, losing the view-interval assignment."""
        return WindowFn.to_runner_api_parameter(self, context)


def key_final_view(view: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(viewer_id, view) for final views of known viewers."""
    if view["is_final"] and view.get("viewer_id"):
        yield view["viewer_id"], view


class BuildViewerSessionFn(beam.DoFn):
    """In: (viewer_id, view rows) of one pane. Out: a viewer_session.v1 row."""

    def __init__(self, clock: Callable[[], str] = utc_now):
        self.clock = clock

    def process(
        self,
        element: tuple[str, Iterable[Mapping[str, Any]]],
        pane: Any = beam.DoFn.PaneInfoParam,
    ) -> Iterator[dict[str, Any]]:
        views = list(element[1])
        yield viewer_session_record(
            views,
            is_final=pane.timing != PaneInfoTiming.EARLY,
            version=pane_version(len(views), pane.timing),
            updated_at=self.clock(),
        )


class SessionizeViewers(TriggeredSessionsComposite):
    """In: PCollection[views row] (any windowing). Out: PCollection[viewer_session.v1 row],
    windows of ViewIntervalSessions(`gap_seconds`) per viewer_id, early panes every
    `early_firing_seconds`, late panes up to `allowed_lateness_seconds`, accumulating; version =
    2 x view rows so far + 1 for watermark panes."""

    def expand(self, views: beam.PCollection) -> beam.PCollection:
        keyed = views | "KeyFinalViewsByViewer" >> beam.FlatMap(key_final_view)
        sessions = self.group_in_sessions(
            keyed,
            ViewIntervalSessions(self.gap_seconds),
            window_label="ViewerSessionWindows",
            group_label="GroupByViewer",
        )
        return sessions | "BuildViewerSessionFn" >> beam.ParDo(BuildViewerSessionFn(self.clock))
