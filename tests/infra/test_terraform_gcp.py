"""The GCP root module (infra/terraform) declares exactly what the code uses.

Drift: the declarations module, evaluated by the real terraform binary (it has no provider, so
it runs offline), yields the topics and subscriptions of infra/pubsub.yaml as
streamqoe.pubsub.declaration reads them, and the tables of the contracts with their partitioning
and clustering; the root feeds it from those files, and the pubsub and bigquery modules create one
resource per entry. The Google provider is not available offline, so `terraform validate` cannot
run here: instead every module call is checked against the called module's variables and outputs,
and every var./local./module. reference against its declaration (python-hcl2).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from iac import (
    MODULES,
    ROOT,
    TERRAFORM,
    blocks,
    collector_env,
    parsed,
    resources,
    run_terraform,
    tf_files,
)

from pipelines.options import DEFAULT_SUBSCRIPTIONS
from streamqoe.contracts.bigquery import landed_contracts, table_resource
from streamqoe.pubsub.declaration import load_declaration

MODULE_DIRS = sorted(p for p in MODULES.iterdir() if p.is_dir())
ROOTS = [TERRAFORM, TERRAFORM / "aws"]
RAW_DEFAULT = ["player_events", "cmcd_reports", "cdn_requests", "transcode_events", "dead_letters"]


@pytest.fixture(scope="module")
def declared(tmp_path_factory) -> dict:
    """The declarations module's outputs, computed by terraform from the repository's files."""
    tmp = tmp_path_factory.mktemp("declarations")
    (tmp / "main.tf").write_text(
        f"""
module "d" {{
  source     = "{MODULES / "declarations"}"
  pubsub     = yamldecode(file("{ROOT / "infra" / "pubsub.yaml"}"))
  schema_dir = "{ROOT / "schemas" / "bigquery"}"
  raw_tables = {json.dumps(RAW_DEFAULT)}
}}
output "d" {{
  value = module.d
}}
"""
    )
    for args in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]):
        done = run_terraform(args, tmp, tmp)
        assert done.returncode == 0, done.stdout + done.stderr
    done = run_terraform(["output", "-json", "d"], tmp, tmp)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_topics_and_subscriptions_are_the_declaration(declared: dict) -> None:
    code = load_declaration()
    assert set(declared["topics"]) == {t.name for t in code.topics}
    for t in code.topics:
        tf = declared["topics"][t.name]
        assert (tf["dead_letter_topic"], tf["message_retention"]) == (
            t.dead_letter_topic,
            t.message_retention,
        )
    assert set(declared["subscriptions"]) == {s.name for s in code.subscriptions}
    for s in code.subscriptions:
        tf = declared["subscriptions"][s.name]
        assert tf["topic"] == s.topic
        assert tf["ack_deadline_seconds"] == s.ack_deadline_seconds
        assert tf["dead_letter_topic"] == s.dead_letter_topic
        if s.dead_letter_topic:
            assert tf["max_delivery_attempts"] == s.max_delivery_attempts


def test_streaming_job_reads_the_pipeline_subscriptions(declared: dict) -> None:
    assert declared["pipeline_subscriptions"] == sorted(DEFAULT_SUBSCRIPTIONS.split(","))
    code = load_declaration()
    assert declared["dead_letter_topics"] == sorted(
        {s.dead_letter_topic for s in code.subscriptions if s.dead_letter_topic}
    )


def test_tables_are_the_contracts(declared: dict) -> None:
    contracts = {c.table_name: c for c in landed_contracts()}
    assert set(declared["tables"]) == set(contracts)
    for name, c in contracts.items():
        tf = declared["tables"][name]
        expected = table_resource(c, "p", "d")
        assert tf["partition_field"] == expected["timePartitioning"]["field"]
        assert tf["partition_type"] == expected["timePartitioning"]["type"]
        assert tf["clustering"] == expected["clustering"]["fields"]
        assert tf["schema"] == expected["schema"]["fields"]
        assert tf["raw"] is (name in RAW_DEFAULT)


def test_raw_tables_exist_and_default_matches_module(declared: dict) -> None:
    default = blocks(TERRAFORM, "variable")["raw_tables"]["default"]
    assert default == RAW_DEFAULT
    assert set(default) <= set(declared["tables"])


def test_root_feeds_the_modules_from_the_declaration_files() -> None:
    pubsub = parsed(TERRAFORM / "pubsub.tf")
    local = {k: v for entry in pubsub["locals"] for k, v in entry.items()}
    assert local["pubsub"] == '${yamldecode(file("${path.module}/../pubsub.yaml"))}'
    modules = blocks(TERRAFORM, "module")
    assert modules["declarations"]["pubsub"] == "${local.pubsub}"
    assert modules["declarations"]["schema_dir"] == "${path.module}/../../schemas/bigquery"
    assert modules["pubsub"]["topics"] == "${module.declarations.topics}"
    assert modules["pubsub"]["subscriptions"] == "${module.declarations.subscriptions}"
    assert modules["bigquery"]["tables"] == "${module.declarations.tables}"
    assert (
        modules["dataflow_jobs"]["subscriptions"] == "${module.declarations.pipeline_subscriptions}"
    )


def test_modules_create_one_resource_per_declared_entry() -> None:
    ps = resources(MODULES / "pubsub")
    assert ps[("google_pubsub_topic", "topic")]["for_each"] == "${var.topics}"
    assert ps[("google_pubsub_topic", "topic")]["name"] == "${each.key}"
    assert ps[("google_pubsub_subscription", "subscription")]["for_each"] == "${var.subscriptions}"
    table = resources(MODULES / "bigquery")[("google_bigquery_table", "table")]
    assert table["for_each"] == "${var.tables}"
    assert table["table_id"] == "${each.key}"
    assert table["require_partition_filter"] is True
    assert table["clustering"] == "${each.value.clustering}"
    partitioning = table["time_partitioning"][0]
    assert partitioning["field"] == "${each.value.partition_field}"
    assert "each.value.raw" in partitioning["expiration_ms"]


def test_buckets_cover_every_role() -> None:
    local = blocks(MODULES / "buckets", "locals")
    assert set(local["buckets"]) == {"landing", "templates", "temp", "raw-archive"}
    bucket = resources(MODULES / "buckets")[("google_storage_bucket", "bucket")]
    assert bucket["uniform_bucket_level_access"] is True
    assert bucket["public_access_prevention"] == "enforced"


def _module_dir(caller: Path, source: str) -> Path:
    return (caller / source).resolve()


@pytest.mark.parametrize("root", [TERRAFORM, *MODULE_DIRS], ids=lambda p: str(p.relative_to(ROOT)))
def test_module_calls_match_the_called_modules(root: Path) -> None:
    problems = []
    outputs_of = {}
    for name, call in blocks(root, "module").items():
        target = _module_dir(root, call["source"])
        if not (target / "main.tf").exists():
            problems.append(f"module {name}: no module at {call['source']}")
            continue
        variables = blocks(target, "variable")
        outputs_of[name] = set(blocks(target, "output"))
        passed = set(call) - {"source", "depends_on", "providers", "count", "for_each"}
        problems += [
            f"module {name}: unknown argument {a}" for a in sorted(passed - set(variables))
        ]
        required = {v for v, body in variables.items() if "default" not in body}
        problems += [f"module {name}: missing {v}" for v in sorted(required - passed)]
    text = "\n".join(p.read_text() for p in sorted(root.glob("*.tf")))
    for module, output in set(re.findall(r"\bmodule\.(\w+)\.(\w+)", text)):
        if output not in outputs_of.get(module, set()):
            problems.append(f"module.{module}.{output} is not an output")
    assert problems == []


@pytest.mark.parametrize("root", [*ROOTS, *MODULE_DIRS], ids=lambda p: str(p.relative_to(ROOT)))
def test_references_are_declared(root: Path) -> None:
    text = "\n".join(re.sub(r"(?m)^\s*#.*$", "", p.read_text()) for p in sorted(root.glob("*.tf")))
    variables = set(blocks(root, "variable"))
    local_names = set(blocks(root, "locals"))
    used_vars = set(re.findall(r"\bvar\.(\w+)", text))
    used_locals = set(re.findall(r"\blocal\.(\w+)", text))
    assert used_vars - variables == set()
    assert used_locals - local_names == set()
    assert variables - used_vars == set(), "declared but unused variables"


@pytest.mark.parametrize("root", [*ROOTS, *MODULE_DIRS], ids=lambda p: str(p.relative_to(ROOT)))
def test_variables_and_outputs_are_documented(root: Path) -> None:
    for name, body in blocks(root, "variable").items():
        assert body.get("description"), f"variable {name}"
        assert body.get("type"), f"variable {name}"
    for name, body in blocks(root, "output").items():
        assert body.get("description"), f"output {name}"


@pytest.mark.parametrize("root", ROOTS, ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.parametrize("env", ["dev", "prod"])
def test_environments_set_declared_variables(root: Path, env: str) -> None:
    tfvars = parsed_tfvars(root / "envs" / f"{env}.tfvars")
    variables = blocks(root, "variable")
    assert set(tfvars) - set(variables) == set()
    from_environment = {"eventbridge_api_key"}  # TF_VAR_..., never written to a file
    required = {v for v, body in variables.items() if "default" not in body}
    assert required - set(tfvars) - from_environment == set()
    assert tfvars["environment"] == env
    backend = "gcs" if root == TERRAFORM else "s3"
    assert (root / "envs" / f"{env}.{backend}.tfbackend").is_file()


def parsed_tfvars(path: Path) -> dict:
    values = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^(\w+)\s*=\s*(.+)$", line.strip())
        if match:
            values[match.group(1)] = json.loads(match.group(2))
    return values


def test_no_primitive_roles_and_collector_is_resource_scoped() -> None:
    text = "\n".join(p.read_text() for p in tf_files())
    assert not re.search(r'roles/(owner|editor|viewer)"', text)
    project_roles = resources(TERRAFORM)
    granted = {
        name: body["for_each"]
        for (rtype, name), body in project_roles.items()
        if rtype == "google_project_iam_member"
    }
    assert not any("collector" in n for n in granted)
    for body in project_roles.values():
        member = str(body.get("member", ""))
        if "google_project_iam_member" in member:
            pytest.fail(member)


def test_collector_service_env_and_probes() -> None:
    service = resources(MODULES / "collector")[("google_cloud_run_v2_service", "collector")]
    container = service["template"][0]["containers"][0]
    assert container["startup_probe"][0]["http_get"][0]["path"] == "/readyz"
    assert container["liveness_probe"][0]["http_get"][0]["path"] == "/healthz"
    plain, secret = collector_env()
    assert {
        "STREAMQOE_WRITE_KEYS",
        "STREAMQOE_FIREHOSE_ACCESS_KEY",
        "STREAMQOE_EVENTBRIDGE_SECRET",
    } == secret
    # Only variables the collector reads (collector/settings.py, being built alongside).
    settings = ROOT / "collector" / "settings.py"
    if not settings.exists():
        pytest.skip("SKIPPED LOUDLY: collector/settings.py not there yet")
    text = settings.read_text()
    for name in {*plain, *secret}:
        assert f'"{name}"' in text, name
    default = re.search(r'DEFAULT_EVENTBRIDGE_HEADER = "([^"]+)"', text).group(1)
    assert plain["STREAMQOE_EVENTBRIDGE_HEADER"] == default
    connection = resources(TERRAFORM / "aws")[("aws_cloudwatch_event_connection", "collector")]
    assert connection["auth_parameters"][0]["api_key"][0]["key"] == default


def test_alerts_cover_freshness_dead_letters_pop_regression_and_lag() -> None:
    policies = {
        name: body
        for (rtype, name), body in resources(MODULES / "monitoring").items()
        if rtype == "google_monitoring_alert_policy"
    }
    assert set(policies) == {"freshness", "system_lag", "dead_letter_rate", "pop_qoe_regression"}
    text = (MODULES / "monitoring" / "main.tf").read_text()
    for metric in ("job/data_watermark_age", "job/system_lag", "job/user_counter"):
        assert f"dataflow.googleapis.com/{metric}" in text
    # The counter prefix the pipelines increment for every dead letter.
    parse = (ROOT / "pipelines" / "transforms" / "parse.py").read_text()
    assert '_count(f"dead_letters_{outcome.stage}")' in parse
    assert 'monitoring.regex.full_match(\\"dead_letters_.*\\")' in text


def test_streaming_job_parameters_are_template_parameters() -> None:
    job = resources(MODULES / "dataflow_jobs")[("google_dataflow_flex_template_job", "streaming")]
    metadata = json.loads((ROOT / "infra/dataflow/streaming/metadata.json").read_text())
    names = {p["name"] for p in metadata["parameters"]} | {"sdk_container_image"}
    assert set(job["parameters"]) <= names
    assert {"warehouse", "pubsub_project", "subscriptions"} <= set(job["parameters"])
    workflow = yaml.safe_load((MODULES / "dataflow_jobs" / "batch_workflow.yaml").read_text())
    launch = next(s["launch"] for s in workflow["main"]["steps"] if "launch" in s)
    assert launch["call"] == "googleapis.dataflow.v1b3.projects.locations.flexTemplates.launch"
    used = set(launch["args"]["body"]["launchParameter"]["parameters"])
    batch = json.loads((ROOT / "infra/dataflow/batch/metadata.json").read_text())
    required = {p["name"] for p in batch["parameters"] if not p["isOptional"]}
    assert required <= used <= {p["name"] for p in batch["parameters"]} | {"sdk_container_image"}


def test_github_federation_is_pinned_to_repository_and_environment() -> None:
    provider = resources(TERRAFORM)[("google_iam_workload_identity_pool_provider", "github")]
    assert provider["oidc"][0]["issuer_uri"] == "https://token.actions.githubusercontent.com"
    assert provider["attribute_condition"] == (
        "assertion.sub == 'repo:${var.github_repository}:environment:${var.environment}'"
    )
    assert provider["attribute_mapping"]["google.subject"] == "assertion.sub"
    assert not any(t == "google_service_account_key" for t, _ in resources(TERRAFORM))
