# The four buckets: landing (files for the batch pipeline), templates (flex-template specs),
# temp (Dataflow staging and the batch spill), raw archive (CDN standard logs from S3).
terraform {
  required_version = ">= 1.5"
  required_providers {
    google = {
      source = "hashicorp/google"
    }
  }
}

variable "name_prefix" {
  description = "Prefix of every bucket name, e.g. streamqoe-prod-PROJECT"
  type        = string
}

variable "location" {
  description = "Bucket location"
  type        = string
}

variable "temp_retention_days" {
  description = "Days before objects under the temp bucket are deleted (failed jobs' spill)"
  type        = number
  default     = 7
}

variable "raw_archive_coldline_days" {
  description = "Days before raw archive objects move to Coldline"
  type        = number
  default     = 30
}

locals {
  buckets = {
    landing     = { versioned = true, delete_after = 0, coldline_after = 30 }
    templates   = { versioned = true, delete_after = 0, coldline_after = 0 }
    temp        = { versioned = false, delete_after = var.temp_retention_days, coldline_after = 0 }
    raw-archive = { versioned = true, delete_after = 0, coldline_after = var.raw_archive_coldline_days }
  }
}

resource "google_storage_bucket" "bucket" {
  #checkov:skip=CKV_GCP_62:object access is recorded by Cloud Audit Logs (data access logs), not by legacy usage-log buckets
  #checkov:skip=CKV_GCP_78:every bucket is versioned except temp, Dataflow's scratch space (staging and the batch spill), whose deleted objects must not be kept
  for_each                    = local.buckets
  name                        = "${var.name_prefix}-${each.key}"
  location                    = var.location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = each.value.versioned
  }

  dynamic "lifecycle_rule" {
    for_each = each.value.delete_after > 0 ? [each.value.delete_after] : []
    content {
      condition {
        age = lifecycle_rule.value
      }
      action {
        type = "Delete"
      }
    }
  }

  dynamic "lifecycle_rule" {
    for_each = each.value.coldline_after > 0 ? [each.value.coldline_after] : []
    content {
      condition {
        age = lifecycle_rule.value
      }
      action {
        type          = "SetStorageClass"
        storage_class = "COLDLINE"
      }
    }
  }
}

output "names" {
  description = "Role (landing, templates, temp, raw-archive) => bucket name"
  value       = { for k, b in google_storage_bucket.bucket : k => b.name }
}
