# StreamQoE's AWS delivery side: what CloudFront, MediaConvert and MediaLive send to the
# collector on GCP.
#   CloudFront real-time logs -> Kinesis Data Streams -> Firehose HTTP endpoint -> /v1/hooks/firehose
#   CloudFront standard logs  -> S3 -> (Storage Transfer Service, GCP side) -> raw archive bucket
#   MediaConvert, MediaLive   -> EventBridge rules -> API destination -> /v1/hooks/eventbridge
# Its own state per environment: `terraform init -backend-config=envs/ENV.s3.tfbackend`,
# `terraform plan -var-file=envs/ENV.tfvars` (docs/deployment.md).
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 6.0"
    }
  }
  backend "s3" {}
}

provider "aws" {
  region = var.region
  default_tags {
    tags = {
      app         = "streamqoe"
      environment = var.environment
    }
  }
}

data "aws_caller_identity" "this" {}

locals {
  name = "streamqoe-${var.environment}"
}

# One customer-managed key for the stream, the Firehose backup bucket, the log bucket, the
# dead-letter queue and the secrets.
resource "aws_kms_key" "streamqoe" {
  description         = "${local.name}: delivery-side data at rest"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.kms.json
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:the account root must administer its own key (AWS's default key policy)
  #checkov:skip=CKV_AWS_111:the account root must administer its own key (AWS's default key policy)
  #checkov:skip=CKV_AWS_356:a key policy's resource is always the key itself ("*")
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.this.account_id}:root"]
    }
  }
  statement {
    sid       = "DeliveryServices"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com", "events.amazonaws.com", "firehose.amazonaws.com"]
    }
  }
}

resource "aws_kms_alias" "streamqoe" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.streamqoe.key_id
}
