"""Fixtures of the bench smoke tests: one tiny simulated run shared by the benches that read
beacon files, and a runner for benches started as `python -m bench.<name>`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.common import REPO, simulate_run

TINY_VIEWERS = 40
TINY_HOURS = 1.0


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated run of 40 viewers over 1 h (a few views, a few hundred player events)."""
    out = tmp_path_factory.mktemp("bench-sim") / "run"
    simulate_run(out, TINY_VIEWERS, TINY_HOURS, seed=3, cdn_sample=0.01)
    return out


def _run_module(module: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def run_module() -> Callable[..., subprocess.CompletedProcess[str]]:
    """run_module(module, *args, timeout=s): `python -m <module> <args>` from the repository,
    output captured, the exit code left to the test."""
    return _run_module
