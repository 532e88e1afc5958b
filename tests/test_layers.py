"""The import rule of docs/architecture.md, enforced.

- The domain library (`streamqoe/`) never imports Apache Beam, the Beam layer (`pipelines/`), the
  local runner fixes (`beam_local_runner/`) or the application layer (`app/`).
- The Beam layer never imports the application layer, and imports the local runner fixes only
  inside a function (so that only a run on the local runner loads them).
- The local runner fixes never import the application layer.
- The collector (`collector/`) and the data quality checks (`dataquality/`) import the domain
  library, never Beam, the Beam layer or the application layer.

Checked twice: statically, every `import` statement of every module (including the ones inside
functions), and at run time, by importing every domain module in a fresh interpreter and looking
at what ended up loaded.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "streamqoe": {"apache_beam", "pipelines", "beam_local_runner", "app"},
    "pipelines": {"app"},
    "beam_local_runner": {"app"},
    # The services and checks beside the pipelines use the domain library only.
    "collector": {"apache_beam", "pipelines", "beam_local_runner", "app"},
    "dataquality": {"apache_beam", "pipelines", "beam_local_runner", "app"},
}


def imported_modules(path: Path) -> list[tuple[str, int, bool]]:
    """Return (top-level module, line, at module level) for every import statement in a file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            found.append((name.split(".")[0], node.lineno, id(node) in top_level))
    return found


def modules_of(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_imported_modules_sees_lazy_imports(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("import os\n\ndef f():\n    from apache_beam.io import x\n")
    assert imported_modules(sample) == [("os", 1, True), ("apache_beam", 4, False)]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(package: str) -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in modules_of(package)
        for module, line, _ in imported_modules(path)
        if module in FORBIDDEN[package]
    ]
    assert modules_of(package), f"no modules found under {package}/"
    assert offences == []


def test_pipelines_load_local_runner_fixes_only_when_asked() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in modules_of("pipelines")
        for module, line, module_level in imported_modules(path)
        if module == "beam_local_runner" and module_level
    ]
    assert offences == []


def test_domain_library_loads_no_beam_at_run_time() -> None:
    modules = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in modules_of("streamqoe")
    ]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules}"
        " & {'apache_beam', 'pipelines', 'beam_local_runner', 'app'})\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert len(modules) > 50
    assert result.stdout.strip() == ""
