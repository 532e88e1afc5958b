"""The emulator stopped mid-run: the collector answers 503 with Retry-After, never a 2xx for a
unit Pub/Sub did not take; every acknowledged unit is pulled back from the subscription.

Runs the real server (uvicorn, in a thread) against an emulator of its own, which the test pauses
(SIGSTOP: it stops answering, keeping its messages) and resumes, or kills.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn
from collector_pubsub import pull

from app.platform.process import free_port
from app.platform.pubsub_admin import apply_declaration
from app.platform.pubsub_emulator import PubSubEmulator
from collector.app import Collector
from collector.settings import Settings

# slow: until the exit hang in docs/collector.md#known-gaps is fixed, a process that ran these
# tests may not exit on its own (a publisher thread outlives them).
pytestmark = [pytest.mark.integration, pytest.mark.slow]

PROJECT = "streamqoe-outage"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
DEADLINE_SECONDS = 1.5
SENDERS = 4
REQUESTS_PER_SENDER = 25


@pytest.fixture
def own_emulator(tmp_path, monkeypatch):
    emulator = PubSubEmulator(state_dir=tmp_path / "pubsub", project=PROJECT)
    record = emulator.start()
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", record.endpoint)
    apply_declaration(PROJECT)
    try:
        yield record
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(record.pid, signal.SIGCONT)
        emulator.stop()


@pytest.fixture
def server(own_emulator):
    settings = Settings(project=PROJECT, publish_deadline_seconds=DEADLINE_SECONDS)
    port = free_port()
    config = uvicorn.Config(
        Collector(settings).app, host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=20)


def test_outage_gives_503_and_loses_no_acknowledged_unit(server, own_emulator):
    base = json.loads((FIXTURES / "beacon_single.json").read_bytes())
    acked: list[str] = []
    statuses: list[int] = []
    retry_after: set[str] = set()
    durations: list[float] = []
    lock = threading.Lock()

    def send(sender: int) -> None:
        with httpx.Client(base_url=server, timeout=30) as http:
            for n in range(REQUESTS_PER_SENDER):
                view = f"view-{sender}-{n}"
                started = time.monotonic()
                r = http.post("/v1/beacon", json={**base, "view_id": view, "sequence_number": n})
                with lock:
                    durations.append(round(time.monotonic() - started, 2))
                    statuses.append(r.status_code)
                    if r.status_code == 200:
                        assert r.json()["accepted"] == 1
                        acked.append(view)
                    elif r.status_code == 503:
                        retry_after.add(r.headers.get("retry-after", ""))
                        assert r.json()["error"]["class"] == "PublishUnavailable"
                time.sleep(0.02)

    with ThreadPoolExecutor(SENDERS) as pool:
        futures = [pool.submit(send, s) for s in range(SENDERS)]
        time.sleep(0.6)
        os.killpg(own_emulator.pid, signal.SIGSTOP)  # the emulator stops answering mid-run
        time.sleep(DEADLINE_SECONDS * 2.5)
        os.killpg(own_emulator.pid, signal.SIGCONT)
        for f in futures:
            f.result()

    assert statuses.count(503) >= 1, (max(durations), sorted(durations)[-10:], len(durations))
    assert statuses.count(200) >= 1 and set(statuses) <= {200, 503}
    assert retry_after == {"5"}
    pulled = pull(PROJECT, "player-events", len(acked), timeout_seconds=30)
    pulled_views = {json.loads(m.data)["view_id"] for m in pulled}
    lost = [view for view in acked if view not in pulled_views]
    assert lost == [], f"{len(lost)} acknowledged units lost of {len(acked)}"
    print(f"outage run: {statuses.count(200)} acked, {statuses.count(503)} 503s, 0 lost")


@pytest.mark.xfail(
    strict=False,
    raises=httpx.ReadTimeout,
    reason="known gap (docs/collector.md#known-gaps): passes alone; after the pause test in the "
    "same process, the first request once the emulator is killed outlives the publish deadline",
)
def test_emulator_killed_gives_503(server, own_emulator):
    base = json.loads((FIXTURES / "beacon_single.json").read_bytes())
    with httpx.Client(base_url=server, timeout=8) as http:
        assert http.post("/v1/beacon", json=base).status_code == 200
        os.killpg(own_emulator.pid, signal.SIGKILL)
        r = http.post("/v1/beacon", json=base)
        assert r.status_code == 503 and r.headers["retry-after"] == "5"
        assert http.get("/healthz").status_code == 200
        assert http.get("/readyz").status_code == 503
