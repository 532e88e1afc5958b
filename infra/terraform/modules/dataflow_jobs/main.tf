# The streaming job from its flex template, and the scheduled batch reconciliation: Cloud
# Scheduler starts a Workflows execution that launches the batch flex template over yesterday.
#
# Terraform creates the streaming job; the code version it runs afterwards belongs to the deploy
# workflow (`streamqoe deploy streaming`, an in-place `--update`), so the template path and image
# are ignored after creation and Terraform never fights the deploy.
terraform {
  required_version = ">= 1.5"
  required_providers {
    google = {
      source = "hashicorp/google"
    }
    google-beta = {
      source = "hashicorp/google-beta"
    }
  }
}

variable "project" {
  description = "Project id"
  type        = string
}

variable "region" {
  description = "Dataflow region"
  type        = string
}

variable "name" {
  description = "Name prefix, e.g. streamqoe-prod"
  type        = string
}

variable "templates_bucket" {
  description = "Bucket holding templates/streaming.json and templates/batch.json"
  type        = string
}

variable "temp_bucket" {
  description = "Bucket for Dataflow staging and temp files"
  type        = string
}

variable "image_repository" {
  description = "Artifact Registry path, REGION-docker.pkg.dev/PROJECT/streamqoe"
  type        = string
}

variable "image_tag" {
  description = "Image tag the job starts with"
  type        = string
}

variable "warehouse" {
  description = "The pipelines' --warehouse, bigquery:PROJECT.DATASET"
  type        = string
}

variable "subscriptions" {
  description = "Subscriptions the streaming job reads (declared in infra/pubsub.yaml)"
  type        = list(string)
}

variable "worker_service_account" {
  description = "Email of the Dataflow worker service account"
  type        = string
}

variable "scheduler_service_account" {
  description = "Email of the service account Scheduler and Workflows run as"
  type        = string
}

variable "max_workers" {
  description = "Streaming autoscaling ceiling"
  type        = number
}

variable "batch_schedule" {
  description = "Cron (UTC) of the batch run"
  type        = string
}

variable "batch_input" {
  description = "Batch --input for one day; {date} becomes YYYY-MM-DD of yesterday (UTC)"
  type        = string
}

locals {
  temp_location = "gs://${var.temp_bucket}/dataflow/temp"
}

resource "google_dataflow_flex_template_job" "streaming" {
  provider                     = google-beta
  name                         = "${var.name}-streaming"
  region                       = var.region
  container_spec_gcs_path      = "gs://${var.templates_bucket}/templates/streaming.json"
  service_account_email        = var.worker_service_account
  temp_location                = local.temp_location
  staging_location             = "gs://${var.temp_bucket}/dataflow/staging"
  max_workers                  = var.max_workers
  enable_streaming_engine      = true
  ip_configuration             = "WORKER_IP_PRIVATE"
  additional_experiments       = ["use_runner_v2"]
  on_delete                    = "drain"
  skip_wait_on_job_termination = true
  labels                       = { pipeline = "streaming" }
  parameters = {
    warehouse           = var.warehouse
    pubsub_project      = var.project
    subscriptions       = join(",", var.subscriptions)
    sdk_container_image = "${var.image_repository}/streaming:${var.image_tag}"
  }

  lifecycle {
    ignore_changes = [container_spec_gcs_path, parameters["sdk_container_image"], transform_name_mapping]
  }
}

resource "google_workflows_workflow" "batch" {
  name            = "${var.name}-batch"
  region          = var.region
  description     = "Launch the batch flex template over yesterday's raw archive (reconciliation)"
  service_account = var.scheduler_service_account
  source_contents = templatefile("${path.module}/batch_workflow.yaml", {
    project       = var.project
    region        = var.region
    job_prefix    = "${var.name}-batch"
    template      = "gs://${var.templates_bucket}/templates/batch.json"
    image         = "${var.image_repository}/batch:${var.image_tag}"
    input         = var.batch_input
    warehouse     = var.warehouse
    sa            = var.worker_service_account
    temp_location = local.temp_location
  })
}

resource "google_cloud_scheduler_job" "batch" {
  name      = "${var.name}-batch"
  region    = var.region
  schedule  = var.batch_schedule
  time_zone = "Etc/UTC"

  http_target {
    http_method = "POST"
    uri         = "https://workflowexecutions.googleapis.com/v1/${google_workflows_workflow.batch.id}/executions"
    body        = base64encode("{}")
    oauth_token {
      service_account_email = var.scheduler_service_account
    }
  }
}

output "streaming_job_id" {
  description = "Dataflow job id of the streaming job"
  value       = google_dataflow_flex_template_job.streaming.job_id
}

output "streaming_job_name" {
  description = "Name the deploy workflow updates in place"
  value       = google_dataflow_flex_template_job.streaming.name
}

output "batch_workflow" {
  description = "Workflows id of the batch launcher"
  value       = google_workflows_workflow.batch.id
}
