"""The `streamqoe` command line."""

from __future__ import annotations

import pytest

from app.cli import main


def test_contracts_check_passes_on_the_committed_tree(capsys) -> None:
    assert main(["contracts", "check"]) == 0
    assert "derived files match the contracts" in capsys.readouterr().out


def test_platform_status_when_nothing_runs(capsys) -> None:
    assert main(["platform", "status"]) == 0
    assert "pubsub-emulator: stopped" in capsys.readouterr().out


def test_usage_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["platform", "sideways"])
    assert exit_.value.code == 2
