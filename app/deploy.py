"""The deploy commands for the Dataflow flex templates, as data: each function returns the argv
lists (`gcloud`, `docker`) that build, register, launch or update a pipeline. Nothing here runs a
process or reads the cloud, so every command is tested offline; `app/deploy_cli.py` prints them
(dry run) or runs them in order.

Names follow the Terraform in infra/terraform/ (tests/infra/ checks both agree): resources are
named `streamqoe-<environment>-...`, buckets `streamqoe-<environment>-<project>-<role>`, images
`<region>-docker.pkg.dev/<project>/streamqoe/<pipeline>:<tag>`.

Updating the streaming job in place (`gcloud dataflow flex-template run NAME --update`): Dataflow
matches the running job's steps to the new graph by their labels. Every step of
pipelines/streaming.py has a fixed label (the composite's class name, `ReadFromPubSub_<source>`
per subscription, see CONTRIBUTING.md), so a redeploy of changed code maps step for step and keeps
the state of `SessionizeViews` and the other stateful steps. A renamed or removed step needs
`--transform-name-mappings OLD=NEW` (`rename`), or Dataflow rejects the update as incompatible and
the running job keeps going untouched. Left out: the Terraform apply (Atlantis), dbt and LookML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

PIPELINES = ("batch", "streaming")
DOCKERFILE = "infra/dataflow/Dockerfile"
REPOSITORY = "streamqoe"
DATASET = "streamqoe"
_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Target:
    """Where a deploy goes: a GCP project and region, an environment, an image tag (git commit)."""

    project: str
    region: str
    environment: str = "prod"
    tag: str = "latest"

    @property
    def name(self) -> str:
        return f"streamqoe-{self.environment}"


def image(target: Target, pipeline: str) -> str:
    """The pipeline's launcher-and-worker image, e.g. europe-west1-docker.pkg.dev/p/streamqoe/batch:abc."""
    _check_pipeline(pipeline)
    registry = f"{target.region}-docker.pkg.dev"
    return f"{registry}/{target.project}/{REPOSITORY}/{pipeline}:{target.tag}"


def bucket(target: Target, role: str) -> str:
    """A bucket of the buckets module: landing, templates, temp or raw-archive."""
    return f"{target.name}-{target.project}-{role}"


def template_path(target: Target, pipeline: str) -> str:
    """The flex-template spec file, gs://<templates bucket>/templates/<pipeline>.json."""
    _check_pipeline(pipeline)
    return f"gs://{bucket(target, 'templates')}/templates/{pipeline}.json"


def worker_service_account(target: Target) -> str:
    return f"{target.name}-dataflow@{target.project}.iam.gserviceaccount.com"


def streaming_job_name(target: Target) -> str:
    """The one streaming job's name (Terraform creates it with the same name)."""
    return f"{target.name}-streaming"


def warehouse(target: Target) -> str:
    return f"bigquery:{target.project}.{DATASET}"


def template_commands(target: Target, pipelines: tuple[str, ...] = PIPELINES) -> list[list[str]]:
    """Build and push each pipeline's image, then register its flex template."""
    registry = f"{target.region}-docker.pkg.dev"
    commands = [["gcloud", "auth", "configure-docker", registry, "--quiet"]]
    for pipeline in pipelines:
        ref = image(target, pipeline)
        commands += [
            [
                "docker",
                "build",
                "-f",
                DOCKERFILE,
                "--build-arg",
                f"PIPELINE={pipeline}",
                "-t",
                ref,
                ".",
            ],
            ["docker", "push", ref],
            [
                "gcloud",
                "dataflow",
                "flex-template",
                "build",
                template_path(target, pipeline),
                "--image",
                ref,
                "--sdk-language",
                "PYTHON",
                "--metadata-file",
                f"infra/dataflow/{pipeline}/metadata.json",
                "--project",
                target.project,
            ],
        ]
    return commands


def streaming_commands(
    target: Target,
    *,
    subscriptions: tuple[str, ...],
    update: bool = True,
    renames: dict[str, str] | None = None,
) -> list[list[str]]:
    """Launch the streaming job, or (update=True) replace the running one in place.

    `renames` maps old step labels to new ones (`--transform-name-mappings`); only for updates.

    Raises:
        ValueError: renames without update, a label that is not a step label, no subscription.
    """
    renames = renames or {}
    if renames and not update:
        raise ValueError("step renames only apply to an update of a running job")
    for old, new in renames.items():
        if not (_LABEL.match(old) and _LABEL.match(new)) or old == new:
            raise ValueError(f"not a step rename: {old!r}={new!r}")
    if not subscriptions:
        raise ValueError("the streaming job needs at least one subscription")
    parameters = {
        "warehouse": warehouse(target),
        "pubsub_project": target.project,
        "subscriptions": ",".join(subscriptions),
    }
    command = _run_command(target, "streaming", streaming_job_name(target), parameters)
    command.append("--enable-streaming-engine")
    if update:
        command.append("--update")
        if renames:
            mapping = ",".join(f"{old}={new}" for old, new in sorted(renames.items()))
            command.append(f"--transform-name-mappings={mapping}")
    return [command]


def batch_commands(
    target: Target, *, input_spec: str, now: datetime | None = None
) -> list[list[str]]:
    """Launch one batch job over `input_spec` (the pipeline's --input, e.g. cloudfront=gs://...)."""
    if not input_spec:
        raise ValueError("the batch job needs an input")
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    name = f"{target.name}-batch-{stamp}"
    parameters = {"input": input_spec, "warehouse": warehouse(target)}
    return [_run_command(target, "batch", name, parameters)]


def active_job_command(target: Target) -> list[str]:
    """List the running streaming job's id (empty output: none is running)."""
    return [
        "gcloud",
        "dataflow",
        "jobs",
        "list",
        "--project",
        target.project,
        "--region",
        target.region,
        "--status",
        "active",
        f"--filter=name={streaming_job_name(target)}",
        "--format=value(id)",
    ]


def format_parameters(parameters: dict[str, str]) -> str:
    """gcloud's --parameters value; a value holding a comma switches the delimiter (`^~^`)."""
    text = {key: str(value) for key, value in parameters.items()}
    if not any("," in value for value in text.values()):
        return ",".join(f"{key}={value}" for key, value in text.items())
    if any("~" in value for value in text.values()):
        raise ValueError("a parameter value holds both ',' and '~'")
    return "^~^" + "~".join(f"{key}={value}" for key, value in text.items())


def _run_command(
    target: Target, pipeline: str, job_name: str, parameters: dict[str, str]
) -> list[str]:
    temp = bucket(target, "temp")
    parameters = {"sdk_container_image": image(target, pipeline), **parameters}
    return [
        "gcloud",
        "dataflow",
        "flex-template",
        "run",
        job_name,
        "--template-file-gcs-location",
        template_path(target, pipeline),
        "--project",
        target.project,
        "--region",
        target.region,
        "--service-account-email",
        worker_service_account(target),
        "--temp-location",
        f"gs://{temp}/dataflow/temp",
        "--staging-location",
        f"gs://{temp}/dataflow/staging",
        "--disable-public-ips",
        "--additional-experiments=use_runner_v2",
        f"--additional-user-labels=pipeline={pipeline},version={target.tag}",
        f"--parameters={format_parameters(parameters)}",
    ]


def _check_pipeline(pipeline: str) -> None:
    if pipeline not in PIPELINES:
        raise ValueError(f"unknown pipeline {pipeline!r}; one of {', '.join(PIPELINES)}")
