"""Fixes to Beam 2.77's local streaming runner (BundleBasedDirectRunner), imported by
pipelines/streaming.py on that runner only (pipelines.options.is_local_runner); every other
runner (Dataflow, Prism, FnApiRunner) runs Beam as is and never imports this package, and the
Dataflow image does not contain it (infra/dataflow/Dockerfile).

Beam's streaming DirectRunner processes everything in one thread and, as shipped, neither keeps
pace (10 Pub/Sub messages per bundle: a few dozen events per second) nor bounded state (windows
whose trigger fires late panes are never cleared; keys are never forgotten). The fixes, none of
which changes what the pipeline computes (docs/pipelines.md#streaming-semantics, measured by
`python -m bench.streaming`), each documented next to the upstream behaviour it works around (Beam
source location, upstream issue, when to delete it):

- pubsub_read: reads drain what a subscription holds per bundle (evaluator registry override);
- state_keeper: expires windows past end + allowed lateness, prunes empty keys, batches timer
  firings, counts held state (hook on the run's evaluation context);
- tuning: cheaper equivalents of four runner internals called per key or bundle (replaced
  methods of InMemoryUnmergedState, _CombiningValueStateTag and _TransformWatermarks).

All of it patches private Beam code, so it is written for exactly one Beam version
(beam_version.SUPPORTED_BEAM_VERSION): importing this package, and every call that patches,
raises UnsupportedBeamVersion on any other, before anything is patched.
"""

from __future__ import annotations

from beam_local_runner.beam_version import (
    SUPPORTED_BEAM_VERSION,
    UnsupportedBeamVersion,
    check_beam_version,
)

# Before the submodules import Beam's private names (which another version may not have).
check_beam_version()

import logging  # noqa: E402
import uuid  # noqa: E402

from apache_beam.options.pipeline_options import PipelineOptions  # noqa: E402

from beam_local_runner.pubsub_read import (  # noqa: E402
    LOCAL_BUNDLE_MAX_MESSAGES,
    PULL_STATS,
    LocalPull,
    read_subscription,
    register_draining_read,
)
from beam_local_runner.state_keeper import HeldState, keep_state, local_state_keeper  # noqa: E402
from beam_local_runner.tuning import tune_local_runner  # noqa: E402

# Re-exported: the decision lives in pipelines.options so that streaming can make it without
# importing this package.
from pipelines.options import is_local_runner  # noqa: E402

__all__ = [
    "PULL_STATS",
    "SUPPORTED_BEAM_VERSION",
    "HeldState",
    "LocalPull",
    "UnsupportedBeamVersion",
    "check_beam_version",
    "is_local_runner",
    "keep_state",
    "local_pull",
    "local_state_keeper",
    "read_subscription",
]


class PaneTimingWarningFilter(logging.Filter):
    """Not a fix, a quieter log. Drops the warning "Watermark moved backwards in time or late
    data moved window end forward" of apache_beam/transforms/trigger.py:
    GeneralTriggerDriver._output, logged for every pane of a session window that late data
    (within the allowed lateness) extended after its on-time pane, i.e. for routine traffic here.
    It only concerns the pane's timing label (such a pane is labelled early): a view's `version`
    (views.pane_version) still grows, since the pane holds more elements than the last one.
    Upstream issue: none found. Delete when Beam stops logging it for this case."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Watermark moved backwards in time")


_PANE_TIMING_FILTER = PaneTimingWarningFilter()


def local_pull(options: PipelineOptions) -> LocalPull | None:
    """On the local runner: install the draining read and the runner tuning (once per process),
    quiet the trigger driver's pane-timing warning, and return the LocalPull the pipeline's reads
    share; None on any other runner.

    Raises:
        UnsupportedBeamVersion: Beam is not SUPPORTED_BEAM_VERSION (nothing is installed).
    """
    if not is_local_runner(options):
        return None
    check_beam_version()
    register_draining_read()
    tune_local_runner()
    logging.getLogger("apache_beam.transforms.trigger").addFilter(_PANE_TIMING_FILTER)
    return LocalPull(LOCAL_BUNDLE_MAX_MESSAGES, uuid.uuid4().hex)
