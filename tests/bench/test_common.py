"""bench.common: the shared plumbing the benches rely on."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import common


def test_in_fork_returns_the_childs_result_and_raises_its_exception() -> None:
    parent = os.getpid()
    assert common.in_fork(os.getpid) != parent

    def fail() -> None:
        raise ValueError("in the child")

    with pytest.raises(ValueError, match="in the child"):
        common.in_fork(fail)


def test_rss_of_this_process_and_its_tree() -> None:
    assert common.rss_bytes() > 10 * 2**20
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.3)
        assert child.pid in common.descendants(os.getpid())
        assert common.rss_bytes(child.pid) > 2**20
        assert common.tree_rss_bytes() > common.rss_bytes() + 2**20
    finally:
        child.kill()
        child.wait()
    assert common.rss_bytes(child.pid) == 0  # gone


def test_workdir_removes_a_temporary_folder_unless_kept(tmp_path: Path) -> None:
    with common.workdir(None, "bench-test-") as folder:
        assert folder.is_dir()
    assert not folder.exists()
    with common.workdir(tmp_path / "mine", "bench-test-") as mine:
        pass
    assert mine.is_dir()
    with (
        pytest.raises(RuntimeError),
        common.workdir(None, "bench-test-", keep_on_error=True) as kept,
    ):
        raise RuntimeError
    assert kept.is_dir()


def test_latency_stats_uses_the_project_percentile() -> None:
    from streamqoe.stats import percentile

    values = [float(v) for v in range(1, 101)]
    stats = common.latency_stats(values)
    assert stats["count"] == 100 and stats["max"] == 100 and stats["mean"] == 50.5
    assert stats["p95"] == round(percentile(values, 95), 3)
    assert common.latency_stats([])["p50"] is None
    assert "p95 95.05 s" in common.fmt_latency(stats)


def test_run_watched_stops_a_child_over_its_memory_limit() -> None:
    grow = "x = bytearray(300 * 2**20); import time; time.sleep(30)"
    code, _, _, stopped = common.run_watched([sys.executable, "-c", grow], max_rss_gb=0.1)
    assert stopped is not None and code != 0
    code, out, _, stopped = common.run_watched([sys.executable, "-c", "print('ok')"], max_rss_gb=1)
    assert (code, out, stopped) == (0, "ok\n", None)
