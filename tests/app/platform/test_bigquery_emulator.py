"""The local BigQuery emulator, driven through the real google-cloud-bigquery client.

The integration tests start one emulator for the module (installing it on first use) in a
temporary state directory, so they never touch an emulator a developer has running.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from google.auth.transport.requests import Request
from google.cloud import bigquery
from google.oauth2 import service_account

from app.platform import bigquery_emulator as bqe
from app.platform.process import group_members, pid_alive

PROJECT = "streamqoe-local"
# Resolved at import, before the autouse fixture points STREAMQOE_DATA_DIR at a per-test folder:
# every emulator of this module shares one install.
VENV_DIR = bqe.default_venv_dir()
# The emulator answers some bad requests with HTTP 500, which the client retries for 600 s.
RETRY = bigquery.DEFAULT_RETRY.with_deadline(30)

EVENTS_SCHEMA = [
    bigquery.SchemaField("session_id", "STRING", mode="REQUIRED"),
    bigquery.SchemaField("event_ts", "TIMESTAMP", mode="REQUIRED"),
    bigquery.SchemaField("cdn", "STRING", mode="NULLABLE"),
    bigquery.SchemaField("bitrate_kbps", "INT64", mode="NULLABLE"),
    bigquery.SchemaField("rebuffer_ratio", "FLOAT64", mode="NULLABLE"),
    bigquery.SchemaField("renditions", "INT64", mode="REPEATED"),
    bigquery.SchemaField(
        "device",
        "RECORD",
        mode="NULLABLE",
        fields=[
            bigquery.SchemaField("os", "STRING", mode="REQUIRED"),
            bigquery.SchemaField("model", "STRING", mode="NULLABLE"),
            bigquery.SchemaField("codecs", "STRING", mode="REPEATED"),
        ],
    ),
    bigquery.SchemaField("payload", "JSON", mode="NULLABLE"),
]

EVENT_ROWS = [
    {
        "session_id": "s-001",
        "event_ts": "2024-05-01T12:00:00.123456Z",
        "cdn": "akamai",
        "bitrate_kbps": 4500,
        "rebuffer_ratio": 0.025,
        "renditions": [720, 1080, 480],
        "device": {"os": "ios", "model": "iPhone15", "codecs": ["h264", "hevc"]},
        # BigQuery's insertAll takes JSON column values as JSON text.
        "payload": json.dumps({"player": "avplayer", "errors": [1, 2]}),
    },
    {
        "session_id": "s-002",
        "event_ts": "2024-05-02T00:00:00Z",
        "cdn": None,
        "bitrate_kbps": None,
        "rebuffer_ratio": None,
        "renditions": [],
        "device": None,
        "payload": None,
    },
    {
        "session_id": "s-003",
        "event_ts": "2024-05-02T23:59:59.999999Z",
        "cdn": "fastly",
        "bitrate_kbps": 1200,
        "rebuffer_ratio": 0.5,
        "renditions": [360],
        "device": {"os": "android", "model": None, "codecs": []},
        "payload": json.dumps({"player": "exoplayer"}),
    },
]


# The emulator echoes type names as sent; BigQuery's legacy names are the same types.
_LEGACY_TYPE = {"INT64": "INTEGER", "FLOAT64": "FLOAT", "BOOL": "BOOLEAN", "STRUCT": "RECORD"}


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def _shape(fields: list[bigquery.SchemaField]) -> list[tuple[str, str, str]]:
    return [(f.name, _LEGACY_TYPE.get(f.field_type, f.field_type), f.mode) for f in fields]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bqe.BigQueryEmulator]:
    state = tmp_path_factory.mktemp("bq-platform")
    emu = bqe.BigQueryEmulator(state_dir=state, storage_dir=state / "warehouse", venv_dir=VENV_DIR)
    bqe.ensure_installed(VENV_DIR)
    emu.start(project=PROJECT)
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture(scope="module")
def bq(emulator: bqe.BigQueryEmulator) -> Iterator[bigquery.Client]:
    client = bqe.client(PROJECT, endpoint=emulator.endpoint)
    yield client
    client.close()


@pytest.fixture(scope="module")
def events_table(bq: bigquery.Client) -> bigquery.Table:
    bq.create_dataset("qoe_raw", retry=RETRY)
    table = bigquery.Table(f"{PROJECT}.qoe_raw.playback_events", schema=EVENTS_SCHEMA)
    table.time_partitioning = bigquery.TimePartitioning(
        type_=bigquery.TimePartitioningType.DAY, field="event_ts"
    )
    table.clustering_fields = ["session_id", "cdn"]
    bq.create_table(table, retry=RETRY)
    errors = bq.insert_rows_json(
        table,
        EVENT_ROWS,
        row_ids=[row["session_id"] for row in EVENT_ROWS],
        retry=RETRY,
    )
    assert errors == []
    return bq.get_table(table.reference, retry=RETRY)


@pytest.mark.integration
def test_start_is_idempotent_and_reports_status(emulator: bqe.BigQueryEmulator) -> None:
    record = emulator.record()
    assert record is not None
    assert emulator.start(project=PROJECT).pid == record.pid
    status = emulator.status()
    assert status["running"] is True
    assert status["project"] == PROJECT
    assert status["endpoint"] == emulator.endpoint == f"http://127.0.0.1:{record.port}"
    assert status["grpc_endpoint"] == emulator.grpc_endpoint
    assert emulator.grpc_endpoint != f"127.0.0.1:{record.port}"


@pytest.mark.integration
def test_create_dataset(bq: bigquery.Client) -> None:
    dataset = bigquery.Dataset(f"{PROJECT}.qoe_marts")
    dataset.description = "marts"
    dataset.labels = {"team": "qoe"}
    bq.create_dataset(dataset, retry=RETRY)

    fetched = bq.get_dataset("qoe_marts", retry=RETRY)
    assert fetched.dataset_id == "qoe_marts"
    assert fetched.project == PROJECT
    assert fetched.description == "marts"
    assert fetched.labels == {"team": "qoe"}
    assert "qoe_marts" in {d.dataset_id for d in bq.list_datasets(retry=RETRY)}


@pytest.mark.integration
def test_table_keeps_schema_partitioning_and_clustering(events_table: bigquery.Table) -> None:
    assert _shape(events_table.schema) == [
        ("session_id", "STRING", "REQUIRED"),
        ("event_ts", "TIMESTAMP", "REQUIRED"),
        ("cdn", "STRING", "NULLABLE"),
        ("bitrate_kbps", "INTEGER", "NULLABLE"),
        ("rebuffer_ratio", "FLOAT", "NULLABLE"),
        ("renditions", "INTEGER", "REPEATED"),
        ("device", "RECORD", "NULLABLE"),
        ("payload", "JSON", "NULLABLE"),
    ]
    device = events_table.schema[6]
    assert _shape(device.fields) == [
        ("os", "STRING", "REQUIRED"),
        ("model", "STRING", "NULLABLE"),
        ("codecs", "STRING", "REPEATED"),
    ]
    assert events_table.time_partitioning.type_ == bigquery.TimePartitioningType.DAY
    assert events_table.time_partitioning.field == "event_ts"
    assert events_table.clustering_fields == ["session_id", "cdn"]


@pytest.mark.integration
def test_streamed_rows_query_back_exactly(
    bq: bigquery.Client, events_table: bigquery.Table
) -> None:
    rows = [
        dict(row)
        for row in bq.query(
            "SELECT * FROM `streamqoe-local.qoe_raw.playback_events` ORDER BY session_id",
            retry=RETRY,
        ).result()
    ]
    assert rows == [
        {
            "session_id": "s-001",
            "event_ts": _utc(2024, 5, 1, 12, 0, 0, 123456),
            "cdn": "akamai",
            "bitrate_kbps": 4500,
            "rebuffer_ratio": 0.025,
            "renditions": [720, 1080, 480],
            "device": {"os": "ios", "model": "iPhone15", "codecs": ["h264", "hevc"]},
            "payload": {"player": "avplayer", "errors": [1, 2]},
        },
        {
            "session_id": "s-002",
            "event_ts": _utc(2024, 5, 2),
            "cdn": None,
            "bitrate_kbps": None,
            "rebuffer_ratio": None,
            "renditions": [],
            "device": None,
            "payload": None,
        },
        {
            "session_id": "s-003",
            "event_ts": _utc(2024, 5, 2, 23, 59, 59, 999999),
            "cdn": "fastly",
            "bitrate_kbps": 1200,
            "rebuffer_ratio": 0.5,
            "renditions": [360],
            "device": {"os": "android", "model": None, "codecs": []},
            "payload": {"player": "exoplayer"},
        },
    ]


@pytest.mark.integration
def test_sql_over_nested_partitioned_data(
    bq: bigquery.Client, events_table: bigquery.Table
) -> None:
    sql = """
        SELECT
          DATE(event_ts) AS day,
          COUNT(DISTINCT session_id) AS sessions,
          SUM(r) AS rendition_sum,
          STRING_AGG(DISTINCT device.os, ',' ORDER BY device.os) AS oses,
          STRING_AGG(DISTINCT JSON_VALUE(payload, '$.player'), ',') AS players
        FROM `streamqoe-local.qoe_raw.playback_events`
        LEFT JOIN UNNEST(renditions) AS r
        WHERE event_ts >= TIMESTAMP '2024-05-01' AND event_ts < TIMESTAMP '2024-05-03'
        GROUP BY day
        ORDER BY day
    """
    rows = [dict(row) for row in bq.query(sql, retry=RETRY).result()]
    assert rows == [
        {
            "day": dt.date(2024, 5, 1),
            "sessions": 1,
            "rendition_sum": 2280,
            "oses": "ios",
            "players": "avplayer",
        },
        {
            "day": dt.date(2024, 5, 2),
            "sessions": 2,
            "rendition_sum": 360,
            "oses": "android",
            "players": "exoplayer",
        },
    ]


@pytest.mark.integration
@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_storage_read_api_reads_a_table(
    emulator: bqe.BigQueryEmulator, bq: bigquery.Client, events_table: bigquery.Table
) -> None:
    read_client = bqe.bqstorage_client(emulator.grpc_endpoint)
    frame = bq.list_rows(events_table).to_dataframe(bqstorage_client=read_client)
    assert sorted(frame["session_id"]) == ["s-001", "s-002", "s-003"]
    assert int(frame["bitrate_kbps"].sum()) == 5700


@pytest.mark.integration
def test_fake_service_account_through_token_stub(
    emulator: bqe.BigQueryEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stub = bqe.OAuthTokenStub(state_dir=tmp_path)
    record = stub.start()
    try:
        assert stub.start().pid == record.pid
        credentials_file = json.loads(stub.credentials_path.read_text())
        assert credentials_file["token_uri"] == stub.token_uri

        explicit = bqe.client(
            PROJECT, endpoint=emulator.endpoint, credentials_path=stub.credentials_path
        )
        explicit.create_dataset("authed", retry=RETRY)
        assert explicit._credentials.token == bqe.FAKE_ACCESS_TOKEN

        # What Beam's BigQueryWrapper does: a client with default credentials and endpoint.
        for name, value in bqe.emulator_env(emulator.endpoint, stub.credentials_path).items():
            monkeypatch.setenv(name, value)
        default = bigquery.Client()
        assert default.project == PROJECT
        assert "authed" in {d.dataset_id for d in default.list_datasets(retry=RETRY)}
        assert default._credentials.token == bqe.FAKE_ACCESS_TOKEN
    finally:
        assert stub.stop() is True
    assert stub.record() is None
    assert not pid_alive(record.pid)


@pytest.mark.integration
def test_stop_leaves_no_process(tmp_path: Path) -> None:
    emu = bqe.BigQueryEmulator(state_dir=tmp_path, venv_dir=VENV_DIR)
    record = emu.start(project=PROJECT, ephemeral=True)
    pgid = os.getpgid(record.pid)
    assert pgid == record.pid
    assert record.pid in group_members(pgid)

    assert emu.stop() is True

    assert group_members(pgid) == []
    assert not pid_alive(record.pid)
    assert emu.record() is None
    assert emu.status()["running"] is False
    assert not (tmp_path / "bigquery-emulator.json").exists()
    assert emu.stop() is False


def test_write_fake_credentials_loads_as_service_account(tmp_path: Path) -> None:
    path = bqe.write_fake_credentials(
        tmp_path / "creds" / "sa.json", "http://127.0.0.1:1/token", project="p-test-1"
    )
    assert path == tmp_path / "creds" / "sa.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    credentials = service_account.Credentials.from_service_account_file(
        str(path), scopes=[bqe.BIGQUERY_SCOPE]
    )
    assert credentials.project_id == "p-test-1"
    assert credentials.service_account_email == "streamqoe-local@p-test-1.iam.gserviceaccount.com"
    assert credentials._token_uri == "http://127.0.0.1:1/token"
    assert len(credentials.sign_bytes(b"payload")) == 256  # a real 2048-bit RSA key


def test_fake_credentials_refresh_against_token_handler(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), bqe._TokenHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        token_uri = f"http://127.0.0.1:{server.server_address[1]}/token"
        path = bqe.write_fake_credentials(tmp_path / "sa.json", token_uri)
        credentials = service_account.Credentials.from_service_account_file(
            str(path), scopes=[bqe.BIGQUERY_SCOPE]
        )
        credentials.refresh(Request())
        assert credentials.token == bqe.FAKE_ACCESS_TOKEN
        assert credentials.valid
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
