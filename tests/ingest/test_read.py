"""Tests for streamqoe.ingest.read: opening files and splitting them into units."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from streamqoe.ingest.read import (
    UnreadableInput,
    distribution_from_name,
    read_documents,
    read_lines,
    resolve_format,
)

from .helpers import FIXTURES


def test_gzip_is_read_transparently() -> None:
    gz = list(read_lines(str(FIXTURES / "E2EXAMPLE123.2019-12-04-21.a1b2c3d4.gz")))
    plain = list(read_lines(str(FIXTURES / "cloudfront_standard.log")))
    assert [data for _, data in gz] == [data for _, data in plain]
    assert gz[0][0].endswith(".gz:1")


def test_lines_skip_blanks_and_keep_numbers(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(b"a\r\n\n  \nb\n")
    assert list(read_lines(str(path))) == [(f"file:{path}:1", b"a"), (f"file:{path}:4", b"b")]


@pytest.mark.parametrize(
    ("content", "expected_units"),
    [
        (b'{\n  "a": 1\n}\n', 1),
        (b'{"a": 1}\n{"a": 2}\n\n{"a": 3}\n', 3),
        (b'{"a": 1}\n', 1),
        (b"{\n // comment\n}\n", 1),
        (b"[\n 1,\n 2\n]\n", 1),
        (b"\n \n", 0),
    ],
)
def test_documents(tmp_path: Path, content: bytes, expected_units: int) -> None:
    path = tmp_path / "doc.json"
    path.write_bytes(content)
    assert len(list(read_documents(str(path)))) == expected_units


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInput):
        list(read_lines(str(tmp_path / "missing.log")))
    broken = tmp_path / "broken.gz"
    broken.write_bytes(gzip.compress(bytes(range(256)) * 64)[:200])
    with pytest.raises(UnreadableInput):
        list(read_lines(str(broken)))
    with pytest.raises(UnreadableInput):
        list(read_documents(str(tmp_path)))


def test_distribution_from_name() -> None:
    assert distribution_from_name("/logs/E2EXAMPLE123.2019-12-04-21.a1b2c3d4.gz") == "E2EXAMPLE123"
    assert distribution_from_name("/logs/access.log") is None


def test_resolve_format(tmp_path: Path) -> None:
    assert resolve_format(str(FIXTURES / "medialive_events.jsonl"), "auto") == "medialive"
    assert resolve_format("anything", "beacon") == "beacon"
    unknown = tmp_path / "x.txt"
    unknown.write_text("hello\n")
    with pytest.raises(ValueError, match="cannot recognize"):
        resolve_format(str(unknown), "auto")
