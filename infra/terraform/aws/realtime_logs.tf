# CloudFront real-time logs -> Kinesis Data Streams -> Firehose -> the collector's HTTP endpoint.
# The distributions themselves are managed with the delivery stack; each attaches
# aws_cloudfront_realtime_log_config.streamqoe (output realtime_log_config_arn) to its behaviours.
locals {
  # The fields the collector's CloudFront real-time parser reads, in this order.
  realtime_log_fields = [
    "timestamp", "c-ip", "sc-status", "sc-bytes", "cs-method", "cs-protocol", "cs-host",
    "cs-uri-stem", "cs-bytes", "x-edge-location", "x-edge-request-id", "x-host-header",
    "time-taken", "cs-protocol-version", "cs-user-agent", "cs-referer", "cs-uri-query",
    "x-edge-response-result-type", "x-edge-result-type", "time-to-first-byte",
    "x-edge-detailed-result-type", "sc-content-type", "sc-content-len", "cs-headers",
  ]
}

resource "aws_kinesis_stream" "realtime_logs" {
  name             = "${local.name}-cloudfront-realtime-logs"
  shard_count      = var.kinesis_shards
  retention_period = 24
  encryption_type  = "KMS"
  kms_key_id       = aws_kms_key.streamqoe.arn
  stream_mode_details {
    stream_mode = "PROVISIONED"
  }
}

data "aws_iam_policy_document" "cloudfront_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cloudfront_realtime" {
  name               = "${local.name}-cloudfront-realtime-logs"
  assume_role_policy = data.aws_iam_policy_document.cloudfront_assume.json
}

data "aws_iam_policy_document" "cloudfront_put" {
  statement {
    actions   = ["kinesis:DescribeStreamSummary", "kinesis:DescribeStream", "kinesis:PutRecord", "kinesis:PutRecords"]
    resources = [aws_kinesis_stream.realtime_logs.arn]
  }
  statement {
    actions   = ["kms:GenerateDataKey"]
    resources = [aws_kms_key.streamqoe.arn]
  }
}

resource "aws_iam_role_policy" "cloudfront_put" {
  name   = "put-realtime-logs"
  role   = aws_iam_role.cloudfront_realtime.id
  policy = data.aws_iam_policy_document.cloudfront_put.json
}

resource "aws_cloudfront_realtime_log_config" "streamqoe" {
  name          = "${local.name}-realtime"
  sampling_rate = var.realtime_log_sampling_rate
  fields        = local.realtime_log_fields

  endpoint {
    stream_type = "Kinesis"
    kinesis_stream_config {
      role_arn   = aws_iam_role.cloudfront_realtime.arn
      stream_arn = aws_kinesis_stream.realtime_logs.arn
    }
  }
  depends_on = [aws_iam_role_policy.cloudfront_put]
}

# Firehose: reads the stream, posts batches to the collector, keeps what it could not deliver.
data "aws_iam_policy_document" "firehose_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["firehose.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "firehose" {
  name               = "${local.name}-firehose"
  assume_role_policy = data.aws_iam_policy_document.firehose_assume.json
}

data "aws_iam_policy_document" "firehose" {
  statement {
    actions   = ["kinesis:DescribeStream", "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards"]
    resources = [aws_kinesis_stream.realtime_logs.arn]
  }
  statement {
    actions   = ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]
    resources = [aws_s3_bucket.firehose_failed.arn, "${aws_s3_bucket.firehose_failed.arn}/*"]
  }
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.firehose_key.arn]
  }
  statement {
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.streamqoe.arn]
  }
}

resource "aws_iam_role_policy" "firehose" {
  name   = "deliver-to-collector"
  role   = aws_iam_role.firehose.id
  policy = data.aws_iam_policy_document.firehose.json
}

resource "aws_kinesis_firehose_delivery_stream" "collector" {
  name        = "${local.name}-cloudfront-to-collector"
  destination = "http_endpoint"

  kinesis_source_configuration {
    kinesis_stream_arn = aws_kinesis_stream.realtime_logs.arn
    role_arn           = aws_iam_role.firehose.arn
  }

  http_endpoint_configuration {
    name               = "streamqoe-collector"
    url                = "${var.collector_url}/v1/hooks/firehose"
    role_arn           = aws_iam_role.firehose.arn
    buffering_size     = 1
    buffering_interval = 5
    retry_duration     = 300
    s3_backup_mode     = "FailedDataOnly"

    secrets_manager_configuration {
      enabled    = true
      secret_arn = aws_secretsmanager_secret.firehose_key.arn
      role_arn   = aws_iam_role.firehose.arn
    }

    request_configuration {
      content_encoding = "GZIP"
      common_attributes {
        name  = "source"
        value = "cloudfront-realtime"
      }
    }

    s3_configuration {
      role_arn           = aws_iam_role.firehose.arn
      bucket_arn         = aws_s3_bucket.firehose_failed.arn
      prefix             = "failed/"
      compression_format = "GZIP"
      kms_key_arn        = aws_kms_key.streamqoe.arn
    }
  }
  depends_on = [aws_iam_role_policy.firehose]
}
