"""Hostile and unauthorized requests get their 4xx with a JSON reason, and nothing crashes."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest
from collector_pubsub import pull

from collector import limits

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
EVENT = json.loads((FIXTURES / "beacon_single.json").read_bytes())


def refused(response, status: int, error_class: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["class"] == error_class
    assert "Traceback" not in response.text


def test_oversized_bodies(client):
    big = b"[" + b" " * (limits.MAX_BODY_BYTES + 10) + b"]"
    refused(client.post("/v1/beacon", content=big), 413, "BodyTooLarge")
    bomb = gzip.compress(b" " * (limits.MAX_DECODED_BODY_BYTES + 1))
    assert len(bomb) < limits.MAX_BODY_BYTES
    response = client.post("/v1/beacon", content=bomb, headers={"content-encoding": "gzip"})
    refused(response, 413, "BodyTooLarge")
    refused(
        client.post("/v1/beacon", content=b"xx", headers={"content-encoding": "gzip"}),
        400,
        "BadGzip",
    )
    refused(
        client.post("/v1/beacon", content=b"{}", headers={"content-encoding": "br"}),
        415,
        "UnsupportedEncoding",
    )


def test_batch_line_and_header_limits(client):
    batch = json.dumps([EVENT] * (limits.MAX_BATCH_UNITS + 1))
    refused(client.post("/v1/beacon", content=batch), 413, "BatchTooLarge")
    lines = b"\n".join([b'e=ps,sid="a"'] * (limits.MAX_BODY_LINES + 1))
    response = client.post("/v1/cmcd", content=lines, headers={"content-type": "application/cmcd"})
    refused(response, 413, "BatchTooLarge")
    huge = "br=" + "1" * 15 + ',sid="' + "x" * limits.MAX_CMCD_HEADER_BYTES + '"'
    refused(client.get("/v1/cmcd", headers={"CMCD-Session": huge}), 431, "HeaderTooLarge")
    many = {f"x-filler-{i}": "y" * 1000 for i in range(20)}
    refused(
        client.post("/v1/beacon", content=b"{}", headers=many),
        431,
        "HeadersTooLarge",
    )
    refused(client.get("/v1/cmcd?CMCD=" + "a" * limits.MAX_QUERY_BYTES), 414, "QueryTooLong")
    refused(client.get("/v1/cmcd"), 400, "NoCmcdData")


def test_deep_json_is_refused_before_parsing(client):
    for endpoint in (
        "/v1/beacon",
        "/v1/hooks/eventbridge",
        "/v1/hooks/pubsub",
        "/v1/hooks/firehose",
    ):
        response = client.post(endpoint, content=b"[" * 100_000 + b"]" * 100_000)
        assert response.status_code == 400, (endpoint, response.text)
        assert "TooDeep" in response.text
    # brackets inside strings do not count: this is a CMCD JSON report with one custom key
    body = json.dumps({"a": "[" * 100, "sid": "s"})
    response = client.post("/v1/cmcd", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200 and response.json()["accepted"] == 1


def test_invalid_utf8_and_bad_json_are_dead_lettered_byte_for_byte(client, pubsub_env):
    raw = b'{"view_id": "\xff\xfe"}'
    response = client.post("/v1/beacon", content=raw)
    refused(response, 400, "UnicodeDecodeError")
    assert response.json()["dead_lettered"] == 1
    r2 = client.post("/v1/beacon", content=b'{"view_id": ')
    refused(r2, 400, "JSONDecodeError")
    letters = pull(pubsub_env, "player-events-dlq", 2)
    payloads = {base64.b64decode(json.loads(m.data)["raw_payload"]) for m in letters}
    assert payloads == {raw, b'{"view_id": '}
    for m in letters:
        letter = json.loads(m.data)
        assert letter["source"] == "collector:/v1/beacon" and letter["stage"] == "decode"
        assert m.attributes["error_class"] == letter["error_class"]


def test_wrong_content_types(client):
    refused(
        client.post("/v1/beacon", content=b"{}", headers={"content-type": "image/png"}),
        415,
        "UnsupportedMediaType",
    )
    refused(
        client.post("/v1/cmcd", content=b"e=ps", headers={"content-type": "application/xml"}),
        415,
        "UnsupportedMediaType",
    )
    refused(
        client.post("/v1/hooks/eventbridge", content=b"{}", headers={"content-type": "text/html"}),
        415,
        "UnsupportedMediaType",
    )
    response = client.post(
        "/v1/hooks/firehose",
        content=b"{}",
        headers={"content-type": "text/xml", "x-amz-firehose-request-id": "r1"},
    )
    assert response.status_code == 415 and response.json()["requestId"] == "r1"
    assert client.put("/v1/beacon", content=b"{}").status_code == 405


def test_write_keys(make_client, pubsub_env):
    client = make_client(
        write_keys={"k-live": "news", "k-old": "vod"}, revoked_keys=frozenset({"k-old"})
    )
    body = json.dumps(EVENT)
    refused(client.post("/v1/beacon", content=body), 401, "MissingWriteKey")
    refused(client.post("/v1/beacon?key=nope", content=body), 401, "UnknownWriteKey")
    refused(
        client.post("/v1/beacon", content=body, headers={"x-streamqoe-key": "k-old"}),
        403,
        "RevokedWriteKey",
    )
    assert (
        client.post("/v1/beacon", content=body, headers={"x-streamqoe-key": "k-live"}).status_code
        == 200
    )
    assert (
        client.post(
            "/v1/beacon?key=k-live", content=body, headers={"content-type": "text/plain"}
        ).status_code
        == 200
    )
    messages = pull(pubsub_env, "player-events", 2)
    assert [m.attributes["property"] for m in messages] == ["news", "news"]


def test_flood_beyond_the_rate_limit(make_client, pubsub_env):
    client = make_client(rate_per_second=0.5, rate_burst=5)
    statuses = [client.post("/v1/beacon", content=json.dumps(EVENT)).status_code for _ in range(12)]
    assert statuses[:5] == [200] * 5
    assert set(statuses[5:]) == {429}
    limited = client.post("/v1/beacon", content=json.dumps(EVENT))
    refused(limited, 429, "RateLimited")
    assert int(limited.headers["retry-after"]) >= 1
    assert client.get("/healthz").status_code == 200  # the service stays up
    assert len(pull(pubsub_env, "player-events", 5)) == 5


def test_client_ip_dropped_and_cors(make_client, pubsub_env):
    client = make_client(client_ip="drop", cors_origins=("https://player.example",))
    preflight = client.options(
        "/v1/beacon",
        headers={
            "origin": "https://player.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-streamqoe-key",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://player.example"
    response = client.post(
        "/v1/beacon", content=json.dumps(EVENT), headers={"origin": "https://player.example"}
    )
    assert response.headers["access-control-allow-origin"] == "https://player.example"
    (message,) = pull(pubsub_env, "player-events", 1)
    assert "client_ip" not in message.attributes
    assert b"198.51.100" not in message.data
