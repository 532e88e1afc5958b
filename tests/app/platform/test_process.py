"""ManagedService starts a process group, finds it again, and leaves nothing behind."""

from __future__ import annotations

import os
import sys
import time

import pytest

from app.platform.process import (
    ManagedService,
    ServiceError,
    free_port,
    group_members,
    pid_alive,
)

# A parent that starts a child of its own and then serves a TCP port: stop() must kill both.
SERVER = """
import socket, subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
time.sleep(600)
"""


def test_start_and_stop_kill_the_whole_group(tmp_path) -> None:
    service = ManagedService("toy", tmp_path)
    port = free_port()
    record = service.start([sys.executable, "-c", SERVER, str(port)], "127.0.0.1", port)
    pgid = os.getpgid(record.pid)
    deadline = time.monotonic() + 10
    while len(group_members(pgid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(group_members(pgid)) == 2
    assert ManagedService("toy", tmp_path).record().pid == record.pid  # found again by name
    assert service.start([sys.executable, "-c", SERVER, str(port)], "127.0.0.1", port) == record
    assert service.stop() is True
    assert group_members(pgid) == []
    assert not (tmp_path / "toy.json").exists()


def test_a_process_that_dies_reports_its_log(tmp_path) -> None:
    service = ManagedService("dies", tmp_path)
    code = "import sys; print('bad flag --frobnicate'); sys.exit(3)"
    with pytest.raises(ServiceError, match="exited with code 3") as err:
        service.start([sys.executable, "-c", code], "127.0.0.1", free_port(), timeout_seconds=10)
    assert "bad flag --frobnicate" in str(err.value)
    assert service.record() is None


def test_not_ready_in_time_is_stopped(tmp_path) -> None:
    service = ManagedService("slow", tmp_path)
    code = "import time; time.sleep(600)"
    with pytest.raises(ServiceError, match="not ready after"):
        service.start([sys.executable, "-c", code], "127.0.0.1", free_port(), timeout_seconds=1)
    assert service.record() is None


def test_stale_record_is_forgotten(tmp_path) -> None:
    (tmp_path / "gone.json").write_text(
        '{"name": "gone", "pid": 999999999, "host": "127.0.0.1", "port": 1, "command": [], '
        '"log_path": "x", "started_at": 0}'
    )
    assert ManagedService("gone", tmp_path).record() is None
    assert not pid_alive(999999999)
