"""`freshness --profile` (opt-in): where the local runner's worker thread spends its time.

What it reads: only CPython's sys._current_frames() (every thread's current stack, from a
sampler thread of its own). It finds the runner's worker thread by Beam's DirectRunner executor
module (apache_beam/runners/direct/executor.py) in the stack; it reads and patches no runner
state. (The former `--cprofile`, which patched the runner's private evaluation context to start
cProfile inside the worker thread, is gone.)
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from typing import Any

from bench.common import REPO

RUNNER_FRAME = "runners/direct/executor.py"


class StackSampler:
    """Samples the runner thread's stack every `interval` s and counts each function once per
    sample (inclusive) and the innermost frame (self)."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.inclusive: Counter[str] = Counter()
        self.own: Counter[str] = Counter()
        self.samples = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="stack-sampler", daemon=True)

    def start(self) -> StackSampler:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(5)

    def _run(self) -> None:
        me = threading.get_ident()
        while not self.stopped.wait(self.interval):
            for ident, frame in sys._current_frames().items():
                if ident != me:
                    self._count(frame)

    def _count(self, frame: Any) -> None:
        names = []
        f = frame
        while f is not None:
            code = f.f_code
            where = code.co_filename.split("site-packages/")[-1].replace(str(REPO) + "/", "")
            names.append(f"{where}:{code.co_name}")
            f = f.f_back
        if not any(RUNNER_FRAME in n for n in names):
            return
        self.samples += 1
        self.own[names[0]] += 1
        for name in set(names):
            self.inclusive[name] += 1

    def report(self, top: int = 45) -> dict[str, Any]:
        """Print and return the shares of samples (%), inclusive, self and project code."""

        def share(counter: Counter[str]) -> list[tuple[str, float]]:
            return [
                (k, round(100 * v / max(1, self.samples), 1)) for k, v in counter.most_common(top)
            ]

        ours = Counter(
            {k: v for k, v in self.inclusive.items() if k.startswith(("pipelines/", "streamqoe/"))}
        )
        out = {
            "samples": self.samples,
            "inclusive_pct": share(self.inclusive),
            "self_pct": share(self.own),
            "project_code_pct": share(ours),
        }
        print(f"\nprofile of the runner thread ({self.samples:,} samples), inclusive:")
        for name, pct in out["inclusive_pct"]:
            print(f"  {pct:5.1f}%  {name}")
        print("  project code, inclusive:")
        for name, pct in out["project_code_pct"]:
            print(f"  {pct:5.1f}%  {name}")
        print("  self:")
        for name, pct in out["self_pct"][:20]:
            print(f"  {pct:5.1f}%  {name}")
        return out
