"""`streamqoe lookml generate | validate` through app/lookml_cli.py, as a user types them."""

from __future__ import annotations

import pytest

pytest.importorskip("lkml", reason="lkml is not installed (docs/lookml.md, Dependencies)")

from app import lookml_cli


def test_generate_check_passes_on_the_committed_views(capsys) -> None:
    assert lookml_cli.main(["lookml", "generate", "--check"]) == 0
    assert capsys.readouterr().out == ""


def test_validate_without_a_warehouse_compiles_every_tile(capsys) -> None:
    assert lookml_cli.main(["lookml", "validate", "--now", "2025-01-15T03:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert "9 views, 5 explores, 6 dashboards" in out and "all compile" in out


@pytest.mark.integration
def test_validate_runs_every_tile_on_a_warehouse(built, capsys) -> None:
    argv = ["lookml", "validate", "--warehouse", str(built.path), "--now", built.now.isoformat()]
    assert lookml_cli.main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    tiles = [line for line in lines if line.endswith(" rows")]
    assert len(tiles) >= 20 and not any(line.endswith(": 0 rows") for line in tiles)
    # Relative filters a year after the data: the tiles come back empty and validate fails.
    late = ["lookml", "validate", "--warehouse", str(built.path), "--now", "2026-06-01T00:00:00Z"]
    assert lookml_cli.main(late) == 1
    assert "tiles returned no row" in capsys.readouterr().out
