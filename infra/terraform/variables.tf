variable "project" {
  description = "GCP project id, e.g. streamqoe-prod"
  type        = string
}

variable "environment" {
  description = "Environment name, part of every resource name: dev or prod"
  type        = string
  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be dev or prod"
  }
}

variable "region" {
  description = "Region for Dataflow, Cloud Run, Artifact Registry, buckets and the scheduler"
  type        = string
  default     = "europe-west1"
}

variable "dataset" {
  description = "BigQuery dataset the pipelines land in"
  type        = string
  default     = "streamqoe"
}

variable "dataset_location" {
  description = "BigQuery dataset and bucket location (multi-region or region)"
  type        = string
  default     = "EU"
}

variable "raw_partition_expiration_days" {
  description = "Days to keep partitions of the raw landed tables (0 keeps them forever); derived tables keep theirs"
  type        = number
  default     = 400
}

variable "raw_tables" {
  description = "Tables landed straight from the sources (partition expiration applies); the rest are derived"
  type        = list(string)
  default     = ["player_events", "cmcd_reports", "cdn_requests", "transcode_events", "dead_letters"]
}

variable "image_tag" {
  description = "Tag of the pipeline and collector images in Artifact Registry (the git commit), e.g. 3f2a9c1"
  type        = string
}

variable "collector_image" {
  description = "Full collector image reference; empty means REGION-docker.pkg.dev/PROJECT/streamqoe/collector:IMAGE_TAG"
  type        = string
  default     = ""
}

variable "streaming_max_workers" {
  description = "Autoscaling ceiling of the streaming Dataflow job"
  type        = number
  default     = 10
}

variable "batch_schedule" {
  description = "Cron (UTC) of the batch reconciliation run over yesterday's raw archive"
  type        = string
  default     = "30 3 * * *"
}

variable "collector_min_instances" {
  description = "Cloud Run minimum instances of the collector (0 allows scale to zero)"
  type        = number
  default     = 1
}

variable "alert_notification_channels" {
  description = "Cloud Monitoring notification channel ids the alert policies notify"
  type        = list(string)
  default     = []
}

variable "aws_standard_log_bucket" {
  description = "S3 bucket holding CloudFront standard logs (output of the aws/ root module); empty disables the transfer"
  type        = string
  default     = ""
}

variable "aws_transfer_role_arn" {
  description = "AWS IAM role Storage Transfer Service assumes through web identity federation (output of aws/)"
  type        = string
  default     = ""
}

variable "github_repository" {
  description = "owner/name of the repository whose main-branch workflows may deploy (workload identity federation)"
  type        = string
  default     = "streamqoe/streamqoe"
}
