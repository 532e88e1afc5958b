"""The webhook action: a failing run posts Slack's incoming-webhook JSON to the URL in
STREAMQOE_DQ_WEBHOOK_URL (a real HTTP receiver on 127.0.0.1 here); a passing run posts nothing,
and without the variable there is no notification action at all."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from test_suites import PARAMS, frames

from dataquality import checkpoints
from dataquality.run import validate_frames
from dataquality.suites import all_suites


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict]]:
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv(checkpoints.WEBHOOK_ENV, f"http://127.0.0.1:{server.server_port}/hook")
    try:
        yield _Receiver.received
    finally:
        server.shutdown()
        server.server_close()


def _run(bad: bool, work: Path):
    suites = [all_suites()["dead_letters__rate"]]
    return validate_frames(suites, frames(bad), PARAMS, work)


def test_a_failing_run_posts_to_the_webhook(receiver: list[dict], tmp_path: Path) -> None:
    summary = _run(True, tmp_path)
    assert not summary.success
    assert len(receiver) == 1
    text = json.dumps(receiver[0])
    assert "ci - Failure" in text and "`dead_letters__rate`" in text
    assert "*0* of *2* Expectations were met" in text
    # The stored checkpoint names the variable, never the URL.
    stored = (tmp_path / "gx" / "checkpoints" / "ci.json").read_text()
    assert "${STREAMQOE_DQ_WEBHOOK_URL}" in stored and "127.0.0.1" not in stored


def test_a_passing_run_posts_nothing(receiver: list[dict], tmp_path: Path) -> None:
    assert _run(False, tmp_path).success
    assert receiver == []


def test_without_the_variable_there_is_no_notification(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(checkpoints.WEBHOOK_ENV, raising=False)
    assert [a.type for a in checkpoints.actions()] == ["streamqoe_update_data_docs_once"]
