"""The Dataflow flex templates agree with the options classes and the lock.

metadata.json: the same parameter names as the pipeline's options (Beam's own flags excluded),
a label, help text with an example ("e.g."), a regex where the format is fixed (URLs, ids,
numbers) that accepts the default and the example, and isOptional exactly when there is a default.
Dockerfile: the launcher base image for the project's Python, the locked requirements, and the
Beam version of uv.lock. Options: --view_shards (batch only) reaches QoeSettings, bad values are
argparse errors.
"""

from __future__ import annotations

import argparse
import json
import re
import tomllib
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
    assert "uv export --frozen --no-dev" in dockerfile
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
