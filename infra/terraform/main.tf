# StreamQoE's GCP resources (the AWS delivery side is its own root module, aws/). The declarations
# live next to the code that uses them locally and are read here, never retyped:
#   ../pubsub.yaml                 topics, subscriptions, dead-letter topics (pubsub.tf, yamldecode)
#   ../../schemas/bigquery/*.json  table schemas generated from the contracts (bigquery.tf)
# so production and the local platform cannot drift apart (tests/infra/ checks it).
#
# One root module per cloud, one state per environment: `terraform init
# -backend-config=envs/ENV.gcs.tfbackend` then `terraform plan -var-file=envs/ENV.tfvars`
# (docs/deployment.md).
terraform {
  required_version = ">= 1.5"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 5.30, < 7.0"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 5.30, < 7.0"
    }
  }
  # Remote state in a GCS bucket created once by hand per environment (versioned, uniform access);
  # bucket and prefix come from envs/ENV.gcs.tfbackend.
  backend "gcs" {}
}

provider "google-beta" {
  project = var.project
  region  = var.region
}

provider "google" {
  project = var.project
  region  = var.region
  default_labels = {
    app         = "streamqoe"
    environment = var.environment
  }
}

data "google_project" "this" {}

locals {
  name = "streamqoe-${var.environment}"
  # Pub/Sub's service agent: publishes dead letters, runs push and BigQuery subscriptions.
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_project_service" "apis" {
  for_each = toset([
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "cloudscheduler.googleapis.com",
    "dataflow.googleapis.com",
    "iam.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storagetransfer.googleapis.com",
  ])
  service            = each.key
  disable_on_destroy = false
}

resource "google_artifact_registry_repository" "images" {
  #checkov:skip=CKV_GCP_84:images hold only this repository's open-source code and public dependencies; Google-managed encryption at rest is enough
  repository_id = "streamqoe"
  location      = var.region
  format        = "DOCKER"
  description   = "Flex-template images (launcher and worker, one per pipeline) and the collector"
  depends_on    = [google_project_service.apis]
}
