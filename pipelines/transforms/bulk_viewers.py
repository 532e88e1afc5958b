"""Viewer sessions of a bounded input in one pass per viewer, without merging windows.

viewers.SessionizeViewers groups final view rows in ViewIntervalSessions windows. On the
FnApiRunner a merging WindowFn that is not a standard one (ViewIntervalSessions is pickled, see its
to_runner_api_parameter) costs one round trip to the SDK worker per merge, which in batch is one
small bundle per viewer with more than one view: seconds of pure overhead for a few thousand
viewers. For a bounded input every window yields exactly one final pane, so SessionizeViewersBounded
groups each viewer's final views in the global window and applies the same WindowFn itself: the
windows come from ViewIntervalSessions.assign and are merged by ViewIntervalSessions.merge (Beam's
Sessions.merge), exactly the calls the runner makes, and each merged window becomes one
viewer_session.v1 row with the fields BuildViewerSessionFn sets for a watermark pane.

Left out: unbounded inputs (they keep SessionizeViewers, with early and late panes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import apache_beam as beam
from apache_beam.transforms.window import BoundedWindow, WindowFn
from apache_beam.utils.timestamp import Timestamp
from apache_beam.utils.windowed_value import PaneInfoTiming

from pipelines.transforms.viewers import ViewIntervalSessions, key_final_view
from pipelines.transforms.views import ToGlobalWindow, pane_version, utc_now
from streamqoe.qoe.viewer_sessions import viewer_session_record


class _RecordedMerges(WindowFn.MergeContext):
    """A MergeContext that remembers where each window went (as Beam's trigger driver does)."""

    def __init__(self, windows: Iterable[BoundedWindow]):
        super().__init__(windows)
        self.merged_away: dict[BoundedWindow, BoundedWindow] = {}

    def merge(self, to_be_merged: Iterable[BoundedWindow], merge_result: BoundedWindow) -> None:
        for window in to_be_merged:
            if window != merge_result:
                self.merged_away[window] = merge_result

    def final(self, window: BoundedWindow) -> BoundedWindow:
        """The window `window` ended up in."""
        while window in self.merged_away:
            window = self.merged_away[window]
        return window


def group_in_windows(
    viewer_id: str, views: Iterable[tuple[Timestamp, Mapping[str, Any]]], windowfn: WindowFn
) -> list[list[Mapping[str, Any]]]:
    """One viewer's (timestamp, view row) pairs grouped as `windowfn` (a merging WindowFn) groups
    them in one pass over all of them: assign, merge once, then the views of each merged window,
    windows in order of start."""
    assigned = []
    for timestamp, view in views:
        context = WindowFn.AssignContext(timestamp, element=(viewer_id, view))
        for window in windowfn.assign(context):
            assigned.append((window, view))
    merges = _RecordedMerges({window for window, _ in assigned})
    windowfn.merge(merges)
    groups: dict[BoundedWindow, list[Mapping[str, Any]]] = defaultdict(list)
    for window, view in assigned:
        groups[merges.final(window)].append(view)
    return [groups[w] for w in sorted(groups, key=lambda w: (w.start, w.end))]


class StampedFinalViewsFn(beam.DoFn):
    """In: a views row. Out: (viewer_id, (its timestamp, row)) for final views of known viewers
    (viewers.key_final_view), the timestamp kept for the window assignment after grouping."""

    def process(
        self, view: Mapping[str, Any], timestamp: Any = beam.DoFn.TimestampParam
    ) -> Iterator[tuple[str, tuple[Timestamp, Mapping[str, Any]]]]:
        for viewer_id, row in key_final_view(view):
            yield viewer_id, (timestamp, row)


class BuildViewerSessionsFn(beam.DoFn):
    """In: (viewer_id, [(timestamp, view row)]) in the global window. Out: one viewer_session.v1
    row per merged window, as BuildViewerSessionFn makes it for a watermark pane."""

    def __init__(self, gap_seconds: float, clock: Callable[[], str] = utc_now):
        self.gap_seconds = gap_seconds
        self.clock = clock

    def process(self, element: tuple[str, Iterable[Any]]) -> Iterator[dict[str, Any]]:
        viewer_id, stamped = element
        windowfn = ViewIntervalSessions(self.gap_seconds)
        for views in group_in_windows(viewer_id, stamped, windowfn):
            yield viewer_session_record(
                views,
                is_final=True,
                version=pane_version(len(views), PaneInfoTiming.ON_TIME),
                updated_at=self.clock(),
            )


class SessionizeViewersBounded(beam.PTransform):
    """In: bounded PCollection[views row], stamped as views.ComputeViewQoe stamps them. Out:
    PCollection[viewer_session.v1 row]: the rows SessionizeViewers gives on a bounded input."""

    def __init__(self, gap_seconds: float, clock: Callable[[], str] = utc_now):
        super().__init__()
        self.gap_seconds = gap_seconds
        self.clock = clock

    def expand(self, views: beam.PCollection) -> beam.PCollection:
        return (
            views
            | "StampedFinalViewsFn" >> beam.ParDo(StampedFinalViewsFn())
            | "GlobalWindow" >> ToGlobalWindow()
            | "GroupByViewer" >> beam.GroupByKey()
            | "BuildViewerSessionsFn"
            >> beam.ParDo(BuildViewerSessionsFn(self.gap_seconds, self.clock))
        )
