"""pipelines.batch.expand_inputs on local paths, and the scheme routing of pipelines.remote_files.

Remote patterns against a real GCS emulator: tests/pipelines/test_remote_inputs.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.batch import expand_inputs
from pipelines.remote_files import _zero_directory_variants, is_remote


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for rel in ("a/x.jsonl", "a/b/y.jsonl", "a/b/c/z.jsonl", "a/b/c/z.gz", "top.jsonl"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}\n")
    return tmp_path


def test_local_globs_are_recursive_and_sorted(tree: Path) -> None:
    pairs = expand_inputs([f"{tree}/a/**/*.jsonl"])
    names = [Path(p).relative_to(tree).as_posix() for p, _ in pairs]
    assert names == ["a/b/c/z.jsonl", "a/b/y.jsonl", "a/x.jsonl"]  # `**/` also matches no folder
    assert {f for _, f in pairs} == {"auto"}


def test_format_prefix_names_the_format_per_spec(tree: Path) -> None:
    pairs = expand_inputs([f"cmcd={tree}/a/b/c/*", f"{tree}/top.jsonl"])
    assert pairs == [
        (f"{tree}/a/b/c/z.gz", "cmcd"),
        (f"{tree}/a/b/c/z.jsonl", "cmcd"),
        (f"{tree}/top.jsonl", "auto"),
    ]


def test_unknown_prefix_is_part_of_the_path(tree: Path) -> None:
    odd = tree / "k=v.jsonl"
    odd.write_text("{}\n")
    assert expand_inputs([str(odd)]) == [(str(odd), "auto")]
    with pytest.raises(FileNotFoundError, match="matches no file"):
        expand_inputs([f"nosuchformat={tree}/top.jsonl"])


def test_no_match_stdin_and_folders_are_errors(tree: Path) -> None:
    for spec in (f"{tree}/none/*.gz", "-", "beacon=-", f"{tree}/a/"):
        with pytest.raises(FileNotFoundError, match=r"--input '.*' matches no file"):
            expand_inputs([spec])


def test_schemes_route_to_beam_filesystems(tree: Path) -> None:
    assert is_remote("gs://bucket/logs/*.gz")
    assert is_remote("s3://bucket/x")
    assert not is_remote(str(tree / "a" / "x.jsonl"))
    assert not is_remote("relative/path/*.gz")
    assert not is_remote("cmcd=gs://bucket/x")  # a spec, not a path: the prefix comes off first
    with pytest.raises(ValueError, match="Unable to get filesystem"):
        expand_inputs(["nosuchfs://bucket/*.gz"])


def test_double_star_folder_also_matches_no_folder() -> None:
    assert _zero_directory_variants("gs://b/x/*.gz") == ["gs://b/x/*.gz"]
    assert _zero_directory_variants("gs://b/x/**/*.gz") == ["gs://b/x/**/*.gz", "gs://b/x/*.gz"]
    assert _zero_directory_variants("gs://b/**/y/**/z") == [
        "gs://b/**/y/**/z",
        "gs://b/**/y/z",
        "gs://b/y/**/z",
        "gs://b/y/z",
    ]
