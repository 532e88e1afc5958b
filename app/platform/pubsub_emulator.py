"""Google's Pub/Sub emulator (the Java one shipped with google-cloud-cli), started by the project.

Found through, in order: $STREAMQOE_PUBSUB_EMULATOR (path of bin/cloud-pubsub-emulator), the SDK root
of the `gcloud` on PATH, and the usual install folders. It runs in its own process group on a free
loopback port; `PUBSUB_EMULATOR_HOST=host:port` points google-cloud-pubsub (and Beam's Pub/Sub IO
on the local runner) at it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from app.platform.process import ManagedService, ServiceError, ServiceRecord, free_port
from streamqoe.config import platform_state_dir, project_id

logger = logging.getLogger(__name__)

SERVICE_NAME = "pubsub-emulator"
EMULATOR_RELATIVE_PATH = Path("platform/pubsub-emulator/bin/cloud-pubsub-emulator")
SDK_ROOTS = (
    Path("/usr/lib/google-cloud-sdk"),
    Path("/usr/share/google-cloud-sdk"),
    Path.home() / "google-cloud-sdk",
    Path("/opt/google-cloud-sdk"),
)
INSTALL_HINT = (
    "The Pub/Sub emulator was not found. Install Google Cloud CLI with its Pub/Sub emulator and a "
    "Java 11+ runtime: on Debian/Ubuntu with Google's apt repository, `apt-get install "
    "google-cloud-cli google-cloud-cli-pubsub-emulator openjdk-17-jre-headless`; with a standalone "
    "SDK, `gcloud components install pubsub-emulator beta`. Or set STREAMQOE_PUBSUB_EMULATOR to the "
    "path of bin/cloud-pubsub-emulator."
)


class EmulatorNotInstalled(ServiceError):
    """The emulator or Java is missing; the message says what to install."""


def find_emulator() -> Path:
    """Return the path of the emulator's launcher script.

    Raises:
        EmulatorNotInstalled: with exact install instructions.
    """
    override = os.environ.get("STREAMQOE_PUBSUB_EMULATOR")
    candidates = [Path(override)] if override else []
    gcloud = shutil.which("gcloud")
    if gcloud:
        candidates.append(Path(gcloud).resolve().parent.parent / EMULATOR_RELATIVE_PATH)
    candidates += [root / EMULATOR_RELATIVE_PATH for root in SDK_ROOTS]
    for path in candidates:
        if path.is_file():
            if not shutil.which("java"):
                raise EmulatorNotInstalled(f"Java is missing. {INSTALL_HINT}")
            return path
    raise EmulatorNotInstalled(INSTALL_HINT)


def emulator_answers(host: str, port: int, project: str) -> bool:
    """Tell whether the emulator serves its REST API (listing topics) on host:port."""
    url = f"http://{host}:{port}/v1/projects/{project}/topics"
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            json.load(response)
            return response.status == 200
    except (OSError, urllib.error.URLError, ValueError):
        return False


class PubSubEmulator:
    """Start, find and stop the local Pub/Sub emulator."""

    def __init__(self, state_dir: Path | None = None, project: str | None = None):
        self.state_dir = state_dir or platform_state_dir()
        self.project = project or project_id()
        self.service = ManagedService(SERVICE_NAME, self.state_dir)

    def start(self, port: int | None = None, host: str = "127.0.0.1") -> ServiceRecord:
        """Start the emulator (or return the running one) and wait until it answers."""
        running = self.service.record()
        if running:
            return running
        launcher = find_emulator()
        port = port or free_port(host)
        command = [str(launcher), f"--host={host}", f"--port={port}"]
        logger.info("starting Pub/Sub emulator: %s", " ".join(command))
        return self.service.start(
            command,
            host,
            port,
            ready=lambda: emulator_answers(host, port, self.project),
            timeout_seconds=120,
        )

    def stop(self) -> bool:
        """Stop the emulator and every process it started."""
        return self.service.stop()

    def record(self) -> ServiceRecord | None:
        return self.service.record()

    @property
    def host(self) -> str:
        """host:port for PUBSUB_EMULATOR_HOST.

        Raises:
            ServiceError: the emulator is not running.
        """
        record = self.record()
        if not record:
            raise ServiceError("the Pub/Sub emulator is not running: `streamqoe platform up`")
        return record.endpoint


def java_version() -> str | None:
    """The `java -version` banner's first line, or None without Java."""
    if not shutil.which("java"):
        return None
    out = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    return (out.stderr or out.stdout).splitlines()[0] if (out.stderr or out.stdout) else None
