"""Every endpoint against the real Pub/Sub emulator, with every real-format sample the parsers
have (tests/fixtures/ingest/): what is acknowledged is pulled back, unit for unit, and parses
with the pipeline's own parser to the same records."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from collector_pubsub import pull

from streamqoe.ingest.formats import get_format
from streamqoe.ingest.outcome import Record

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def reparse(message) -> list:
    """Parse a pulled message as the streaming pipeline does (its `format` attribute)."""
    fmt = get_format(message.attributes["format"])
    return fmt.parse(message.data, source="pubsub:test", received_at=NOW)


def test_beacon_single_and_batch_round_trip(client, pubsub_env):
    single = (FIXTURES / "beacon_single.json").read_bytes()
    batch = json.loads((FIXTURES / "beacon_batch.json").read_bytes())
    r1 = client.post("/v1/beacon", content=single, headers={"content-type": "application/json"})
    r2 = client.post(
        "/v1/beacon",
        content=gzip.compress(json.dumps(batch).encode()),
        headers={"content-type": "text/plain;charset=UTF-8", "content-encoding": "gzip"},
    )
    assert r1.status_code == 200, r1.text
    assert r1.json()["accepted"] == 1
    assert r2.status_code == 200, r2.text
    assert r2.json()["accepted"] + r2.json()["dead_lettered"] == len(batch)
    accepted = 1 + r2.json()["accepted"]
    messages = pull(pubsub_env, "player-events", accepted)
    assert len(messages) == accepted
    events = [json.loads(m.data) for m in messages]
    assert json.loads(single) in events
    for m in messages:
        assert m.attributes["source"] == "collector"
        assert m.attributes["format"] == "beacon"
        assert m.attributes["schema_version"] == "1.0"
        assert m.attributes["received_at"].endswith("Z")
        assert m.attributes["client_ip"] == "198.51.100.0"
        assert m.ordering_key == json.loads(m.data)["view_id"]
        assert all(isinstance(o, Record) for o in reparse(m))
    dead = pull(pubsub_env, "player-events-dlq", r2.json()["dead_lettered"])
    assert len(dead) == r2.json()["dead_lettered"]


def test_cmcd_lines_body_counts_and_dead_letters(client, pubsub_env):
    body = (FIXTURES / "cmcd_lines.txt").read_bytes()
    lines = [line for line in body.splitlines() if line.strip()]
    reports = [line for line in lines if not line.startswith((b"http", b"CMCD-"))]
    response = client.post(
        "/v1/cmcd", content=b"\n".join(reports), headers={"content-type": "application/cmcd"}
    )
    assert response.status_code == 200, response.text
    counts = response.json()
    assert counts["accepted"] + counts["dead_lettered"] == len(reports)
    assert counts["dead_lettered"] >= 3  # the fixture's bad-type, unterminated and enum lines
    assert {e["error_class"] for e in counts["errors"]} >= {"CmcdTypeError", "CmcdSyntaxError"}
    published = pull(pubsub_env, "cmcd-reports", counts["accepted"])
    assert sorted(m.data for m in published) == sorted(
        line
        for line in reports
        if b"bad-type" not in line and b"unterminated" not in line and b"enum-violation" not in line
    )
    for m in published:
        (record,) = reparse(m)
        assert record.record["transmission"] == "body_text"
        assert m.ordering_key == record.record["cmcd"]["sid"]
    letters = pull(pubsub_env, "cmcd-reports-dlq", counts["dead_lettered"])
    assert len(letters) == counts["dead_lettered"]
    raws = {base64.b64decode(json.loads(m.data)["raw_payload"]) for m in letters}
    assert b'sid="unterminated' in raws


def test_cmcd_json_body_and_text_cmcd(client, pubsub_env):
    body = (FIXTURES / "cmcd_body.json").read_bytes()
    r = client.post("/v1/cmcd", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 2 and r.json()["dead_lettered"] == 1
    assert r.json()["errors"][0]["index"] == 2
    r2 = client.post(
        "/v1/cmcd",
        content=b'e=ps,sid="x1",ts=1717236000000,v=2',
        headers={"content-type": "text/cmcd"},
    )
    assert r2.status_code == 200 and r2.json()["accepted"] == 1
    messages = pull(pubsub_env, "cmcd-reports", 3)
    modes = sorted(reparse(m)[0].record["transmission"] for m in messages)
    assert modes == ["body_json", "body_json", "body_text"]


def test_cmcd_query_and_headers_from_the_fixture(client, pubsub_env):
    lines = (FIXTURES / "cmcd_lines.txt").read_text().splitlines()
    url = next(line for line in lines if line.startswith("http"))
    query = url.split("?", 1)[1]
    r1 = client.get(f"/v1/cmcd?{query}&key=ignored")
    assert r1.status_code == 200, r1.text
    header_line = next(line for line in lines if line.startswith("CMCD-"))
    headers = dict(part.split(": ", 1) for part in header_line.split("\t"))
    r2 = client.get("/v1/cmcd", headers=headers)
    assert r2.status_code == 200, r2.text
    messages = pull(pubsub_env, "cmcd-reports", 2)
    by_mode = {reparse(m)[0].record["transmission"]: m for m in messages}
    assert set(by_mode) == {"query", "headers"}
    assert b"key=" not in by_mode["query"].data
    query_record = reparse(by_mode["query"])[0].record
    header_record = reparse(by_mode["headers"])[0].record
    shared = set(header_record["cmcd"]) - {"lists", "custom"}
    assert {k: query_record["cmcd"][k] for k in shared} == {
        k: header_record["cmcd"][k] for k in shared
    }  # the fixture's headers carry the URL's keys less nor and nrr
    assert query_record["cmcd"]["br"] == 3200


@pytest.mark.parametrize(
    "fixture", ["mediaconvert_complete.json", "mediaconvert_events.jsonl", "medialive_events.jsonl"]
)
def test_eventbridge_every_sample(client, pubsub_env, fixture):
    text = (FIXTURES / fixture).read_text()
    events = [text] if fixture.endswith(".json") else [x for x in text.splitlines() if x.strip()]
    expected = {"accepted": 0, "dead_lettered": 0}
    for event in events:
        r = client.post(
            "/v1/hooks/eventbridge", content=event, headers={"content-type": "application/json"}
        )
        assert r.status_code == 200, r.text
        for k in expected:
            expected[k] += r.json()[k]
    assert expected["accepted"] >= 1
    messages = pull(pubsub_env, "transcode-events", expected["accepted"])
    assert len(messages) == expected["accepted"]
    for m in messages:
        (record,) = reparse(m)
        assert m.ordering_key == record.record["job_id"]
    assert (
        len(pull(pubsub_env, "transcode-events-dlq", expected["dead_lettered"], 10))
        == (expected["dead_lettered"])
    )


def test_eventbridge_commented_sample_is_dead_lettered_and_secret_enforced(make_client, pubsub_env):
    client = make_client(eventbridge_secret="s3cret")
    body = (FIXTURES / "mediaconvert_commented.json").read_bytes()
    assert client.post("/v1/hooks/eventbridge", content=body).status_code == 401
    r = client.post(
        "/v1/hooks/eventbridge", content=body, headers={"x-streamqoe-hook-secret": "s3cret"}
    )
    assert r.status_code == 200 and r.json() == {
        "accepted": 0,
        "dead_lettered": 1,
        "errors": r.json()["errors"],
    }
    assert r.json()["errors"][0]["error_class"] == "JSONDecodeError"
    (letter,) = pull(pubsub_env, "transcode-events-dlq", 1)
    assert base64.b64decode(json.loads(letter.data)["raw_payload"]) == body


def test_pubsub_push_every_sample_with_token(make_client, pubsub_env):
    client = make_client(push_token="tok")
    pushes = [x for x in (FIXTURES / "transcoder_push.jsonl").read_text().splitlines() if x.strip()]
    assert client.post("/v1/hooks/pubsub", content=pushes[0]).status_code == 401
    accepted = 0
    for push in pushes:
        r = client.post("/v1/hooks/pubsub?token=tok", content=push)
        assert r.status_code == 200, r.text
        accepted += r.json()["accepted"]
    messages = pull(pubsub_env, "transcode-events", accepted)
    assert sorted(m.data.decode() for m in messages) == sorted(p for p in pushes if reparse_text(p))


def reparse_text(push: str) -> bool:
    outcomes = get_format("transcoder").parse(push.encode(), source="t", received_at=NOW)
    return all(isinstance(o, Record) for o in outcomes)


def firehose_body(lines: list[bytes], request_id: str = "req-1") -> bytes:
    records = [{"data": base64.b64encode(line + b"\n").decode()} for line in lines]
    records.append({"data": "not base64!"})
    return json.dumps(
        {"requestId": request_id, "timestamp": 1598305016873, "records": records}
    ).encode()


def test_firehose_delivery_of_the_realtime_sample(make_client, pubsub_env):
    client = make_client(firehose_access_key="fh-key")
    lines = [
        x for x in (FIXTURES / "cloudfront_realtime.tsv").read_bytes().splitlines() if x.strip()
    ]
    kinesis = json.loads((FIXTURES / "cloudfront_realtime_kinesis.json").read_bytes())
    decoded = []
    for record in kinesis["Records"]:
        try:
            decoded.append(base64.b64decode(record["kinesis"]["data"], validate=True))
        except binascii.Error:
            continue  # the fixture's broken record; firehose_body sends one too
    from_kinesis = [line for data in decoded for line in data.splitlines() if line.strip()]
    body = firehose_body(lines + from_kinesis + [b"not\ta\tlog"], "rid-42")
    headers = {"x-amz-firehose-request-id": "rid-42", "content-type": "application/json"}
    refused = client.post("/v1/hooks/firehose", content=body, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["requestId"] == "rid-42" and "errorMessage" in refused.json()
    r = client.post(
        "/v1/hooks/firehose",
        content=gzip.compress(body),
        headers={**headers, "x-amz-firehose-access-key": "fh-key", "content-encoding": "gzip"},
    )
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"requestId", "timestamp"}
    assert r.json()["requestId"] == "rid-42" and isinstance(r.json()["timestamp"], int)
    good = [x for x in lines + from_kinesis if reparse_line(x)]
    messages = pull(pubsub_env, "cdn-logs", len(good))
    assert sorted(m.data for m in messages) == sorted(good)
    assert {m.attributes["format"] for m in messages} == {"cloudfront-realtime"}
    bad = len(lines + from_kinesis) + 2 - len(good)  # + the garbage line and the bad base64
    letters = pull(pubsub_env, "cdn-logs-dlq", bad)
    assert len(letters) == bad
    assert "Base64DecodeError" in {m.attributes["error_class"] for m in letters}


def reparse_line(line: bytes) -> bool:
    outcomes = get_format("cloudfront-realtime").parse(line, source="t", received_at=NOW)
    return all(isinstance(o, Record) for o in outcomes)


def test_health_ready_and_metrics(client, pubsub_env):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    client.post("/v1/beacon", content=(FIXTURES / "beacon_single.json").read_bytes())
    client.post("/v1/beacon", content=b"{not json")
    text = client.get("/metrics").text
    assert 'collector_requests_total{endpoint="beacon",status="200"} 1.0' in text
    assert 'collector_requests_total{endpoint="beacon",status="400"} 1.0' in text
    assert 'collector_units_published_total{endpoint="beacon",topic="player-events"} 1.0' in text
    assert (
        'collector_units_dead_lettered_total{endpoint="beacon",error_class="JSONDecodeError"} 1.0'
        in text
    )
    assert "collector_publish_latency_seconds_bucket" in text
    assert "collector_request_latency_seconds_bucket" in text
    assert 'collector_request_bytes_total{endpoint="beacon"}' in text
