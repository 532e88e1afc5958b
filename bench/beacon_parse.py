"""Compare two versions of the columnar beacon parser (`read_beacon_table`) on a simulated dataset.

The batch bulk path parses each beacon file with `streamqoe.ingest.columnar_beacon`. This bench
loads a second copy of that module from a file (`--before`, e.g. a copy taken before a change) and
measures both on the same beacon files (`player/**/*.jsonl.gz` under `--data`):

- CPU seconds of `read_beacon_table` over every file, the file bytes already decompressed in
  memory (so gzip is left out; it is the same for both). Each measurement runs in a forked child
  and takes the child's process CPU time (all of DuckDB's threads together); the two versions are
  measured in alternating order, `--repeat` rounds, because the machine is shared and noisy. Per
  version: every round's seconds, µs per event, and the ratio after/before per round.
- With `--check`: whether both versions give identical outcomes on every file (before any
  timing): the Arrow tables (`Table.equals`), the line numbers, the dead letters (line, stage,
  reason and the whole letter) and the unit counts.

Run (the version before a commit REV, a simulated dataset from `streamqoe simulate`):

    git show REV~1:streamqoe/ingest/columnar_beacon.py > /tmp/columnar_beacon_before.py
    uv run python -m bench.beacon_parse --before /tmp/columnar_beacon_before.py \
        --data /tmp/bench1m [--repeat 3] [--check] [--sample N]
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from bench.common import beacon_files as run_beacon_files
from bench.common import in_fork, load_module_file

logger = logging.getLogger(__name__)

RECEIVED_AT = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


def load_module(path: str | None) -> ModuleType:
    """The columnar beacon module: the project's own (`path` None) or a copy loaded from `path`."""
    if path is None:
        from streamqoe.ingest import columnar_beacon

        return columnar_beacon
    return load_module_file(path, "columnar_beacon_before")


def beacon_files(data: Path, sample: int | None, seed: int = 1) -> list[str]:
    files = run_beacon_files(data)
    if sample is not None and sample < len(files):
        files = sorted(random.Random(seed).sample(files, sample))
    return files


def _read_all(files: list[str]) -> list[tuple[str, bytes]]:
    """Each file's decompressed bytes (streamqoe.ingest.read.read_content, as the parser reads
    them): both versions parse the same bytes, gzip left out of the timing."""
    from streamqoe.ingest.read import read_content

    return [(path, read_content(path)) for path in files]


def _measure(module_path: str | None, files: list[str]) -> tuple[float, int]:
    """In this process: (CPU seconds of read_beacon_table over `files`, events parsed)."""
    module = load_module(module_path)
    data = _read_all(files)
    module.read_beacon_table(data[0][0], received_at=RECEIVED_AT, data=data[0][1])  # warm up
    events = 0
    start = time.process_time()
    for path, raw in data:
        got = module.read_beacon_table(path, received_at=RECEIVED_AT, data=raw)
        events += got.table.num_rows + len(got.dead_letters)
    return time.process_time() - start, events


def _in_child(module_path: str | None, files: list[str]) -> tuple[float, int]:
    """`_measure` in a forked child (its own DuckDB connection and threads)."""
    return in_fork(lambda: _measure(module_path, files))


def check_identical(before_path: str, files: list[str]) -> int:
    """Compare both versions' outcomes file by file; return the number of files that differ."""
    from streamqoe.ingest.read import read_content

    before, after = load_module(before_path), load_module(None)
    differing = events = letters = fallback = 0
    for path in files:
        raw = read_content(path)
        old = before.read_beacon_table(path, received_at=RECEIVED_AT, data=raw)
        new = after.read_beacon_table(path, received_at=RECEIVED_AT, data=raw)
        problems = []
        if not new.table.equals(old.table, check_metadata=True):
            problems.append("table")
        if new.line_numbers.tolist() != old.line_numbers.tolist():
            problems.append("line numbers")
        if [(n, d.letter) for n, d in new.dead_letters] != [
            (n, d.letter) for n, d in old.dead_letters
        ]:
            problems.append("dead letters")
        counts = ("units", "fallback_units", "comment_units")
        if [getattr(new, c) for c in counts] != [getattr(old, c) for c in counts]:
            problems.append("unit counts")
        if problems:
            differing += 1
            print(f"DIFFERENT {path}: {', '.join(problems)}")
        events += new.table.num_rows
        letters += len(new.dead_letters)
        fallback += new.fallback_units
    print(
        f"checked {len(files)} files: {events} records, {letters} dead letters, "
        f"{fallback} units through the row parser; {differing} files differ"
    )
    return differing


def time_rounds(before: str, files: list[str], repeat: int) -> dict[str, object]:
    """`repeat` rounds of both versions in alternating order; prints and returns the CPU seconds
    of each version per round, the events per run and the ratio after/before per round."""
    seconds: dict[str, list[float]] = {"before": [], "after": []}
    events = 0
    for round_ in range(repeat):
        order = ["before", "after"] if round_ % 2 == 0 else ["after", "before"]
        for name in order:
            cpu, events = _in_child(before if name == "before" else None, files)
            seconds[name].append(cpu)
        print(
            f"round {round_ + 1}: before {seconds['before'][-1]:.2f} CPU s, "
            f"after {seconds['after'][-1]:.2f} CPU s, "
            f"ratio {seconds['after'][-1] / seconds['before'][-1]:.3f}",
            flush=True,
        )
    print(f"\n{events} events (records + dead letters) per run")
    for name, values in seconds.items():
        per_event = [v / events * 1e6 for v in values]
        print(
            f"{name:>6}: CPU s {', '.join(f'{v:.2f}' for v in values)}  "
            f"(min {min(values):.2f}, max {max(values):.2f}); "
            f"µs/event {', '.join(f'{v:.2f}' for v in per_event)}"
        )
    ratios = [a / b for a, b in zip(seconds["after"], seconds["before"], strict=True)]
    print(
        f" ratio after/before per round: {', '.join(f'{r:.3f}' for r in ratios)}  "
        f"(min-to-min {min(seconds['after']) / min(seconds['before']):.3f})"
    )
    return {"seconds": seconds, "events": events, "ratios": ratios}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--before", required=True, help="file of the columnar_beacon to compare")
    parser.add_argument("--data", default="/tmp/bench1m", help="simulated dataset directory")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of timing")
    parser.add_argument("--sample", type=int, default=None, help="random sample of files")
    parser.add_argument("--check", action="store_true", help="compare outcomes first")
    parser.add_argument("--no-timing", action="store_true", help="only --check")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    files = beacon_files(Path(args.data), args.sample)
    if not files:
        print(f"no player/**/*.jsonl.gz under {args.data}", file=sys.stderr)
        return 2
    print(f"{len(files)} beacon files under {args.data}")
    if args.check and check_identical(args.before, files):
        return 1
    if args.no_timing:
        return 0
    time_rounds(args.before, files, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
