"""`streamqoe deploy`: the commands app/deploy.py builds (pure functions), the names they share
with Terraform, the stable step labels that make `--update` safe, and the CLI printing (dry run)
or running them (against stand-in `gcloud` and `docker` executables that record their argv).
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from iac import MODULES, ROOT, TERRAFORM, blocks, resources

from app import deploy, deploy_cli
from pipelines.options import DEFAULT_SUBSCRIPTIONS

TARGET = deploy.Target("streamqoe-prod", "europe-west1", "prod", "3f2a9c1")
SUBSCRIPTIONS = tuple(DEFAULT_SUBSCRIPTIONS.split(","))


def flag(argv: list[str], name: str) -> str:
    for i, item in enumerate(argv):
        if item == name:
            return argv[i + 1]
        if item.startswith(name + "="):
            return item.split("=", 1)[1]
    raise AssertionError(f"{name} not in {argv}")


def parse_parameters(value: str) -> dict[str, str]:
    delimiter = ","
    if value.startswith("^"):
        delimiter, value = value[1], value[3:]
    return dict(item.split("=", 1) for item in value.split(delimiter))


def test_templates_build_push_and_register_each_pipeline() -> None:
    commands = deploy.template_commands(TARGET)
    assert commands[0][:3] == ["gcloud", "auth", "configure-docker"]
    for pipeline in deploy.PIPELINES:
        ref = f"europe-west1-docker.pkg.dev/streamqoe-prod/streamqoe/{pipeline}:3f2a9c1"
        build = next(c for c in commands if c[:2] == ["docker", "build"] and ref in c)
        assert flag(build, "-f") == "infra/dataflow/Dockerfile"
        assert flag(build, "--build-arg") == f"PIPELINE={pipeline}"
        assert ["docker", "push", ref] in commands
        register = next(
            c
            for c in commands
            if c[:4] == ["gcloud", "dataflow", "flex-template", "build"] and ref in c
        )
        assert (
            register[4] == f"gs://streamqoe-prod-streamqoe-prod-templates/templates/{pipeline}.json"
        )
        assert (ROOT / flag(register, "--metadata-file")).is_file()
        # build, then push, then register
        assert (
            commands.index(build)
            < commands.index(["docker", "push", ref])
            < commands.index(register)
        )


def test_streaming_update_in_place() -> None:
    [command] = deploy.streaming_commands(TARGET, subscriptions=SUBSCRIPTIONS)
    assert command[:5] == ["gcloud", "dataflow", "flex-template", "run", "streamqoe-prod-streaming"]
    assert "--update" in command
    assert not any(c.startswith("--transform-name-mappings") for c in command)
    params = parse_parameters(flag(command, "--parameters"))
    assert params["subscriptions"] == DEFAULT_SUBSCRIPTIONS  # commas survive (^~^ delimiter)
    assert params["warehouse"] == "bigquery:streamqoe-prod.streamqoe"
    assert params["sdk_container_image"].endswith("/streaming:3f2a9c1")
    assert (
        flag(command, "--service-account-email")
        == "streamqoe-prod-dataflow@streamqoe-prod.iam.gserviceaccount.com"
    )


def test_streaming_update_with_renamed_steps() -> None:
    [command] = deploy.streaming_commands(
        TARGET, subscriptions=SUBSCRIPTIONS, renames={"ParseUnits": "ParseRecords", "A": "B"}
    )
    assert "--transform-name-mappings=A=B,ParseUnits=ParseRecords" in command


@pytest.mark.parametrize(
    "kwargs",
    [
        {"update": False, "renames": {"A": "B"}},
        {"renames": {"A": "A"}},
        {"renames": {"A=1": "B"}},
        {"renames": {"": "B"}},
    ],
)
def test_bad_renames_are_refused(kwargs) -> None:
    with pytest.raises(ValueError):
        deploy.streaming_commands(TARGET, subscriptions=SUBSCRIPTIONS, **kwargs)


def test_first_launch_has_no_update() -> None:
    [command] = deploy.streaming_commands(TARGET, subscriptions=SUBSCRIPTIONS, update=False)
    assert "--update" not in command and "--enable-streaming-engine" in command


def test_batch_launch_names_the_run() -> None:
    now = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    [command] = deploy.batch_commands(TARGET, input_spec="cloudfront=gs://b/cf/*.gz", now=now)
    assert command[4] == "streamqoe-prod-batch-20261201-033000"
    params = parse_parameters(flag(command, "--parameters"))
    assert params["input"] == "cloudfront=gs://b/cf/*.gz"
    assert flag(command, "--template-file-gcs-location").endswith("/templates/batch.json")
    with pytest.raises(ValueError):
        deploy.batch_commands(TARGET, input_spec="")


def test_parameters_delimiter() -> None:
    assert deploy.format_parameters({"a": "1", "b": "x=y"}) == "a=1,b=x=y"
    assert deploy.format_parameters({"a": "1,2", "b": "3"}) == "^~^a=1,2~b=3"
    with pytest.raises(ValueError):
        deploy.format_parameters({"a": "1,2", "b": "~"})
    with pytest.raises(ValueError):
        deploy.image(TARGET, "nightly")


def test_names_agree_with_terraform() -> None:
    """The Python names render the same Terraform expressions for the same project and env."""
    main_locals = blocks(TERRAFORM, "locals")
    assert main_locals["name"] == "streamqoe-${var.environment}"
    env = {"${local.name}": TARGET.name, "${var.project}": TARGET.project}

    def render(text: str) -> str:
        for key, value in env.items():
            text = text.replace(key, value)
        return text

    prefix = render(blocks(TERRAFORM, "module")["buckets"]["name_prefix"])
    bucket = resources(MODULES / "buckets")[("google_storage_bucket", "bucket")]["name"]
    assert bucket == "${var.name_prefix}-${each.key}"
    assert f"{prefix}-templates" == deploy.bucket(TARGET, "templates")
    sa = resources(TERRAFORM)[("google_service_account", "sa")]["account_id"]
    assert render(sa).replace(
        "${each.key}", "dataflow"
    ) + "@streamqoe-prod.iam.gserviceaccount.com" == deploy.worker_service_account(TARGET)
    job = resources(MODULES / "dataflow_jobs")[("google_dataflow_flex_template_job", "streaming")]
    assert job["name"] == "${var.name}-streaming"
    assert blocks(TERRAFORM, "module")["dataflow_jobs"]["name"] == "${local.name}"
    assert f"{TARGET.name}-streaming" == deploy.streaming_job_name(TARGET)
    assert job["container_spec_gcs_path"] == "gs://${var.templates_bucket}/templates/streaming.json"
    repo = resources(TERRAFORM)[("google_artifact_registry_repository", "images")]["repository_id"]
    assert repo == deploy.REPOSITORY
    assert blocks(TERRAFORM, "variable")["dataset"]["default"] == deploy.DATASET
    assert "transform_name_mapping" in job["lifecycle"][0]["ignore_changes"]


def _labels(path: Path) -> list[ast.expr]:
    """The left operands of every `"label" >> transform` in a module."""
    tree = ast.parse(path.read_text())
    return [
        node.left
        for node in ast.walk(tree)
        if isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.RShift)
        and isinstance(node.left, (ast.Constant, ast.JoinedStr))
    ]


@pytest.mark.parametrize("module", ["streaming.py", "batch.py", "transforms/tables.py"])
def test_step_labels_are_fixed_text(module: str) -> None:
    """Update compatibility: every label is literal text, or literal text around a source name."""
    labels = _labels(ROOT / "pipelines" / module)
    assert labels, module
    for label in labels:
        if isinstance(label, ast.JoinedStr):
            for part in label.values:
                if isinstance(part, ast.FormattedValue):
                    assert isinstance(part.value, ast.Name), ast.unparse(label)
        else:
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", label.value), label.value


def test_dry_run_prints_and_runs_nothing(capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no gcloud, no docker: running would fail
    code = deploy_cli.main(
        [
            "deploy",
            "streaming",
            "--project",
            "streamqoe-prod",
            "--region",
            "europe-west1",
            "--dry-run",
        ]
    )
    assert code == 0
    [line] = capsys.readouterr().out.splitlines()
    argv = shlex.split(line)
    assert argv[:5] == ["gcloud", "dataflow", "flex-template", "run", "streamqoe-prod-streaming"]
    assert parse_parameters(flag(argv, "--parameters"))["subscriptions"] == DEFAULT_SUBSCRIPTIONS


def _stand_in(bin_dir: Path, name: str, log: Path, fail_on: str = "") -> None:
    script = bin_dir / name
    script.write_text(
        "#!/bin/sh\n"
        f'echo "{name} $*" >> "{log}"\n'
        f'case "$*" in *"{fail_on or "@never@"}"*) exit 3;; esac\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_run_executes_in_order_and_stops_at_the_first_failure(
    capsys, monkeypatch, tmp_path
) -> None:
    log = tmp_path / "calls.log"
    _stand_in(tmp_path, "gcloud", log)
    _stand_in(tmp_path, "docker", log, fail_on="push")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/usr/bin:/bin")
    code = deploy_cli.main(
        [
            "deploy",
            "templates",
            "--project",
            "p-123",
            "--region",
            "europe-west1",
            "--pipeline",
            "batch",
        ]
    )
    assert code == 1
    calls = log.read_text().splitlines()
    assert [c.split()[:2] for c in calls] == [
        ["gcloud", "auth"],
        ["docker", "build"],
        ["docker", "push"],
    ]
    assert "failed (3)" in capsys.readouterr().err


def test_cli_usage_errors() -> None:
    code = deploy_cli.main(
        ["deploy", "streaming", "--project", "p", "--region", "r", "--launch", "--rename", "A=B"]
    )
    assert code == 2
    with pytest.raises(SystemExit):
        deploy_cli.main(
            ["deploy", "streaming", "--project", "p", "--region", "r", "--rename", "AB"]
        )
