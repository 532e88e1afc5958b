"""A real local BigQuery: the `bqemulator` server, installed and run by the project's own code.

Production writes to BigQuery; locally the same `google-cloud-bigquery` client talks to
`bqemulator` (REST API on one port, gRPC Storage Read/Write API on another), found by endpoint.

Installation (`ensure_installed`)
    bqemulator pins duckdb 1.5.5 while the project's own environment has duckdb 2.x, so it lives in
    a virtualenv of its own (default `<data_dir>/bqemulator-venv`, or `$STREAMQOE_BQEMULATOR_VENV`).
    Besides bqemulator it needs:

    * numpy: bqemulator 1.4.0 does not declare it, but registering its built-in UDFs at start fails
      with "'numpy' is required for this operation" without it;
    * DuckDB's `spatial` extension (required: the server exits at start if `INSTALL spatial` fails)
      and `avro` extension (optional: without it the server tries a download from the DuckDB
      extension site at every start). Both come from PyPI wheels (`duckdb-extension-*`) and are
      installed with DuckDB's own `INSTALL '<file>'` into the directory the emulator's DuckDB
      reads (`~/.duckdb/extensions/v1.5.5/<platform>/`); the emulator's own `INSTALL spatial`
      is then a no-op and nothing is downloaded.

Running (`BigQueryEmulator`)
    `bqemulator start --rest-port P --grpc-port G --project ID [--data-dir DIR | --ephemeral]`,
    as a `ManagedService` named "bigquery-emulator" (state file and log in the platform state
    directory). The REST port is the service's port; the gRPC port is read back from the recorded
    command. It is ready when `GET /bigquery/v2/projects/ID/datasets` answers a dataset list and
    the gRPC port accepts connections. Persistent mode (the default) keeps the DuckDB file in
    `<data_dir>/bigquery-emulator`; tables made by SQL DDL are visible to the REST API in both
    modes.

Pointing clients at it (all verified against bqemulator 1.4.0 with google-cloud-bigquery 3.47)
    * Plain client: `client()` below, i.e. `bigquery.Client(project=..., credentials=
      AnonymousCredentials(), client_options={"api_endpoint": "http://127.0.0.1:P"})`. The
      emulator checks no credentials; anonymous ones are enough.
    * Code that builds its own client with default credentials (Beam's `BigQueryWrapper`, which
      calls `bigquery.Client()` for streaming inserts): set `BIGQUERY_EMULATOR_HOST` to the
      endpoint (google-cloud-bigquery reads it) and `GOOGLE_APPLICATION_CREDENTIALS` to a fake
      service-account file (`write_fake_credentials`) whose `token_uri` is the local token stub
      (`OAuthTokenStub`, a ManagedService named "oauth-token-stub" that answers every token
      request with a fixed bearer token). `emulator_env()` returns these variables.
    * Beam 2.77 `WriteToBigQuery(method="STREAMING_INSERTS", create_disposition="CREATE_NEVER")`
      works on the DirectRunner with that environment. `CREATE_IF_NEEDED` does not: Beam looks
      tables up through its apitools client, whose URL is fixed to bigquery.googleapis.com.
      `STORAGE_WRITE_API` does not either: it needs Beam's Java expansion-service jar, which is
      downloaded from Maven Central.
    * dbt-bigquery 1.12: profile `method: service-account`, `keyfile:` the fake file, and
      `api_endpoint:` the endpoint (the adapter passes it to `ClientOptions`). table, view and
      merge-incremental models run; `insert_overwrite` incrementals fail in SQL translation.
    * Storage Read API: `bqstorage_client()` (insecure gRPC channel to the gRPC port) reads whole
      tables, e.g. `list_rows(table).to_dataframe(bqstorage_client=...)`. Query results cannot be
      read through it (their anonymous result table is not found), so call
      `to_dataframe(create_bqstorage_client=False)` on query results; the default tries
      `bigquerystorage.googleapis.com`.

Differences from BigQuery to keep in mind
    * `insertAll` rows with a missing REQUIRED field, or a dict for a JSON column (pass
      `json.dumps(value)`), make the emulator answer HTTP 500, which the client retries for up to
      600 s by default: pass `retry=DEFAULT_RETRY.with_deadline(...)` in tests.
    * `insertAll` silently accepts unknown fields (BigQuery reports them in `insertErrors`).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.platform.process import (
    ManagedService,
    ServiceError,
    ServiceRecord,
    free_port,
    port_open,
)
from streamqoe.config import data_dir, platform_state_dir, project_id

if TYPE_CHECKING:
    from google.cloud import bigquery, bigquery_storage_v1

logger = logging.getLogger(__name__)

BQEMULATOR_VERSION = "1.4.0"
DUCKDB_VERSION = "1.5.5"
DUCKDB_EXTENSION_VERSION = "1.5.5"
NUMPY_VERSION = "2.4.6"
DUCKDB_EXTENSIONS: tuple[str, ...] = ("spatial", "avro")

VENV_ENV_VAR = "STREAMQOE_BQEMULATOR_VENV"
SERVICE_NAME = "bigquery-emulator"
TOKEN_STUB_SERVICE_NAME = "oauth-token-stub"
FAKE_ACCESS_TOKEN = "streamqoe-local-access-token"
BIGQUERY_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
HOST = "127.0.0.1"

_MARKER_NAME = ".streamqoe-installed.json"
_INSTALL_TIMEOUT_SECONDS = 900.0

# Run by the emulator's own interpreter: install each extension file shipped in a
# `duckdb_extension_<name>` wheel with DuckDB's INSTALL, load it, and report where it went.
_INSTALL_EXTENSIONS_SCRIPT = """
import importlib, json, pathlib, sys
import duckdb
con = duckdb.connect()
out = {}
for name in sys.argv[1:]:
    package = pathlib.Path(importlib.import_module("duckdb_extension_" + name).__file__).parent
    source = package / "extensions" / ("v" + duckdb.__version__) / (name + ".duckdb_extension")
    if not source.is_file():
        raise SystemExit("no %s extension for duckdb %s in %s" % (name, duckdb.__version__, package))
    con.execute("FORCE INSTALL '%s'" % str(source).replace("'", "''"))
    con.execute("LOAD " + name)
    out[name] = con.execute(
        "SELECT install_path FROM duckdb_extensions() WHERE extension_name = ?", [name]
    ).fetchone()[0]
print(json.dumps({"duckdb": duckdb.__version__, "extensions": out}))
"""


# ---------------------------------------------------------------------------
# Installation
# ---------------------------------------------------------------------------


def requirements() -> list[str]:
    """Return the pinned packages installed into the emulator's virtualenv."""
    return [
        f"bqemulator=={BQEMULATOR_VERSION}",
        f"duckdb=={DUCKDB_VERSION}",
        f"numpy=={NUMPY_VERSION}",
        *(f"duckdb-extension-{name}=={DUCKDB_EXTENSION_VERSION}" for name in DUCKDB_EXTENSIONS),
    ]


def default_venv_dir() -> Path:
    """Return the emulator's virtualenv: `$STREAMQOE_BQEMULATOR_VENV` or `<data_dir>/bqemulator-venv`."""
    override = os.environ.get(VENV_ENV_VAR)
    return Path(override).resolve() if override else data_dir() / "bqemulator-venv"


def _venv_bin(venv_dir: Path, name: str) -> Path:
    return venv_dir / "bin" / name


def _installed_marker(venv_dir: Path) -> dict[str, Any] | None:
    """Return the marker of a complete install with today's pins, or None."""
    marker = venv_dir / _MARKER_NAME
    try:
        info = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    if info.get("requirements") != requirements() or info.get("home") != str(Path.home()):
        return None
    if not _venv_bin(venv_dir, "bqemulator").exists():
        return None
    extensions = info.get("extensions", {})
    if set(extensions) != set(DUCKDB_EXTENSIONS):
        return None
    if not all(Path(path).is_file() for path in extensions.values()):
        return None
    return info


@contextlib.contextmanager
def _install_lock(venv_dir: Path) -> Iterator[None]:
    """Serialize installs of one virtualenv across processes."""
    venv_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = venv_dir.parent / f".{venv_dir.name}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run(command: Sequence[str]) -> str:
    """Run an install step, log it, and return its standard output."""
    shown = [arg if len(arg) < 200 else "<script>" for arg in command]
    logger.info("running: %s", " ".join(shown))
    result = subprocess.run(
        list(command),
        capture_output=True,
        text=True,
        timeout=_INSTALL_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise ServiceError(
            f"command failed with exit code {result.returncode}: {' '.join(shown)}\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )
    return result.stdout


def ensure_installed(venv_dir: Path | None = None) -> Path:
    """Install bqemulator and its DuckDB extensions into their own virtualenv, once.

    Creates the virtualenv with `uv venv` and installs `requirements()` with `uv pip install`
    (or `python -m venv` and pip when uv is not on PATH), then installs the DuckDB extensions
    from their wheels so that the emulator never downloads one. A marker file in the virtualenv
    records the pins; while it matches, this returns at once.

    Args:
        venv_dir: where the virtualenv lives; default `default_venv_dir()`.

    Returns:
        The path of the `bqemulator` executable inside the virtualenv.

    Raises:
        ServiceError: an install step failed (its output is included).
    """
    venv_dir = Path(venv_dir).resolve() if venv_dir else default_venv_dir()
    executable = _venv_bin(venv_dir, "bqemulator")
    if _installed_marker(venv_dir):
        logger.debug("bqemulator %s already installed in %s", BQEMULATOR_VERSION, venv_dir)
        return executable
    with _install_lock(venv_dir):
        if _installed_marker(venv_dir):
            return executable
        started = time.monotonic()
        logger.info("installing bqemulator %s into %s", BQEMULATOR_VERSION, venv_dir)
        (venv_dir / _MARKER_NAME).unlink(missing_ok=True)
        python = _venv_bin(venv_dir, "python")
        uv = shutil.which("uv")
        if uv:
            _run([uv, "venv", "--no-project", "--clear", "--python", sys.executable, str(venv_dir)])
            _run([uv, "pip", "install", "--python", str(python), *requirements()])
        else:
            _run([sys.executable, "-m", "venv", "--clear", str(venv_dir)])
            _run([str(python), "-m", "pip", "install", "--quiet", *requirements()])
        report = json.loads(
            _run([str(python), "-c", _INSTALL_EXTENSIONS_SCRIPT, *DUCKDB_EXTENSIONS])
            .strip()
            .splitlines()[-1]
        )
        if report["duckdb"] != DUCKDB_VERSION:
            raise ServiceError(f"emulator venv has duckdb {report['duckdb']}, not {DUCKDB_VERSION}")
        if not executable.exists():
            raise ServiceError(f"{executable} missing after install")
        marker = {
            "requirements": requirements(),
            "home": str(Path.home()),
            "extensions": report["extensions"],
            "installed_at": time.time(),
        }
        (venv_dir / _MARKER_NAME).write_text(json.dumps(marker, indent=2))
        logger.info(
            "installed bqemulator %s in %.1fs (extensions: %s)",
            BQEMULATOR_VERSION,
            time.monotonic() - started,
            ", ".join(f"{k}={v}" for k, v in report["extensions"].items()),
        )
    return executable


# ---------------------------------------------------------------------------
# The emulator
# ---------------------------------------------------------------------------


def _flag(command: Sequence[str], flag: str) -> str | None:
    """Return the value that follows `flag` in a recorded command line."""
    items = list(command)
    with contextlib.suppress(ValueError, IndexError):
        return items[items.index(flag) + 1]
    return None


def _lists_datasets(endpoint: str, project: str) -> bool:
    """Tell whether the REST API answers a dataset list for `project`."""
    url = f"{endpoint}/bigquery/v2/projects/{project}/datasets"
    try:
        with urllib.request.urlopen(url, timeout=2.0) as response:
            body = json.loads(response.read())
    except (OSError, ValueError):
        return False
    return body.get("kind") == "bigquery#datasetList"


class BigQueryEmulator:
    """The bqemulator server as a managed background service (name "bigquery-emulator").

    A later process finds a running emulator through the state file, so `endpoint`,
    `grpc_endpoint`, `status()` and `stop()` work across CLI invocations.
    """

    def __init__(
        self,
        state_dir: Path | None = None,
        storage_dir: Path | None = None,
        venv_dir: Path | None = None,
    ) -> None:
        """Describe the emulator; nothing is started.

        Args:
            state_dir: where the state file and log go; default `platform_state_dir()`.
            storage_dir: the DuckDB directory of persistent mode; default
                `<data_dir>/bigquery-emulator`.
            venv_dir: the emulator's virtualenv; default `default_venv_dir()`.
        """
        self.service = ManagedService(SERVICE_NAME, Path(state_dir or platform_state_dir()))
        self.storage_dir = Path(storage_dir) if storage_dir else data_dir() / "bigquery-emulator"
        self.venv_dir = Path(venv_dir) if venv_dir else None

    def start(
        self,
        project: str | None = None,
        port: int | None = None,
        *,
        grpc_port: int | None = None,
        ephemeral: bool = False,
        timeout_seconds: float = 90.0,
    ) -> ServiceRecord:
        """Install if needed, start the emulator and wait until its REST and gRPC APIs answer.

        Returns the running emulator's record if one is already recorded (its settings win).

        Args:
            project: default project id of requests; default `project_id()`.
            port: REST port; default a free one.
            grpc_port: gRPC (Storage Read/Write API) port; default a free one.
            ephemeral: keep everything in memory instead of `storage_dir`.
            timeout_seconds: how long to wait for readiness.

        Raises:
            ServiceError: it could not be installed, exited, or did not become ready.
        """
        project = project or project_id()
        existing = self.record()
        if existing:
            running_project = _flag(existing.command, "--project")
            if running_project != project:
                logger.warning(
                    "bigquery-emulator already runs for project %s, not %s",
                    running_project,
                    project,
                )
            return existing
        executable = ensure_installed(self.venv_dir)
        port = port or free_port(HOST)
        grpc_port = grpc_port or free_port(HOST)
        while grpc_port == port:
            grpc_port = free_port(HOST)
        command = [
            str(executable),
            "start",
            "--rest-host",
            HOST,
            "--rest-port",
            str(port),
            "--grpc-host",
            HOST,
            "--grpc-port",
            str(grpc_port),
            "--project",
            project,
            "--log-format",
            "json",
            "--log-level",
            "info",
        ]
        if ephemeral:
            command.append("--ephemeral")
        else:
            self.storage_dir.mkdir(parents=True, exist_ok=True)
            command += ["--persistent", "--data-dir", str(self.storage_dir)]
        endpoint = f"http://{HOST}:{port}"

        def ready() -> bool:
            return _lists_datasets(endpoint, project) and port_open(HOST, grpc_port)

        started = time.monotonic()
        record = self.service.start(
            command, HOST, port, ready=ready, timeout_seconds=timeout_seconds
        )
        logger.info(
            "bigquery-emulator ready at %s (gRPC %s:%s, project %s) in %.1fs",
            endpoint,
            HOST,
            grpc_port,
            project,
            time.monotonic() - started,
        )
        return record

    def stop(self) -> bool:
        """Stop the emulator's whole process group; True when one was running."""
        stopped = self.service.stop()
        if stopped:
            logger.info("bigquery-emulator stopped")
        return stopped

    def record(self) -> ServiceRecord | None:
        """Return the running emulator's record, or None."""
        return self.service.record()

    def status(self) -> dict[str, Any]:
        """Describe the emulator: running or not, pid, endpoints, project, log."""
        record = self.record()
        if record is None:
            return {"name": SERVICE_NAME, "running": False, "log": str(self.service.log_path)}
        return {
            "name": SERVICE_NAME,
            "running": True,
            "pid": record.pid,
            "endpoint": f"http://{record.host}:{record.port}",
            "grpc_endpoint": self._grpc_endpoint(record),
            "project": _flag(record.command, "--project"),
            "data_dir": _flag(record.command, "--data-dir"),
            "log": record.log_path,
        }

    def _running(self) -> ServiceRecord:
        record = self.record()
        if record is None:
            raise ServiceError("bigquery-emulator is not running")
        return record

    @staticmethod
    def _grpc_endpoint(record: ServiceRecord) -> str:
        return f"{_flag(record.command, '--grpc-host')}:{_flag(record.command, '--grpc-port')}"

    @property
    def endpoint(self) -> str:
        """The REST endpoint, `http://127.0.0.1:PORT` (raises ServiceError when not running)."""
        record = self._running()
        return f"http://{record.host}:{record.port}"

    @property
    def grpc_endpoint(self) -> str:
        """The Storage Read/Write API endpoint, `127.0.0.1:PORT` (raises when not running)."""
        return self._grpc_endpoint(self._running())

    @property
    def project(self) -> str:
        """The default project of the running emulator."""
        return _flag(self._running().command, "--project") or project_id()

    def client(self, project: str | None = None) -> bigquery.Client:
        """Return a google-cloud-bigquery client pointed at the running emulator."""
        return client(project or self.project, endpoint=self.endpoint)


# ---------------------------------------------------------------------------
# Credentials: a local OAuth token endpoint and a throwaway service account
# ---------------------------------------------------------------------------


class _TokenHandler(BaseHTTPRequestHandler):
    """Answer any POST (an OAuth token request) with a fixed bearer token; GET says ok."""

    def _reply(self, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._reply({"access_token": FAKE_ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"})

    def do_GET(self) -> None:
        self._reply({"status": "ok"})

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s %s", self.address_string(), format % args)


def serve_token_stub(host: str = HOST, port: int = 0) -> None:
    """Serve the token stub in this process until it is killed."""
    server = ThreadingHTTPServer((host, port), _TokenHandler)
    logger.info("oauth token stub listening on %s:%s", *server.server_address[:2])
    server.serve_forever()


def _token_answers(token_uri: str) -> bool:
    request = urllib.request.Request(token_uri, data=b"grant_type=probe", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=2.0) as response:
            return json.loads(response.read()).get("access_token") == FAKE_ACCESS_TOKEN
    except (OSError, ValueError):
        return False


class OAuthTokenStub:
    """A tiny local OAuth token endpoint as a managed service (name "oauth-token-stub").

    It runs `python -m app.platform.bigquery_emulator token-stub`, so it outlives the
    process that started it. `start()` also (re)writes `credentials_path`, a fake service-account
    file whose `token_uri` is this stub.
    """

    def __init__(self, state_dir: Path | None = None) -> None:
        """Describe the stub; nothing is started. `state_dir` defaults to `platform_state_dir()`."""
        self.state_dir = Path(state_dir or platform_state_dir())
        self.service = ManagedService(TOKEN_STUB_SERVICE_NAME, self.state_dir)
        self.credentials_path = self.state_dir / "fake-service-account.json"

    def start(self, port: int | None = None, timeout_seconds: float = 30.0) -> ServiceRecord:
        """Start the stub (or find it running) and make sure `credentials_path` points at it."""
        record = self.record()
        if record is None:
            port = port or free_port(HOST)
            token_uri = f"http://{HOST}:{port}/token"
            command = [
                sys.executable,
                "-m",
                "app.platform.bigquery_emulator",
                "token-stub",
                "--port",
                str(port),
            ]
            record = self.service.start(
                command,
                HOST,
                port,
                ready=lambda: _token_answers(token_uri),
                timeout_seconds=timeout_seconds,
            )
        token_uri = f"http://{record.host}:{record.port}/token"
        current = None
        with contextlib.suppress(OSError, ValueError):
            current = json.loads(self.credentials_path.read_text()).get("token_uri")
        if current != token_uri:
            write_fake_credentials(self.credentials_path, token_uri)
        return record

    def stop(self) -> bool:
        """Stop the stub; True when one was running."""
        return self.service.stop()

    def record(self) -> ServiceRecord | None:
        """Return the running stub's record, or None."""
        return self.service.record()

    @property
    def token_uri(self) -> str:
        """The token endpoint of the running stub (raises ServiceError when not running)."""
        record = self.record()
        if record is None:
            raise ServiceError("oauth-token-stub is not running")
        return f"http://{record.host}:{record.port}/token"


def write_fake_credentials(path: Path, token_uri: str, project: str | None = None) -> Path:
    """Write a service-account key file with a fresh throwaway RSA key and the given token_uri.

    google-auth signs a JWT with the key and POSTs it to `token_uri`; pointed at
    `OAuthTokenStub` that yields a bearer token the emulator ignores. The key is never valid
    anywhere.

    Returns:
        `path`, written with mode 0600.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    project = project or project_id()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    email = f"streamqoe-local@{project}.iam.gserviceaccount.com"
    info = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": uuid.uuid4().hex,
        "private_key": pem,
        "client_email": email,
        "client_id": str(uuid.uuid4().int)[:21],
        "auth_uri": token_uri,
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": token_uri,
        "client_x509_cert_url": token_uri,
        "universe_domain": "googleapis.com",
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(info, indent=2))
    path.chmod(0o600)
    logger.info("wrote fake service-account credentials %s (token_uri %s)", path, token_uri)
    return path


# ---------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------


def _resolve_endpoint(endpoint: str | None) -> str:
    if endpoint:
        return endpoint
    from_env = os.environ.get("BIGQUERY_EMULATOR_HOST")
    if from_env:
        return from_env
    return BigQueryEmulator().endpoint


def client(
    project: str | None = None,
    endpoint: str | None = None,
    credentials_path: Path | None = None,
) -> bigquery.Client:
    """Return a real google-cloud-bigquery client pointed at the emulator.

    Args:
        project: default `project_id()`.
        endpoint: `http://host:port`; default `$BIGQUERY_EMULATOR_HOST`, else the emulator
            recorded in the platform state directory.
        credentials_path: a (fake) service-account file to authenticate with; default
            anonymous credentials, which the emulator accepts.
    """
    from google.auth.credentials import AnonymousCredentials, Credentials
    from google.cloud import bigquery

    credentials: Credentials
    if credentials_path:
        from google.oauth2 import service_account

        credentials = service_account.Credentials.from_service_account_file(
            str(credentials_path), scopes=[BIGQUERY_SCOPE]
        )
    else:
        credentials = AnonymousCredentials()
    return bigquery.Client(
        project=project or project_id(),
        credentials=credentials,
        client_options={"api_endpoint": _resolve_endpoint(endpoint)},
    )


def bqstorage_client(grpc_endpoint: str | None = None) -> bigquery_storage_v1.BigQueryReadClient:
    """Return a Storage Read API client on an insecure channel to the emulator's gRPC port.

    Use it to read tables (`list_rows(...).to_dataframe(bqstorage_client=...)`); query results
    are not readable through the emulator's Storage Read API.
    """
    import grpc
    from google.cloud import bigquery_storage_v1
    from google.cloud.bigquery_storage_v1.services.big_query_read.transports import (
        BigQueryReadGrpcTransport,
    )

    channel = grpc.insecure_channel(grpc_endpoint or BigQueryEmulator().grpc_endpoint)
    return bigquery_storage_v1.BigQueryReadClient(
        transport=BigQueryReadGrpcTransport(channel=channel)
    )


def emulator_env(
    endpoint: str, credentials_path: Path, project: str | None = None
) -> dict[str, str]:
    """Return the environment that sends default-configured BigQuery clients to the emulator.

    `bigquery.Client()` with no arguments then uses the emulator (BIGQUERY_EMULATOR_HOST) and
    the fake service account (GOOGLE_APPLICATION_CREDENTIALS, whose token_uri must be a running
    `OAuthTokenStub`).
    """
    project = project or project_id()
    return {
        "BIGQUERY_EMULATOR_HOST": endpoint,
        "GOOGLE_APPLICATION_CREDENTIALS": str(credentials_path),
        "GOOGLE_CLOUD_PROJECT": project,
    }


# ---------------------------------------------------------------------------
# Entry point of the token stub's own process
# ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m app.platform.bigquery_emulator token-stub --port N`."""
    parser = argparse.ArgumentParser(prog="python -m app.platform.bigquery_emulator")
    commands = parser.add_subparsers(dest="command", required=True)
    stub = commands.add_parser("token-stub", help="serve the local OAuth token endpoint")
    stub.add_argument("--host", default=HOST)
    stub.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if args.command == "token-stub":
        serve_token_stub(args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
