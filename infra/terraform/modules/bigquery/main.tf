# The landing dataset and one table per generated schema: day partitions on the schema's event
# time, its clustering, require_partition_filter, partition expiration on raw tables only.
terraform {
  required_version = ">= 1.5"
  required_providers {
    google = {
      source = "hashicorp/google"
    }
  }
}

variable "dataset" {
  description = "Dataset id"
  type        = string
}

variable "location" {
  description = "Dataset location"
  type        = string
}

variable "tables" {
  description = "declarations module output `tables`"
  type        = any
}

variable "raw_partition_expiration_days" {
  description = "Partition expiration of raw tables in days (0: never)"
  type        = number
}

variable "kms_key" {
  description = "Cloud KMS key for the dataset's default encryption; null uses Google-managed keys"
  type        = string
  default     = null
}

resource "google_bigquery_dataset" "streamqoe" {
  dataset_id  = var.dataset
  location    = var.location
  description = "StreamQoE landed events, views and QoE aggregates"

  dynamic "default_encryption_configuration" {
    for_each = var.kms_key == null ? [] : [var.kms_key]
    content {
      kms_key_name = default_encryption_configuration.value
    }
  }
}

resource "google_bigquery_table" "table" {
  #checkov:skip=CKV_GCP_80:tables inherit the dataset's default encryption: Google-managed, or the CMEK given as kms_key
  for_each    = var.tables
  dataset_id  = google_bigquery_dataset.streamqoe.dataset_id
  table_id    = each.key
  description = each.value.description
  schema      = jsonencode(each.value.schema)
  clustering  = each.value.clustering

  time_partitioning {
    type          = each.value.partition_type
    field         = each.value.partition_field
    expiration_ms = each.value.raw && var.raw_partition_expiration_days > 0 ? var.raw_partition_expiration_days * 86400000 : null
  }

  require_partition_filter = true
  deletion_protection      = true
  labels                   = { contract = replace(each.value.contract, ".", "_") }
}

output "dataset_id" {
  description = "Dataset id"
  value       = google_bigquery_dataset.streamqoe.dataset_id
}

output "table_ids" {
  description = "Table id => full id"
  value       = { for k, t in google_bigquery_table.table : k => t.id }
}
