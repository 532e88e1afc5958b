"""Terraform checks that need the binary: `terraform fmt -check` over every .tf file, and
`terraform validate` of the AWS root module (infra/terraform/aws) with the AWS provider from the
local plugin directory (no registry). The GCP root cannot be validated offline (no Google
provider here); tests/infra/test_terraform_gcp.py checks it structurally.
"""

from __future__ import annotations

import shutil

import pytest
from iac import AWS, PLUGIN_DIR, ROOT, TERRAFORM, resources, run_terraform


def test_terraform_fmt(tmp_path) -> None:
    done = run_terraform(["fmt", "-check", "-recursive", "-diff", str(TERRAFORM)], ROOT, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_aws_root_validates(tmp_path) -> None:
    if not (PLUGIN_DIR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip(
            f"SKIPPED LOUDLY: no AWS provider in {PLUGIN_DIR} (set STREAMQOE_TF_PLUGIN_DIR)"
        )
    work = tmp_path / "aws"
    shutil.copytree(AWS, work, ignore=shutil.ignore_patterns(".terraform*"))
    init = ["init", "-backend=false", "-input=false", f"-plugin-dir={PLUGIN_DIR}"]
    done = run_terraform(init, work, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    done = run_terraform(["validate"], work, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The configuration is valid" in done.stdout


def test_hooks_point_at_the_collector_paths() -> None:
    found = resources(AWS)
    firehose = found[("aws_kinesis_firehose_delivery_stream", "collector")]
    endpoint = firehose["http_endpoint_configuration"][0]
    assert endpoint["url"] == "${var.collector_url}/v1/hooks/firehose"
    assert endpoint["secrets_manager_configuration"][0]["enabled"] is True
    assert "access_key" not in endpoint  # the key comes from Secrets Manager, not state
    destination = found[("aws_cloudwatch_event_api_destination", "collector")]
    assert destination["invocation_endpoint"] == "${var.collector_url}/v1/hooks/eventbridge"
    realtime = found[("aws_cloudfront_realtime_log_config", "streamqoe")]
    stream = realtime["endpoint"][0]["kinesis_stream_config"][0]
    assert stream["stream_arn"] == "${aws_kinesis_stream.realtime_logs.arn}"
    assert firehose["kinesis_source_configuration"][0]["kinesis_stream_arn"] == stream["stream_arn"]


def test_media_rules_match_mediaconvert_and_medialive() -> None:
    text = (AWS / "eventbridge.tf").read_text()
    for source in ('"aws.mediaconvert"', '"aws.medialive"', '"MediaConvert Job State Change"'):
        assert source in text
    target = resources(AWS)[("aws_cloudwatch_event_target", "collector")]
    assert target["for_each"] == "${aws_cloudwatch_event_rule.media}"
    assert target["dead_letter_config"][0]["arn"] == "${aws_sqs_queue.events_dlq.arn}"


def test_standard_logs_reach_gcs() -> None:
    gcp = resources(TERRAFORM)[("google_storage_transfer_job", "cloudfront_standard_logs")]
    source = gcp["transfer_spec"][0]["aws_s3_data_source"][0]
    assert source["bucket_name"] == "${var.aws_standard_log_bucket}"
    assert source["role_arn"] == "${var.aws_transfer_role_arn}"  # federated, no access key
    assert "aws_access_key" not in source
    role = (AWS / "standard_logs.tf").read_text()
    assert "sts:AssumeRoleWithWebIdentity" in role and "accounts.google.com" in role
