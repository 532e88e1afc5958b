"""Fixes to Beam 2.77's local streaming runner (BundleBasedDirectRunner), used by
pipelines/streaming.py on that runner only; Dataflow needs none of them.

Beam's streaming DirectRunner processes everything in one thread and, as shipped, neither keeps
pace (10 Pub/Sub messages per bundle: a few dozen events per second) nor bounded state (windows
whose trigger fires late panes are never cleared; keys are never forgotten). The fixes, none of
which changes what the pipeline computes (docs/pipelines.md#streaming-semantics, measured by
bench/streaming_bench.py):

- pubsub_read: reads drain what a subscription holds per bundle;
- state_keeper: expires windows past end + allowed lateness, prunes empty keys, batches timer
  firings, counts held state;
- tuning: cheaper equivalents of four runner internals called per key or bundle.
"""

from __future__ import annotations

import logging
import uuid

from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from beam_local_runner.pubsub_read import (
    LOCAL_BUNDLE_MAX_MESSAGES,
    PULL_STATS,
    LocalPull,
    read_subscription,
    register_draining_read,
)
from beam_local_runner.state_keeper import HeldState, keep_state, local_state_keeper
from beam_local_runner.tuning import tune_local_runner
from pipelines.options import STREAMING_RUNNER

__all__ = [
    "PULL_STATS",
    "HeldState",
    "LocalPull",
    "is_local_runner",
    "keep_state",
    "local_pull",
    "local_state_keeper",
    "read_subscription",
]


def is_local_runner(options: PipelineOptions) -> bool:
    """Whether `options` name the local streaming runner (BundleBasedDirectRunner)."""
    runner = options.view_as(StandardOptions).runner
    name = runner if isinstance(runner, str) else type(runner).__name__
    return name is not None and name.rsplit(".", 1)[-1] == STREAMING_RUNNER


class PaneTimingWarningFilter(logging.Filter):
    """Drops the trigger driver's "Watermark moved backwards in time or late data moved window
    end forward": logged for every pane of a session window that late data (within the allowed
    lateness) extended after its on-time pane, i.e. for routine traffic here. It only concerns
    the pane's timing label (such a pane is labelled early): a view's `version`
    (views.pane_version) still grows, since the pane holds more elements than the last one."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Watermark moved backwards in time")


_PANE_TIMING_FILTER = PaneTimingWarningFilter()


def local_pull(options: PipelineOptions) -> LocalPull | None:
    """On the local runner: install the draining read and the runner tuning (once per process),
    quiet the trigger driver's pane-timing warning, and return the LocalPull the pipeline's reads
    share; None on any other runner."""
    if not is_local_runner(options):
        return None
    register_draining_read()
    tune_local_runner()
    logging.getLogger("apache_beam.transforms.trigger").addFilter(_PANE_TIMING_FILTER)
    return LocalPull(LOCAL_BUNDLE_MAX_MESSAGES, uuid.uuid4().hex)
