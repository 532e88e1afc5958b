"""Start, find and stop one background service process without leaving orphans.

A service runs in its own session (process group), so stopping it kills the JVM or interpreter and every
child it started. Its pid, port and command are recorded in a JSON state file, so a later command
(`streamqoe platform status|down`) finds it again. Nothing here knows what the service is.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 10.0


class ServiceError(RuntimeError):
    """A service could not be started, or did not become ready."""


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on `host` at the time of the call."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_open(host: str, port: int, timeout_seconds: float = 0.5) -> bool:
    """Tell whether something accepts TCP connections on host:port."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout_seconds):
        return True
    return False


def pid_alive(pid: int) -> bool:
    """Tell whether a process with this pid exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        with contextlib.suppress(OSError, IndexError):
            return stat.read_text().split(")")[-1].split()[0] != "Z"
    return True


@dataclass
class ServiceRecord:
    """What the state file remembers of one running service."""

    name: str
    pid: int
    host: str
    port: int
    command: list[str]
    log_path: str
    started_at: float

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"


class ManagedService:
    """One background process with a state file: start, wait until ready, stop its whole group."""

    def __init__(self, name: str, state_dir: Path):
        self.name = name
        self.state_dir = Path(state_dir)
        self.state_path = self.state_dir / f"{name}.json"
        self.log_path = self.state_dir / f"{name}.log"

    def record(self) -> ServiceRecord | None:
        """Return the recorded service if its process still runs; forget a stale record."""
        if not self.state_path.exists():
            return None
        try:
            record = ServiceRecord(**json.loads(self.state_path.read_text()))
        except (ValueError, TypeError):
            self.state_path.unlink(missing_ok=True)
            return None
        if not pid_alive(record.pid):
            self.state_path.unlink(missing_ok=True)
            return None
        return record

    def start(
        self,
        command: Sequence[str],
        host: str,
        port: int,
        ready: Callable[[], bool] | None = None,
        env: dict[str, str] | None = None,
        timeout_seconds: float = 90.0,
    ) -> ServiceRecord:
        """Start `command` in its own process group and wait until `ready()` (default: port open).

        Raises:
            ServiceError: the process exited or did not become ready in time; its log tail is
                included and the process group is killed.
        """
        existing = self.record()
        if existing:
            return existing
        self.state_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "wb")  # noqa: SIM115 - handed to the child, closed below
        try:
            proc = subprocess.Popen(
                list(command),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})},
                start_new_session=True,
            )
        finally:
            log.close()
        record = ServiceRecord(
            self.name, proc.pid, host, port, list(command), str(self.log_path), time.time()
        )
        self.state_path.write_text(json.dumps(asdict(record), indent=2))
        check = ready or (lambda: port_open(host, port))
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.stop()
                raise ServiceError(
                    f"{self.name} exited with code {proc.returncode} before it was ready:\n"
                    f"{self.log_tail()}"
                )
            if check():
                logger.info("%s ready on %s:%s (pid %s)", self.name, host, port, proc.pid)
                return record
            time.sleep(0.2)
        self.stop()
        raise ServiceError(
            f"{self.name} was not ready after {timeout_seconds:.0f}s:\n{self.log_tail()}"
        )

    def stop(self) -> bool:
        """Stop the recorded process group: SIGTERM, then SIGKILL after a grace period.

        Returns:
            True when a running service was stopped, False when none was recorded.
        """
        if not self.state_path.exists():
            return False
        try:
            record = ServiceRecord(**json.loads(self.state_path.read_text()))
        except (ValueError, TypeError):
            self.state_path.unlink(missing_ok=True)
            return False
        stopped = _kill_group(record.pid)
        self.state_path.unlink(missing_ok=True)
        return stopped

    def log_tail(self, lines: int = 30) -> str:
        """Return the last lines the service wrote to its log."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def group_members(pgid: int) -> list[int]:
    """List the pids whose process group is `pgid` (Linux /proc)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().split(")")[-1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


def _kill_group(pid: int) -> bool:
    try:
        pgid = os.getpgid(pid)
    except ProcessLookupError:
        pgid = pid
    if not group_members(pgid) and not pid_alive(pid):
        return False
    for sig, wait in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            _reap(pid)
            if not group_members(pgid):
                return True
            time.sleep(0.1)
    return not group_members(pgid)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
