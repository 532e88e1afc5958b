output "realtime_log_config_arn" {
  description = "Attach to each CloudFront cache behaviour (realtime_log_config_arn)"
  value       = aws_cloudfront_realtime_log_config.streamqoe.arn
}

output "standard_log_bucket" {
  description = "Give to the GCP root module as aws_standard_log_bucket; CloudFront standard logging writes here"
  value       = aws_s3_bucket.standard_logs.bucket
}

output "gcp_transfer_role_arn" {
  description = "Give to the GCP root module as aws_transfer_role_arn"
  value       = aws_iam_role.gcp_transfer.arn
}

output "firehose_key_secret_arn" {
  description = "Put the Firehose access key here (the same value as the collector's STREAMQOE_FIREHOSE_ACCESS_KEY)"
  value       = aws_secretsmanager_secret.firehose_key.arn
}
