"""Plumbing shared by the benchmarks: processes, memory, work folders, inputs and reports.

- child processes: `in_fork` (a measurement in a forked child, its result or exception sent
  back), `run_watched` (a command in a child stopped once its RSS passes a limit),
  `stop_process` / `wait_ready` (multiprocessing children);
- memory and CPU: `rss_bytes` / `tree_rss_bytes` (Linux /proc), `PeakRssSampler`, `cpu_seconds`,
  `peak_rss_mb`;
- work folders and inputs: `workdir`, `simulate_run`, `beacon_files`, `load_module_file`;
- reports: `latency_stats` (percentiles by streamqoe.stats.percentile) / `fmt_latency`,
  `print_json_summary`.

Units are each bench's own, as before (so earlier figures stay comparable): the callers convert
bytes to MB (1e6) or MiB (2**20).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
PERCENTILES = (50, 95, 99)

T = TypeVar("T")


# --- memory and CPU ------------------------------------------------------------------------


def rss_bytes(pid: int | None = None) -> int:
    """Resident set size of a process (this one by default), bytes; 0 once it is gone."""
    try:
        with open(f"/proc/{pid or 'self'}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children of all its threads, recursively)."""
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            out += [int(c) for c in task.read_text().split()]
        except OSError:
            continue
    return out + [d for c in out for d in descendants(c)]


def tree_rss_bytes(pid: int | None = None) -> int:
    """RSS of a process (this one by default) and all its descendants, bytes."""
    pid = pid or os.getpid()
    return rss_bytes(pid) + sum(rss_bytes(p) for p in descendants(pid))


class PeakRssSampler(threading.Thread):
    """The peak summed RSS of this process and its descendants, sampled every `interval` s."""

    def __init__(self, interval: float = 0.2) -> None:
        super().__init__(daemon=True, name="rss-sampler")
        self.interval = interval
        self.peak_bytes = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stopped.wait(self.interval):
            self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(me))

    def stop(self) -> int:
        """Stop sampling; return the peak, bytes."""
        self.stopped.set()
        self.join()
        return self.peak_bytes


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """User + system CPU seconds of this process (all threads) or of its waited-for children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak RSS (getrusage ru_maxrss) of this process or its largest waited-for child, MiB."""
    return resource.getrusage(who).ru_maxrss / 1024


# --- child processes -----------------------------------------------------------------------


def in_fork(run: Callable[[], T]) -> T:
    """`run()` in a forked child (its own memory, threads and peak RSS); its result, or its
    exception raised here. The child leaves without cleanup (os._exit)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            payload = pickle.dumps(run())
        except BaseException as exc:  # reported to the parent, which raises it
            payload = pickle.dumps(exc)
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as handle:
        result = pickle.loads(handle.read())
    os.waitpid(pid, 0)
    if isinstance(result, BaseException):
        raise result
    return result


def run_watched(
    command: list[str], max_rss_gb: float, cwd: Path = REPO
) -> tuple[int, str, str, float | None]:
    """Run a command in a child; stop it once its RSS passes `max_rss_gb` (so an approach that
    cannot hold a large run in memory is reported, not left to the kernel's OOM killer, which may
    pick another process). Returns (exit code, stdout, stderr, seconds until stopped or None)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(command, stdout=out, stderr=err, text=True, cwd=cwd)
        stopped = None
        while child.poll() is None:
            if rss_bytes(child.pid) > max_rss_gb * 2**30:
                child.kill()
                child.wait()
                stopped = time.perf_counter() - started
                break
            time.sleep(0.5)
        out.seek(0)
        err.seek(0)
        return child.returncode, out.read(), err.read(), stopped


def wait_ready(proc: Any, ready: Any, what: str) -> None:
    """Wait for a multiprocessing child to set `ready`; exit if it dies first."""
    started = time.monotonic()
    while not ready.wait(5):
        if not proc.is_alive():
            raise SystemExit(f"{what} died (exit code {proc.exitcode})")
    print(f"{what} ready after {time.monotonic() - started:.0f} s", flush=True)


def stop_process(proc: Any, timeout: float = 30.0) -> None:
    """Join a multiprocessing child for `timeout` s, then terminate it."""
    proc.join(timeout)
    if proc.is_alive():
        proc.terminate()
        proc.join(10)


# --- work folders and inputs ---------------------------------------------------------------


@contextlib.contextmanager
def workdir(
    path: Path | None, prefix: str, keep: bool = False, keep_on_error: bool = False
) -> Iterator[Path]:
    """`path` (created, always kept) or a new temporary folder, removed at the end unless `keep`
    (or, with `keep_on_error`, when the block raised: left for a look)."""
    folder = Path(path or tempfile.mkdtemp(prefix=prefix))
    folder.mkdir(parents=True, exist_ok=True)
    failed = False
    try:
        yield folder
    except BaseException:
        failed = True
        raise
    finally:
        if not path and not keep and not (failed and keep_on_error):
            shutil.rmtree(folder, ignore_errors=True)


def simulate_run(
    out: Path,
    viewers: int,
    hours: float,
    seed: int | None = None,
    cdn_sample: float | None = None,
) -> None:
    """Write a simulated run into `out` (`streamqoe simulate ... -q`)."""
    from app import simulate_cli as simulator_cli

    argv = ["simulate", "--out", str(out), "--viewers", str(viewers), "--hours", str(hours)]
    argv += ["--seed", str(seed)] if seed is not None else []
    argv += ["--cdn-sample", str(cdn_sample)] if cdn_sample is not None else []
    if simulator_cli.main([*argv, "-q"]) != 0:
        raise SystemExit("simulation failed")


def beacon_files(data: Path) -> list[str]:
    """The beacon files of a simulated run (`player/**/*.jsonl.gz`), sorted."""
    return sorted(str(p) for p in Path(data).glob("player/**/*.jsonl.gz"))


def load_module_file(path: str | Path, name: str) -> ModuleType:
    """Import another version of a module from a file, under its own name."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


# --- reports -------------------------------------------------------------------------------


def latency_stats(values: list[float]) -> dict[str, float | int | None]:
    """count, p50/p95/p99 (streamqoe.stats.percentile: linear interpolation), max and mean of
    `values`, rounded to ms."""
    from streamqoe.stats import percentile

    if not values:
        return {"count": 0, "p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    ordered = sorted(values)
    out: dict[str, float | int | None] = {"count": len(ordered)}
    for p in PERCENTILES:
        out[f"p{p}"] = round(percentile(ordered, p), 3)
    out["max"] = round(ordered[-1], 3)
    out["mean"] = round(sum(ordered) / len(ordered), 3)
    return out


def fmt_latency(stats: dict[str, Any]) -> str:
    """One line of `latency_stats` in seconds."""
    if not stats["count"]:
        return "no data"
    return (
        f"p50 {stats['p50']:.2f} s  p95 {stats['p95']:.2f} s  p99 {stats['p99']:.2f} s  "
        f"max {stats['max']:.2f} s  (n={stats['count']:,})"
    )


def print_json_summary(summary: dict[str, Any], path: Path | None = None) -> None:
    """Print the summary as one JSON line (after a header), and write it indented to `path`."""
    print("\nJSON summary:\n" + json.dumps(summary, indent=None, default=str), flush=True)
    if path:
        Path(path).write_text(json.dumps(summary, indent=2, default=str))
