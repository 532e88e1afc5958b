"""Tests for app.parse_cli: the `parse` subcommand end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.parse_cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict], dict]:
    code = main(["parse", *argv])
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    summary = json.loads(captured.err.strip().splitlines()[-1])["summary"]
    return code, lines, summary


def test_parse_prints_records_and_dead_letters(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, summary = _run(
        capsys,
        "--format",
        "cloudfront",
        "--received-at",
        "2024-06-01T12:00:00Z",
        str(FIXTURES / "E2EXAMPLE123.2019-12-04-21.a1b2c3d4.gz"),
    )
    assert code == 0
    assert [line["kind"] for line in lines].count("record") == 5
    record = lines[0]
    assert record["contract"] == "cdn_request.v1"
    assert record["record"]["distribution"] == "E2EXAMPLE123"
    dead = [line for line in lines if line["kind"] == "dead_letter"]
    assert {d["error_class"] for d in dead} == {"CloudFrontFieldCount", "CloudFrontFieldValue"}
    assert dead[0]["received_at"] == "2024-06-01T12:00:00Z"
    assert summary["records"] == 5
    assert summary["dead_letters_by_reason"] == {
        "parse:CloudFrontFieldCount": 1,
        "parse:CloudFrontFieldValue": 1,
    }


def test_auto_detects_each_file(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(FIXTURES / n) for n in ("beacon_single.json", "medialive_events.jsonl")]
    code, _lines, summary = _run(capsys, "--format", "auto", *files)
    assert code == 0
    assert summary["records_by_contract"] == {"player_event": 1, "transcode_event": 5}


def test_unreadable_file_exits_2_after_reading_the_others(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _lines, summary = _run(
        capsys,
        "--format",
        "beacon",
        str(tmp_path / "missing.json"),
        str(FIXTURES / "beacon_single.json"),
    )
    assert code == 2
    assert summary["records"] == 1


def test_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["parse", "--format", "csv", "x"])
    assert caught.value.code == 2


def test_undetectable_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    code, lines, _ = _run(capsys, "--format", "auto", str(path))
    assert (code, lines) == (2, [])
