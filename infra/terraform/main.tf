# StreamQoE's GCP resources. The declarations live next to the code that uses them locally:
#   ../pubsub.yaml                 topics and subscriptions (also read by the local emulator setup)
#   ../../schemas/bigquery/*.json  table schemas generated from the contracts
# so production and the local platform cannot drift apart.
terraform {
  required_version = ">= 1.5"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 5.0"
    }
  }
}

provider "google" {
  project = var.project
  region  = var.region
}

variable "project" {
  description = "GCP project id, e.g. streamqoe-prod"
  type        = string
}

variable "region" {
  description = "Region for Dataflow and the BigQuery dataset location's region"
  type        = string
  default     = "europe-west1"
}

variable "dataset" {
  description = "BigQuery dataset the pipelines land in"
  type        = string
  default     = "streamqoe"
}

variable "dataset_location" {
  description = "BigQuery dataset location (multi-region or region)"
  type        = string
  default     = "EU"
}

variable "partition_expiration_days" {
  description = "Days to keep raw landed partitions (0 keeps them forever)"
  type        = number
  default     = 400
}
