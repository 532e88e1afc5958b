# The collector on Cloud Run: receives beacons, CMCD reports and the AWS hooks
# (/v1/hooks/firehose, /v1/hooks/eventbridge) and publishes to Pub/Sub. Its keys (players' write
# keys, the Firehose access key, the EventBridge header secret) come from Secret Manager as
# environment variables (collector/settings.py); versions are added out of band, never through
# Terraform state.
terraform {
  required_version = ">= 1.5"
  required_providers {
    google = {
      source = "hashicorp/google"
    }
  }
}

variable "name" {
  description = "Service name"
  type        = string
}

variable "project" {
  description = "Project holding the Pub/Sub topics the collector publishes to"
  type        = string
}

variable "region" {
  description = "Cloud Run region"
  type        = string
}

variable "image" {
  description = "Collector image"
  type        = string
}

variable "service_account" {
  description = "Email of the collector's service account"
  type        = string
}

variable "env" {
  description = "Plain environment variables (STREAMQOE_PROJECT is set from var.project)"
  type        = map(string)
  default     = {}
}

variable "secret_env" {
  description = "Environment variable => Secret Manager secret id (latest version), e.g. STREAMQOE_WRITE_KEYS"
  type        = map(string)
}

variable "min_instances" {
  description = "Minimum instances"
  type        = number
}

variable "max_instances" {
  description = "Maximum instances"
  type        = number
  default     = 20
}

resource "google_cloud_run_v2_service" "collector" {
  name     = var.name
  location = var.region
  ingress  = "INGRESS_TRAFFIC_ALL"

  template {
    service_account = var.service_account
    scaling {
      min_instance_count = var.min_instances
      max_instance_count = var.max_instances
    }
    containers {
      image = var.image
      ports {
        container_port = 8080
      }
      env {
        name  = "STREAMQOE_PROJECT"
        value = var.project
      }
      dynamic "env" {
        for_each = var.env
        content {
          name  = env.key
          value = env.value
        }
      }
      dynamic "env" {
        for_each = var.secret_env
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = env.value
              version = "latest"
            }
          }
        }
      }
      resources {
        limits = { cpu = "1", memory = "512Mi" }
      }
      startup_probe {
        http_get {
          path = "/readyz"
        }
      }
      liveness_probe {
        http_get {
          path = "/healthz"
        }
      }
    }
  }
}

# Players, CloudFront's Firehose and EventBridge post without Google credentials: the collector
# authenticates them by write key, so the service itself is public.
resource "google_cloud_run_v2_service_iam_member" "public" {
  name     = google_cloud_run_v2_service.collector.name
  location = var.region
  role     = "roles/run.invoker"
  member   = "allUsers"
}

output "url" {
  description = "Base URL (https://...) the AWS hooks and players post to"
  value       = google_cloud_run_v2_service.collector.uri
}
