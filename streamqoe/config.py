"""Where the project keeps local state, and the names it uses when no cloud is configured.

Everything is overridable by environment variable so that CI, tests and a developer's shell agree
without flags: STREAMQOE_DATA_DIR (default `.data` in the working directory) and
STREAMQOE_PROJECT (default `streamqoe-local`; Beam rejects short ids such as `test`).
"""

from __future__ import annotations

import os
from pathlib import Path

LOCAL_PROJECT_ID = "streamqoe-local"
REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Return the directory holding the embedded warehouse, emulator state and simulator output."""
    return Path(os.environ.get("STREAMQOE_DATA_DIR", ".data")).resolve()


def platform_state_dir() -> Path:
    """Return the directory where running emulators are recorded (pid, port, log)."""
    return data_dir() / "platform"


def project_id() -> str:
    """Return the GCP project id used for Pub/Sub and BigQuery (the emulators accept any valid id)."""
    return os.environ.get("STREAMQOE_PROJECT", LOCAL_PROJECT_ID)
