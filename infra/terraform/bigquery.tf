locals {
  table_files = fileset("${path.module}/../../schemas/bigquery", "*.json")
  tables = {
    for f in local.table_files :
    trimsuffix(f, ".json") => jsondecode(file("${path.module}/../../schemas/bigquery/${f}"))
  }
}

resource "google_bigquery_dataset" "streamqoe" {
  dataset_id  = var.dataset
  location    = var.dataset_location
  description = "StreamQoE landed events, views and QoE aggregates"
  labels      = { app = "streamqoe" }
}

resource "google_bigquery_table" "landed" {
  for_each    = local.tables
  dataset_id  = google_bigquery_dataset.streamqoe.dataset_id
  table_id    = each.value.table
  description = each.value.description
  schema      = jsonencode(each.value.schema)
  clustering  = each.value.clustering

  time_partitioning {
    type          = each.value.timePartitioning.type
    field         = each.value.timePartitioning.field
    expiration_ms = var.partition_expiration_days > 0 ? var.partition_expiration_days * 86400000 : null
  }

  require_partition_filter = true
  deletion_protection      = true
  labels                   = { contract = replace(each.value.contract, ".", "_") }
}
