"""Thresholds are configuration: defaults from dataquality/thresholds.py, a TOML file over them,
an unknown key refused (by the library and by `streamqoe dq run`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from app import dq_cli
from dataquality import thresholds as th


def test_defaults_are_the_named_constants() -> None:
    defaults = th.Thresholds()
    for f in dataclasses.fields(defaults):
        assert getattr(defaults, f.name) == getattr(th, f.name.upper()), f.name


def test_a_file_overrides_some_thresholds(tmp_path: Path) -> None:
    path = tmp_path / "dq.toml"
    path.write_text("[thresholds]\nmax_dead_letter_rate = 0.001\nstuck_job_hours = 2.5\n")
    loaded = th.load_thresholds(path)
    assert (loaded.max_dead_letter_rate, loaded.stuck_job_hours) == (0.001, 2.5)
    assert loaded.min_volume_ratio == th.MIN_VOLUME_RATIO


def test_an_unknown_threshold_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "dq.toml"
    path.write_text("[thresholds]\nmax_dead_leter_rate = 0.001\n")
    with pytest.raises(ValueError, match="unknown thresholds \\['max_dead_leter_rate'\\]"):
        th.load_thresholds(path)
    assert dq_cli.main(["dq", "run", "--thresholds", str(path)]) == 2
    assert "max_dead_leter_rate" in capsys.readouterr().err
