"""Benchmark the streaming pipeline: freshness at a sustained event rate, and bounded state.

Both start their own Pub/Sub emulator (app.platform.pubsub_emulator, a free port, state in
a temporary folder: a `streamqoe platform up` of someone else is left alone), create the declared
topics and subscriptions, run the real streaming pipeline (pipelines.streaming.start,
BundleBasedDirectRunner, reading `player-events-pipeline`) in this process into a fresh DuckDB
file, and stop everything at the end. Simulated beacons (streamqoe.simulator, no faults for
freshness) are published by a child process; a second child polls the warehouse like an analyst
(a read-only DuckDB connection opened every `--poll-seconds`, in another process).

freshness: publish `--rate` player events per second for `--minutes`, paced by events (a beacon
message carries one or more events), event timestamps rewritten so event time follows the
publish clock (the simulator's steady afternoon traffic; --viewers sets how close its natural
rate is to --rate, the "time warp" factor is printed). Per event: publish time (recorded by the
publisher just before `publish()`) against the time the poller first counted its row in
`player_events` (rows are append-only, so row number r is visible once a poll counts more than r
rows), and against `ingested_at` (the sink's write, no poll granularity). Also: `views` rows
(early panes every --early-firing-seconds): how long until a view's first row is visible, and
until each event is reflected in a visible row of its view; and published vs landed over time.

state: replay `--hours` of simulated viewing (views starting and closing all the time, default
faults) through Pub/Sub `--compression` times faster than real time. Event time is compressed
with it (timestamps rewritten) and so are the pipeline's event-time settings (view gap, allowed
lateness, viewer session gap, dedupe TTL; `--compression 1` is real time), so the pipeline sees
the same traffic, only faster (early panes, a processing-time setting, stay every 30 s).
Sampled every --sample-seconds: views started / open / closed so far (by event time, from the
published events), the runner's held state per stateful step (beam_local_runner.
LocalStateKeeper: keys, windows, buffered elements, state values, timers), process RSS,
published vs landed. `--no-gc` runs without the keeper's housekeeping (Beam's own behaviour).

    uv run python -m bench.streaming freshness --rate 1000 --minutes 5
    uv run python -m bench.streaming state --hours 24 --compression 16        # 90 min
    uv run python -m bench.streaming state --no-gc --max-minutes 30           # Beam alone

Prints a progress table while running, the figures, and a JSON summary (also --json PATH).
Timings on a shared machine are noisy: repeat runs and report the spread.

Modules: cli (flags, main), settings (constants), stream (the simulated stream), publisher and
poller (the two children), harness (emulator, pipeline, runner counters), freshness and
freshness_report, state and state_report, profile (`freshness --profile`, opt-in).
"""
