"""Benchmarks, one module each, run as `uv run python -m bench.<name> ...` from the repository:

- bench.parse: ingest parse throughput (CloudFront logs, CMCD) against a bare split floor;
- bench.beacon_parse: two versions of the columnar beacon parser side by side;
- bench.qoe: the per-view QoE functions per event against a bare json.loads floor;
- bench.pipeline: the batch pipeline against a naive Beam pipeline, DuckDB SQL and a floor;
- bench.simulate: simulator throughput against the goals of issue #3;
- bench.streaming: streaming freshness at a sustained rate, and bounded held state.

Shared plumbing (child processes, RSS, work folders, report helpers) is in bench.common.
tests/bench runs each of them for seconds on tiny inputs.
"""
