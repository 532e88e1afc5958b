"""Batch inputs on Cloud Storage, against a real local GCS stand-in (gcp-storage-emulator).

The module starts, on free ports and in their own process groups (stopped at the end):
`gcp-storage-emulator` (PyPI, in memory) and the project's OAuth token stub, whose fake
service-account file becomes the Application Default Credentials. The pipeline code is configured
only through the environment, as on any machine: `STORAGE_EMULATOR_HOST` (google-cloud-storage
sends Beam's GCS requests there) and `GOOGLE_APPLICATION_CREDENTIALS`.

A small simulated run (malformed lines, contract violations, duplicates; gzip beacon batches, a
gzip CloudFront standard log, CMCD reports, transcode events) plus a beacon batch whose gzip
stream is cut goes to a bucket; the batch pipeline runs over `gs://` patterns and over the same
files on disk. Every landed table must hold the same rows (sources renamed from the local folder
to the bucket; run-time stamps left out), the accounting must be exact (app.demo.accounting:
every input unit landed or dead-lettered), and every dead letter names its gs:// object.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from landed import BROKEN, faulty_simulation, landed_tables, table_rows

from app.demo import accounting
from app.platform.bigquery_emulator import OAuthTokenStub
from app.platform.process import ManagedService, free_port
from pipelines import batch
from pipelines.remote_files import TEMP_PREFIX, local_copy, match_remote
from pipelines.transforms.parse import DEAD_LETTER, PLAYER_EVENT_TABLE, ReadAndParseFilesFn
from streamqoe.ingest.read import UnreadableInput

pytestmark = pytest.mark.integration

HOST = "127.0.0.1"
BUCKET = "streamqoe-inputs"
ROOT = f"gs://{BUCKET}/sim"


def _lists_buckets(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/storage/v1/b", timeout=2.0) as response:
            return isinstance(json.loads(response.read()), dict)
    except (OSError, ValueError):
        return False


def _reset_beam_credentials() -> tuple[bool, object]:
    """Forget Beam's process-wide credentials cache (so this module's environment is used);
    return the previous state for _restore_beam_credentials."""
    from apache_beam.internal.gcp import auth

    before = (auth._Credentials._credentials_init, auth._Credentials._credentials)
    auth._Credentials._credentials_init = False
    auth._Credentials._credentials = None
    return before


def _restore_beam_credentials(state: tuple[bool, object]) -> None:
    from apache_beam.internal.gcp import auth

    auth._Credentials._credentials_init, auth._Credentials._credentials = state


@pytest.fixture(scope="module")
def gcs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running GCS emulator with bucket BUCKET; the environment points clients at it."""
    state = tmp_path_factory.mktemp("gcs-state")
    port = free_port(HOST)
    endpoint = f"http://{HOST}:{port}"
    emulator = ManagedService("gcs-emulator", state)
    stub = OAuthTokenStub(state_dir=state)
    command = [sys.executable, "-m", "gcp_storage_emulator", "start"]
    command += ["--host", HOST, "--port", str(port), "--in-memory", "--quiet"]
    try:
        emulator.start(command, HOST, port, ready=lambda: _lists_buckets(endpoint))
        stub.start()
        with pytest.MonkeyPatch.context() as env:
            env.setenv("STORAGE_EMULATOR_HOST", endpoint)
            env.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(stub.credentials_path))
            beam_credentials = _reset_beam_credentials()
            try:
                from google.cloud import storage

                storage.Client().create_bucket(BUCKET)
                yield endpoint
            finally:
                _restore_beam_credentials(beam_credentials)
    finally:
        stub.stop()
        emulator.stop()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return faulty_simulation(tmp_path_factory.mktemp("sim"), viewers=40, hours=1)


@pytest.fixture(scope="module")
def uploaded(gcs: str, simulated: Path) -> str:
    """Every simulated input file as an object under ROOT (same relative names)."""
    from google.cloud import storage

    bucket = storage.Client().bucket(BUCKET)
    for path in sorted(simulated.rglob("*")):
        if path.is_file() and path.parts[-2:-1] != ("truth",):
            rel = path.relative_to(simulated).as_posix()
            bucket.blob(f"sim/{rel}").upload_from_filename(str(path))
    bucket.blob("sim/empty-folder/").upload_from_string(b"")  # a console-made "folder"
    return ROOT


def inputs(root: str) -> list[str]:
    argv = []
    for spec in (
        f"{root}/player/**/*.gz",
        f"beacon={root}/{BROKEN}",
        f"{root}/cmcd/**/*.cmcd",
        f"{root}/cdn/**/*.gz",
        f"{root}/transcode/*.jsonl",
    ):
        argv += ["--input", spec]
    return argv


@pytest.fixture(scope="module")
def warehouses(
    uploaded: str, simulated: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    out = {}
    temp = tmp_path_factory.mktemp("copies")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(temp))  # where local_copy puts its copies
        for where, root in (("gcs", uploaded), ("local", str(simulated))):
            warehouse = tmp_path_factory.mktemp(where) / "warehouse.duckdb"
            argv = [*inputs(root), "--warehouse", f"duckdb:{warehouse}", "--runner", "FnApiRunner"]
            result = batch.run(argv)
            assert result.state == "DONE"
            out[where] = warehouse
    assert not [p.name for p in temp.iterdir() if p.name.startswith(TEMP_PREFIX)]
    return out


def test_gcs_and_local_inputs_land_the_same_tables(
    warehouses: dict[str, Path], simulated: Path
) -> None:
    tables = landed_tables(warehouses["gcs"])
    assert tables == landed_tables(warehouses["local"])
    assert len(tables) == 10
    for table in tables:
        local = table_rows(warehouses["local"], table, rename=(str(simulated), ROOT))
        remote = table_rows(warehouses["gcs"], table)
        assert len(remote) == len(local), table
        assert remote == local, table
        assert local or table == "transcode_jobs", f"{table} is empty: nothing compared"


def test_gcs_accounting_is_exact(warehouses: dict[str, Path], simulated: Path) -> None:
    with duckdb.connect(str(warehouses["gcs"]), read_only=True) as con:
        counts = {
            t: con.execute(f'select count(*) from "{t}"').fetchone()[0]
            for t in ("player_events", "cmcd_reports", "cdn_requests", "transcode_events")
        }
        counts["dead_letters"] = con.execute(
            f"select count(*) from dead_letters where source not like '%{BROKEN}'"
        ).fetchone()[0]
        sources = [s for (s,) in con.execute("select source from dead_letters").fetchall()]
        broken = con.execute(
            "select stage, error_class, error_message from dead_letters where source = ?",
            [f"file:{ROOT}/{BROKEN}"],
        ).fetchall()
    books = accounting(simulated, counts)
    assert all(expected == landed for _, expected, landed in books), books
    assert dict((t, n) for t, n, _ in books)["dead_letters"] > 10  # faults were really injected
    assert sources and all(s.startswith(f"file:{ROOT}/") for s in sources)
    assert not [s for s in sources if TEMP_PREFIX in s]
    assert len(broken) == 1  # the cut gzip stream: one decode dead letter naming the object
    stage, error_class, message = broken[0]
    assert (stage, error_class) == ("decode", "UnreadableInput")
    assert message.startswith(f"{ROOT}/{BROKEN}: ") and TEMP_PREFIX not in message


def test_gcs_patterns_expand_as_local_globs(uploaded: str, simulated: Path) -> None:
    patterns = [
        "player/**/*.gz",  # `**/` through several folders
        "transcode/**/*.jsonl",  # `**/` through no folder, as a local recursive glob
        "**/*.cmcd",
        "cdn/cloudfront/E*.gz",
        "cmcd/2025/01/15/0?/*.cmcd",
        "transcode/mediaconvert.jsonl",  # one object, no wildcard
    ]
    for pattern in patterns:
        specs = [f"{uploaded}/{pattern}", f"mediaconvert={uploaded}/transcode/mediaconvert.jsonl"]
        remote = batch.expand_inputs(specs)
        local = batch.expand_inputs([s.replace(uploaded, str(simulated)) for s in specs])
        assert remote == [(p.replace(str(simulated), uploaded), f) for p, f in local], pattern
        assert remote[0][0].startswith(f"{ROOT}/"), pattern
        assert remote[-1] == (f"{ROOT}/transcode/mediaconvert.jsonl", "mediaconvert")


def test_gcs_pattern_matching_nothing_is_a_clear_error(uploaded: str) -> None:
    spec = f"{uploaded}/nothing/**/*.gz"
    with pytest.raises(FileNotFoundError, match=re.escape(f"--input '{spec}' matches no file")):
        batch.expand_inputs([spec])
    with pytest.raises(FileNotFoundError):  # a "folder" object is not an input
        batch.expand_inputs([f"{uploaded}/empty-folder/**"])
    assert match_remote(f"{uploaded}/empty-folder/**") == []


def test_local_copy_keeps_the_stored_bytes_and_name(uploaded: str, simulated: Path) -> None:
    log = next((simulated / "cdn" / "cloudfront").glob("*.gz"))
    path = f"{uploaded}/cdn/cloudfront/{log.name}"
    with local_copy(path, chunk_bytes=4096) as local:  # several chunks
        assert Path(local).name == log.name
        assert Path(local).read_bytes() == log.read_bytes()  # still gzip: not decompressed
        assert Path(local).read_bytes()[:2] == b"\x1f\x8b"
    assert not os.path.exists(local)
    assert not os.path.exists(os.path.dirname(local))
    with (
        pytest.raises(UnreadableInput, match=r"missing\.jsonl"),
        local_copy(f"{uploaded}/missing.jsonl"),
    ):
        pass


@pytest.mark.parametrize("beacon_tables", [False, True])
def test_unreadable_object_is_a_decode_dead_letter(uploaded: str, beacon_tables: bool) -> None:
    fn = ReadAndParseFilesFn(received_at_ms=1_736_935_200_000, beacon_tables=beacon_tables)
    for path, name in (
        (f"{uploaded}/gone/beacons.jsonl", "auto"),
        (f"{uploaded}/{BROKEN}", "beacon"),
    ):
        outputs = list(fn.process((path, name)))
        assert [o.tag for o in outputs] == [DEAD_LETTER], path
        letter = outputs[0].value.value
        assert letter["source"] == f"file:{path}"
        assert letter["stage"] == "decode" and letter["error_class"] == "UnreadableInput"
        assert path in letter["error_message"] and TEMP_PREFIX not in letter["error_message"]


def test_beacon_object_table_is_keyed_by_its_gs_path(uploaded: str, simulated: Path) -> None:
    files = json.loads((simulated / "truth" / "faults.json").read_text())["files"]
    rel = max((f for f in files if f["kind"] == "beacon"), key=lambda f: f["malformed_lines"])[
        "path"
    ]
    path = f"{uploaded}/{rel}"
    outputs = list(
        ReadAndParseFilesFn(1_736_935_200_000, beacon_tables=True).process((path, "auto"))
    )
    tables = [o.value for o in outputs if o.tag == PLAYER_EVENT_TABLE]
    assert len(tables) == 1 and tables[0][0] == path and tables[0][1].num_rows > 0
    letters = [o.value.value for o in outputs if o.tag == DEAD_LETTER]
    assert letters and all(d["source"].startswith(f"file:{path}:") for d in letters)
