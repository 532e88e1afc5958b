variable "environment" {
  description = "Environment name: dev or prod"
  type        = string
  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be dev or prod"
  }
}

variable "region" {
  description = "AWS region of the stream, Firehose, EventBridge and the log bucket (CloudFront's real-time logs need us-east-1 or the stream's region)"
  type        = string
  default     = "us-east-1"
}

variable "collector_url" {
  description = "Collector base URL (GCP root module output collector_url), e.g. https://streamqoe-prod-collector-abc-ew.a.run.app"
  type        = string
  validation {
    condition     = can(regex("^https://", var.collector_url))
    error_message = "collector_url must be https"
  }
}

variable "realtime_log_sampling_rate" {
  description = "Percentage (1-100) of CloudFront requests sent as real-time log records"
  type        = number
  default     = 100
}

variable "kinesis_shards" {
  description = "Shards of the real-time log stream"
  type        = number
  default     = 1
}

variable "gcp_transfer_subject" {
  description = "Subject id (numeric) of Google's Storage Transfer Service account, from `gcloud transfer authorize` or the GCP output"
  type        = string
}

variable "standard_log_retention_days" {
  description = "Days CloudFront standard logs stay in S3 after transfer"
  type        = number
  default     = 14
}
