"""The streaming pipeline's fixes to the local runner (BundleBasedDirectRunner).

- The Pub/Sub read drains the subscription (beam_local_runner.pubsub_read.drain_subscription) instead of
  Beam's 10 messages per bundle; only on the local runner.
- LocalStateKeeper drops windows past end + allowed lateness and empty key states, which Beam's
  Python trigger driver and the runner keep forever; the trigger driver keeps working on the
  windows left.
- The fixes are imported only on the local runner (a Dataflow build leaves beam_local_runner out
  of sys.modules, in a clean interpreter) and refuse a Beam version other than the one they were
  written for, patching nothing.

See docs/pipelines.md#streaming-semantics; `python -m bench.streaming` measures the effect.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from types import SimpleNamespace

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.runners.direct.clock import TestClock as ManualClock
from apache_beam.runners.direct.evaluation_context import DirectUnmergedState
from apache_beam.testing.test_stream import TestStream as StreamOfElements
from apache_beam.transforms.core import Windowing
from apache_beam.transforms.trigger import (
    AccumulationMode,
    MergeableStateAdapter,
    create_trigger_driver,
)
from apache_beam.transforms.window import IntervalWindow, Sessions, TimestampCombiner
from apache_beam.utils.timestamp import Duration, Timestamp
from apache_beam.utils.windowed_value import WindowedValue
from beam_fixtures import T0_MS, player_event
from google.cloud import pubsub_v1

import beam_local_runner
from beam_local_runner import pubsub_read, state_keeper, tuning
from pipelines import streaming
from pipelines.transforms.dedupe import DedupeEvents
from pipelines.transforms.views import view_trigger

ROOT = Path(__file__).resolve().parents[2]
RUNNER = "BundleBasedDirectRunner"
GAP_S = 10
LATENESS_S = 60


def session_driver():
    windowing = Windowing(
        Sessions(GAP_S),
        triggerfn=view_trigger(30),
        accumulation_mode=AccumulationMode.ACCUMULATING,
        timestamp_combiner=TimestampCombiner.OUTPUT_AT_EOW,
        allowed_lateness=LATENESS_S,
    )
    return create_trigger_driver(windowing, clock=ManualClock())


def at(value: str, second: int) -> WindowedValue:
    return WindowedValue(value, Timestamp(second), [IntervalWindow(second, second + GAP_S)])


def elements(driver, state) -> dict[tuple[float, float], list[str]]:
    merged = MergeableStateAdapter(state)
    return {
        (w.start.micros / 1e6, w.end.micros / 1e6): sorted(merged.get_state(w, driver.ELEMENTS))
        for w in merged.known_windows()
    }


def feed(driver, state, values, watermark: int) -> None:
    list(driver.process_elements(state, values, Timestamp(watermark), Timestamp(watermark)))


def test_expired_session_windows_are_dropped_and_the_rest_keeps_working():
    driver, state = session_driver(), DirectUnmergedState()
    feed(driver, state, [at("a0", 0), at("a5", 5), at("b100", 100)], watermark=0)
    assert elements(driver, state) == {(0, 15): ["a0", "a5"], (100, 110): ["b100"]}

    # Beam ignores window [0, 15) from watermark 15 + 60 on, but keeps its state forever.
    lateness = Duration(LATENESS_S)
    assert state_keeper._expire_windows(state, Timestamp(75), lateness) == 0
    assert state_keeper._expire_windows(state, Timestamp(76), lateness) == 1
    assert elements(driver, state) == {(100, 110): ["b100"]}
    assert not state_keeper._is_empty(state)

    # The window left still merges and accumulates.
    feed(driver, state, [at("b105", 105)], watermark=76)
    assert elements(driver, state) == {(100, 115): ["b100", "b105"]}

    assert state_keeper._expire_windows(state, Timestamp(1000), lateness) == 1
    assert elements(driver, state) == {}
    assert state_keeper._is_empty(state)


def test_a_key_state_with_a_timer_or_a_value_is_not_empty():
    state = DirectUnmergedState()
    assert state_keeper._is_empty(state)
    state.state["w"]["user/seen"] = []  # what a read leaves behind
    assert state_keeper._is_empty(state)
    state.state["w"]["user/version"] = 0  # a value, even a falsy one
    assert not state_keeper._is_empty(state)
    state = DirectUnmergedState()
    state.set_timer("w", "user/expiry", "WATERMARK", Timestamp(1))
    assert not state_keeper._is_empty(state)


def finished_stream_run():
    """A TestStream run to completion through a session GroupByKey with our trigger and a
    stateful DoFn with an expiry timer (DedupeEvents on an unbounded input)."""
    options = PipelineOptions(runner=RUNNER)
    options.view_as(StandardOptions).streaming = True
    p = beam.Pipeline(runner=RUNNER, options=options)
    events = [player_event(f"v{i}", 0, "play_request", T0_MS + i * 1000) for i in range(5)]
    stream = StreamOfElements().advance_watermark_to(T0_MS / 1000)
    for event in events:
        stream = stream.add_elements(
            [beam.window.TimestampedValue(event, event["client_ts_ms"] / 1000)]
        )
    stream = stream.advance_watermark_to_infinity()
    records = p | stream
    _ = (
        records
        | beam.Map(lambda e: (e["view_id"], e))
        | beam.WindowInto(
            Sessions(GAP_S),
            trigger=view_trigger(30),
            accumulation_mode=AccumulationMode.ACCUMULATING,
            allowed_lateness=LATENESS_S,
        )
        | beam.GroupByKey()
    )
    _ = records | DedupeEvents(
        lambda e: e["view_id"], lambda e: e["client_ts_ms"], 3600, "player_event"
    )
    result = p.run()
    result.wait_until_finish()
    return result


def test_keeper_counts_what_beam_keeps_and_collects_it():
    result = finished_stream_run()
    counted = state_keeper.LocalStateKeeper(result, collect_garbage=False).run_once()
    # The stream is over (watermark at infinity) yet Beam still holds every view's window and
    # an empty state object per key of the stateful DoFn.
    assert counted.total().windows >= 5
    assert counted.total().elements == 5
    assert counted.total().keys >= 10

    keeper = state_keeper.LocalStateKeeper(result)
    collected = keeper.run_once()
    ours = {k: v for k, v in collected.steps.items() if not k.startswith("TestStream")}
    assert sum(step.keys for step in ours.values()) == 0
    assert keeper.expired_windows == 5
    assert keeper.pruned_keys >= 10


def test_build_marks_the_reads_only_on_the_local_runner():
    def local_pulls(runner: str) -> list:
        flags = ["--warehouse", "duckdb:/tmp/x.duckdb", "--pubsub_project", "streamqoe-local"]
        options = PipelineOptions(["--runner", runner, *flags])
        pipeline = beam.Pipeline(options=options)
        streaming.build(pipeline, options)
        found = []

        class Reads(beam.pipeline.PipelineVisitor):
            def enter_composite_transform(self, node):
                if isinstance(node.transform, beam.io.ReadFromPubSub):
                    source = node.transform._source
                    found.append(getattr(source, pubsub_read.LOCAL_PULL_ATTRIBUTE, None))

        pipeline.visit(Reads())
        return found

    local = local_pulls(RUNNER)
    assert len(local) == 4 and all(isinstance(x, pubsub_read.LocalPull) for x in local)
    assert len({x.group for x in local}) == 1
    assert local_pulls("FnApiRunner") == [None] * 4  # any other runner: Beam's own read


@pytest.mark.integration
def test_drain_subscription_reads_what_is_waiting_and_acknowledges_it(pubsub_env: str):
    publisher = pubsub_v1.PublisherClient()
    topic = publisher.topic_path(pubsub_env, "player-events")
    futures = [publisher.publish(topic, f"m{i}".encode(), n=str(i)) for i in range(250)]
    for future in futures:
        future.result(timeout=30)
    subscriber = pubsub_v1.SubscriberClient()
    path = subscriber.subscription_path(pubsub_env, "player-events-pipeline")
    drains = []
    try:
        # an empty answer only means "nothing delivered yet": the runner reads again later
        for _ in range(200):
            drains.append(
                pubsub_read.drain_subscription(subscriber, path, pubsub_read.LocalPull(120, "t"))
            )
            if sum(map(len, drains)) >= 250:
                break
        again = pubsub_read.drain_subscription(subscriber, path, pubsub_read.LocalPull(1000, "t"))
    finally:
        subscriber.close()
    assert max(map(len, drains)) == 120  # capped per bundle, more than one pull request
    assert again == []  # everything was acknowledged
    got = [item for drain in drains for item in drain]
    assert sorted(m.data for _, m in got) == sorted(f"m{i}".encode() for i in range(250))
    for timestamp, message in got:
        assert message.attributes["n"] == message.data.decode()[1:]
        assert message.message_id
        assert timestamp.micros == round(message.publish_time.timestamp() * 1e6)


def test_keeper_fires_the_earliest_timers_and_leaves_the_rest_due():
    from apache_beam.runners.direct.util import TimerFiring

    def firings(key: bytes, *seconds: int) -> list[TimerFiring]:
        return [TimerFiring(key, 0, "t", "REAL_TIME", Timestamp(s)) for s in seconds]

    views, minutes = firings(b"v", 1, 2, 5, 6), firings(b"m", 3, 4, 7)
    in_flight = {
        "views": SimpleNamespace(_lock=threading.Lock(), _fired_timers=set(views)),
        "minutes": SimpleNamespace(_lock=threading.Lock(), _fired_timers=set(minutes)),
    }
    keeper = state_keeper.LocalStateKeeper.__new__(state_keeper.LocalStateKeeper)
    keeper.context = SimpleNamespace(
        _watermark_manager=SimpleNamespace(get_watermarks=in_flight.__getitem__)
    )
    keeper.max_firings, keeper.deferred_firings = 4, 0

    kept = keeper.limit([("views", views), ("minutes", minutes)])

    assert kept == [("views", views[:2]), ("minutes", minutes[:2])]  # seconds 1, 2, 3, 4
    assert keeper.deferred_firings == 3
    # the deferred ones are no longer in flight: the next look at the timers fires them
    assert in_flight["views"]._fired_timers == set(views[:2])
    assert in_flight["minutes"]._fired_timers == set(minutes[:2])
    assert keeper.limit([("views", views[:3])]) == [("views", views[:3])]


def run_python(script: str) -> str:
    """Run `script` in a fresh interpreter of this environment; return its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_dataflow_build_does_not_import_the_local_runner_fixes():
    out = run_python(
        """
        import sys
        import apache_beam as beam
        from apache_beam.options.pipeline_options import PipelineOptions
        from pipelines import streaming

        def build(*runner_flags):
            # a localhost endpoint: Beam skips its checks against the Dataflow service
            flags = ["--streaming", "--project", "my-project", "--region", "us-central1",
                     "--temp_location", "gs://streamqoe-bucket/tmp",
                     "--dataflow_endpoint", "http://localhost:1",
                     "--warehouse", "bigquery:my-project.streamqoe",
                     "--pubsub_project", "my-project", *runner_flags]
            options = PipelineOptions(flags)
            pipeline = beam.Pipeline(options=options)
            streaming.build(pipeline, options)
            reads = []

            class Reads(beam.pipeline.PipelineVisitor):
                def enter_composite_transform(self, node):
                    if isinstance(node.transform, beam.io.ReadFromPubSub):
                        reads.append(vars(node.transform._source))

            pipeline.visit(Reads())
            return reads

        reads = build("--runner", "DataflowRunner")
        assert len(reads) == 4, reads
        assert not any("streamqoe_local_pull" in r for r in reads), reads
        print("dataflow", sorted(m for m in sys.modules if m.startswith("beam_local_runner")))
        reads = build("--runner", "BundleBasedDirectRunner")
        assert all("streamqoe_local_pull" in r for r in reads), reads
        print("local", "beam_local_runner" in sys.modules)
        """
    )
    # Dataflow: not imported at all; the local runner (same process, afterwards): imported.
    assert out.split() == ["dataflow", "[]", "local", "True"]


def beam_patch_points() -> dict:
    """What the fixes patch: the four methods tuning replaces, the evaluator overrides, the
    trigger driver logger's filters."""
    from apache_beam.runners.direct.transform_evaluator import TransformEvaluatorRegistry

    return {
        "methods": {(cls, name): getattr(cls, name) for cls, name, _ in tuning._REPLACED},
        "overrides": dict(TransformEvaluatorRegistry._test_evaluators_overrides),
        "filters": list(logging.getLogger("apache_beam.transforms.trigger").filters),
    }


def test_another_beam_version_is_refused_before_anything_is_patched(monkeypatch):
    before = beam_patch_points()
    monkeypatch.setattr(beam, "__version__", "2.78.0")
    local = PipelineOptions(["--runner", RUNNER, "--pubsub_project", "streamqoe-local"])
    fake_run = SimpleNamespace(_evaluation_context=SimpleNamespace())
    refusals = [
        lambda: beam_local_runner.local_pull(local),
        lambda: streaming.build(beam.Pipeline(options=local), local),
        pubsub_read.register_draining_read,
        tuning.tune_local_runner,
        lambda: state_keeper.keep_state(fake_run),
    ]
    for call in refusals:
        with pytest.raises(beam_local_runner.UnsupportedBeamVersion) as refused:
            call()
        message = str(refused.value)
        assert "Beam 2.77.0's local streaming runner" in message  # what it supports
        assert "Beam 2.78.0 is installed" in message  # what it found
        assert "nothing was patched" in message
        assert "DataflowRunner" in message and "update the fixes" in message  # what to do
    assert beam_patch_points() == before
    assert not hasattr(fake_run._evaluation_context, "extract_all_timers")
    # another runner never gets here
    assert beam_local_runner.local_pull(PipelineOptions(["--runner", "DataflowRunner"])) is None


def test_importing_the_fixes_on_another_beam_version_fails_and_patches_nothing():
    out = run_python(
        """
        import apache_beam
        from apache_beam.runners.direct.transform_evaluator import TransformEvaluatorRegistry
        from apache_beam.runners.direct.watermark_manager import _TransformWatermarks
        from apache_beam.transforms import trigger

        methods = [trigger.InMemoryUnmergedState.copy, _TransformWatermarks.refresh,
                   _TransformWatermarks.extract_transform_timers,
                   trigger._CombiningValueStateTag.without_extraction]
        apache_beam.__version__ = "2.78.0"
        try:
            import beam_local_runner  # noqa: F401
        except RuntimeError as error:
            print(type(error).__name__)
        assert methods == [trigger.InMemoryUnmergedState.copy, _TransformWatermarks.refresh,
                           _TransformWatermarks.extract_transform_timers,
                           trigger._CombiningValueStateTag.without_extraction]
        assert TransformEvaluatorRegistry._test_evaluators_overrides == {}
        print("unpatched")
        """
    )
    assert out.split() == ["UnsupportedBeamVersion", "unpatched"]
