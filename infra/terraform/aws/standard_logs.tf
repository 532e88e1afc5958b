# S3: CloudFront standard logs (moved to GCS by Storage Transfer Service, GCP side: storage.tf of
# the GCP root), and the records Firehose could not deliver. All private, KMS-encrypted,
# versioned and expiring, with access logs in a separate bucket (a bucket must not log to itself).
locals {
  buckets = {
    standard_logs   = "${local.name}-cloudfront-standard-logs"
    firehose_failed = "${local.name}-firehose-failed"
    access_logs     = "${local.name}-s3-access-logs"
  }
}

resource "aws_s3_bucket" "standard_logs" {
  #checkov:skip=CKV_AWS_144:logs are copied to GCS hourly (the archive of record); cross-region replication would be a third copy
  #checkov:skip=CKV2_AWS_62:nothing reacts to new log objects: Storage Transfer Service polls on its schedule
  bucket = local.buckets.standard_logs
}

resource "aws_s3_bucket" "firehose_failed" {
  #checkov:skip=CKV_AWS_144:undeliverable records are replayed within days, not kept for disaster recovery
  #checkov:skip=CKV2_AWS_62:failed deliveries are inspected by hand, no event consumer
  bucket = local.buckets.firehose_failed
}

resource "aws_s3_bucket" "access_logs" {
  #checkov:skip=CKV_AWS_144:access logs of log buckets are kept only for audit in-region
  #checkov:skip=CKV2_AWS_62:no event consumer for access logs
  #checkov:skip=CKV_AWS_18:this is the access-log bucket; logging it to itself would loop
  bucket = local.buckets.access_logs
}

locals {
  bucket_ids = {
    standard_logs   = aws_s3_bucket.standard_logs.id
    firehose_failed = aws_s3_bucket.firehose_failed.id
    access_logs     = aws_s3_bucket.access_logs.id
  }
}

resource "aws_s3_bucket_public_access_block" "all" {
  for_each                = local.bucket_ids
  bucket                  = each.value
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "all" {
  for_each = local.bucket_ids
  bucket   = each.value
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "all" {
  for_each = local.bucket_ids
  bucket   = each.value
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.streamqoe.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "all" {
  for_each = local.bucket_ids
  bucket   = each.value
  rule {
    id     = "expire"
    status = "Enabled"
    filter {}
    expiration {
      days = var.standard_log_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_logging" "logged" {
  for_each      = { standard_logs = aws_s3_bucket.standard_logs.id, firehose_failed = aws_s3_bucket.firehose_failed.id }
  bucket        = each.value
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "${each.key}/"
}

# CloudFront standard logging (legacy) writes with an ACL grant, so the log bucket keeps ACLs
# enabled with the bucket owner preferred; public access stays blocked above.
resource "aws_s3_bucket_ownership_controls" "standard_logs" {
  #checkov:skip=CKV2_AWS_65:CloudFront standard logging writes through an ACL grant, so ACLs stay enabled on this bucket only
  bucket = aws_s3_bucket.standard_logs.id
  rule {
    object_ownership = "BucketOwnerPreferred"
  }
}

# Storage Transfer Service (Google) reads the log bucket through this role, federated from
# Google's identity: no AWS access key exists anywhere.
data "aws_iam_policy_document" "gcp_transfer_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["accounts.google.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "accounts.google.com:sub"
      values   = [var.gcp_transfer_subject]
    }
  }
}

resource "aws_iam_role" "gcp_transfer" {
  name               = "${local.name}-gcs-transfer"
  assume_role_policy = data.aws_iam_policy_document.gcp_transfer_assume.json
}

data "aws_iam_policy_document" "gcp_transfer" {
  statement {
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [aws_s3_bucket.standard_logs.arn]
  }
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.standard_logs.arn}/*"]
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.streamqoe.arn]
  }
}

resource "aws_iam_role_policy" "gcp_transfer" {
  name   = "read-standard-logs"
  role   = aws_iam_role.gcp_transfer.id
  policy = data.aws_iam_policy_document.gcp_transfer.json
}
