"""The Dataflow flex templates agree with the options classes and the lock.

metadata.json: the same parameter names as the pipeline's options (Beam's own flags excluded),
a label, help text with an example ("e.g."), a regex where the format is fixed (URLs, ids,
numbers) that accepts the default and the example, and isOptional exactly when there is a default.
Dockerfile: the launcher base image for the project's Python, the locked requirements, and the
Beam version of uv.lock. The image's requirement set, computed with the Dockerfile's own `uv export`
command, is the main dependencies only: Beam at the lock's version, everything streamqoe/ and
pipelines/ import, none of the dependency groups (dbt, Great Expectations, Looker, matplotlib,
pytest); the image copies neither app/ nor beam_local_runner/ (no Docker engine here: the spec is
tested, not a build). Options: --view_shards (batch only) reaches QoeSettings, bad values are
argparse errors.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from pipelines.options import (
    BatchOptions,
    QoeOptions,
    StreamingOptions,
    positive_int,
    settings_from,
)
from pipelines.transforms.tables import QoeSettings

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = {"batch": BatchOptions, "streaming": StreamingOptions}
FIXED_FORMAT = {"warehouse", "pubsub_project", "subscriptions"}


def option_actions(cls: type) -> dict[str, argparse.Action]:
    parser = argparse.ArgumentParser()
    QoeOptions._add_argparse_args(parser)
    cls._add_argparse_args(parser)
    return {a.dest: a for a in parser._actions if a.option_strings and a.dest != "help"}


def example(help_text: str) -> str:
    match = re.search(r"e\.g\. (\S+?)\.?$", help_text)
    assert match, f"no example in {help_text!r}"
    return match.group(1)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_metadata_matches_options(name: str):
    metadata = json.loads((ROOT / "infra/dataflow" / name / "metadata.json").read_text())
    actions = option_actions(TEMPLATES[name])
    parameters = {p["name"]: p for p in metadata["parameters"]}
    assert set(parameters) == set(actions)
    assert metadata["streaming"] is (name == "streaming")
    for dest, action in actions.items():
        p = parameters[dest]
        assert p["label"].strip(), dest
        assert p["helpText"] == action.help, dest
        value = example(p["helpText"])
        assert p["isOptional"] is (action.default is not None), dest
        numeric = action.type in (float, positive_int)
        if dest in FIXED_FORMAT or numeric:
            assert p.get("regexes"), f"{dest} has a fixed format but no regex"
        for regex in p.get("regexes", []):
            assert re.fullmatch(regex, value), (dest, value)
            if action.default is not None:
                assert re.fullmatch(regex, str(action.default)), (dest, action.default)


def locked_version(package: str) -> str:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    return next(p["version"] for p in lock["package"] if p["name"] == package)


def test_dockerfile_uses_launcher_base_and_locked_beam():
    dockerfile = (ROOT / "infra/dataflow/Dockerfile").read_text()
    python = (ROOT / ".python-version").read_text().strip().replace(".", "")
    assert re.search(
        rf"^FROM gcr\.io/dataflow-templates-base/python{python}-template-launcher-base:",
        dockerfile,
        re.M,
    )
    beam = re.search(r"^ARG BEAM_VERSION=(\S+)$", dockerfile, re.M)
    assert beam and beam.group(1) == locked_version("apache-beam")
    assert "uv export --frozen --no-default-groups --no-emit-project" in dockerfile
    assert "pip check" in dockerfile
    assert re.search(r"^ARG PIPELINE=\w+$", dockerfile, re.M)
    entry = re.search(r"^ENV FLEX_TEMPLATE_PYTHON_PY_FILE=/template/(\S+)$", dockerfile, re.M)
    assert entry and entry.group(1) == "infra/dataflow/${PIPELINE}/main.py"


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_each_template_entry_runs_its_pipeline(name: str):
    entry = ROOT / "infra/dataflow" / name / "main.py"
    assert f"from pipelines.{name} import run" in entry.read_text()
    readme = (ROOT / "infra/dataflow" / name / "README.md").read_text()
    assert f"-f infra/dataflow/Dockerfile --build-arg PIPELINE={name}" in readme


def test_view_shards_option_defaults_to_the_settings_default():
    settings = settings_from(PipelineOptions([]), streaming=False)
    assert settings.view_shards == QoeSettings().view_shards


def test_view_shards_option_reaches_the_settings():
    options = PipelineOptions(["--view_shards", "4"])
    assert settings_from(options, streaming=False).view_shards == 4


@pytest.mark.parametrize("value", ["0", "-3", "x", "2.5"])
def test_view_shards_option_refuses_what_is_not_a_count(
    value: str, capsys: pytest.CaptureFixture[str]
):
    with pytest.raises(SystemExit):
        settings_from(PipelineOptions(["--view_shards", value]), streaming=False)
    error = capsys.readouterr().err
    assert f"argument --view_shards: must be an integer >= 1, got {value!r}" in error


def test_view_shards_option_is_batch_only():
    options = PipelineOptions(["--view_shards", "4"])
    assert settings_from(options, streaming=True).view_shards == QoeSettings().view_shards


DOCKERFILE = ROOT / "infra/dataflow/Dockerfile"
# In no dependency group's place: what the image must never contain.
NOT_IN_IMAGE = ("dbt-core", "great-expectations", "looker-sdk", "matplotlib", "pytest")


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def image_requirements() -> dict[str, str]:
    """{distribution: version} the image installs: the Dockerfile's `uv export` command, run
    here (to stdout instead of its -o file), parsed."""
    command = re.search(r"(uv export [^\n\\]*?)\s+-o\s+\S+", DOCKERFILE.read_text())
    assert command, "no `uv export ... -o FILE` in the Dockerfile"
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    args = shlex.split(command.group(1))
    assert "--frozen" in args  # the lock as it is, never re-resolved
    done = subprocess.run(
        [uv, *args[1:], "--no-header"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)", done.stdout, re.M)
    assert pins, done.stdout
    return {normalized(name): version for name, version in pins}


def test_image_installs_the_main_dependencies_only():
    image = image_requirements()
    assert image["apache-beam"] == locked_version("apache-beam")
    present = [name for name in NOT_IN_IMAGE if name in image]
    assert present == [], f"the Dataflow image would install {present}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for requirement in project["project"]["dependencies"]:
        name = normalized(re.match(r"[A-Za-z0-9._-]+", requirement).group(0))
        assert name in image, name
        assert image[name] == locked_version(name), name


def third_party_imports(*packages: str) -> dict[str, set[str]]:
    """{top-level module: files importing it} of the absolute imports in `packages`, without
    the standard library and the project's own packages."""
    own = {"streamqoe", "pipelines", "beam_local_runner", "app", "dataquality"}
    found: dict[str, set[str]] = {}
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in own:
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_image_provides_every_import_of_the_pipelines_and_the_domain_library():
    image = image_requirements()
    providers = packages_distributions()
    for module, files in sorted(third_party_imports("streamqoe", "pipelines").items()):
        dists = {normalized(d) for d in providers.get(module, [])}
        assert dists & set(image), f"{module} (imported by {sorted(files)}) is not in the image"


def test_pipelines_import_the_local_runner_fixes_only_lazily():
    """pipelines/ may import beam_local_runner only inside functions (streaming, on the local
    runner): the image does not contain it."""
    for path in (ROOT / "pipelines").rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                module = node.module if isinstance(node, ast.ImportFrom) else None
                assert module != "beam_local_runner" and "beam_local_runner" not in names, path


def dockerfile_copies() -> list[str]:
    """The sources of every COPY / ADD instruction of the Dockerfile."""
    sources = []
    for line in DOCKERFILE.read_text().splitlines():
        words = line.split()
        if words and words[0] in ("COPY", "ADD"):
            sources += [w for w in words[1:-1] if not w.startswith("--")]
    return sources


def test_image_copies_neither_the_app_nor_the_local_runner_fixes():
    sources = dockerfile_copies()
    assert sources, "no COPY in the Dockerfile"
    for source in sources:
        top = (Path(source).parts or (".",))[0]
        assert top not in (".", "*"), f"COPY {source} would copy the whole repository"
        assert top not in ("app", "beam_local_runner", "dataquality", "tests", "bench", "dbt")
    assert {"streamqoe", "pipelines", "schemas"} <= {Path(s).parts[0] for s in sources}
    installs = [line for line in DOCKERFILE.read_text().splitlines() if "pip install" in line]
    assert not any(re.search(r"\b(app|beam_local_runner)\b", line) for line in installs)


def test_make_setup_installs_every_dependency_group():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    groups = set(project["dependency-groups"])
    assert {"dbt", "dataquality", "bi", "app", "dev"} <= groups
    assert set(project["tool"]["uv"]["default-groups"]) == groups
