# Provider-free: turns the decoded Pub/Sub declaration and the generated table schemas into the
# maps the pubsub and bigquery modules iterate over. Having no resources, it evaluates offline,
# which is how tests/infra/ checks that Terraform declares exactly what the code uses.
terraform {
  required_version = ">= 1.5"
}

variable "pubsub" {
  description = "infra/pubsub.yaml, decoded (yamldecode) by the caller"
  type        = any
}

variable "schema_dir" {
  description = "Folder of the generated BigQuery table schemas (schemas/bigquery)"
  type        = string
}

variable "raw_tables" {
  description = "Tables whose partitions expire"
  type        = list(string)
}

locals {
  topics = {
    for t in var.pubsub.topics : t.name => {
      message_retention = try(t.message_retention, null)
      dead_letter_topic = try(t.dead_letter_topic, null)
      contract          = try(t.contract, null)
    }
  }
  subscriptions = {
    for s in var.pubsub.subscriptions : s.name => {
      topic                 = s.topic
      ack_deadline_seconds  = try(s.ack_deadline_seconds, 10)
      dead_letter_topic     = try(s.dead_letter_topic, null)
      max_delivery_attempts = try(s.max_delivery_attempts, 5)
    }
  }
  table_docs = {
    for f in fileset(var.schema_dir, "*.json") :
    trimsuffix(f, ".json") => jsondecode(file("${var.schema_dir}/${f}"))
  }
  tables = {
    for k, t in local.table_docs : t.table => {
      description     = t.description
      contract        = t.contract
      schema          = t.schema
      clustering      = t.clustering
      partition_type  = t.timePartitioning.type
      partition_field = t.timePartitioning.field
      raw             = contains(var.raw_tables, t.table)
    }
  }
}

output "topics" {
  description = "Topic name => retention, dead-letter topic, contract"
  value       = local.topics
}

output "subscriptions" {
  description = "Subscription name => topic, ack deadline, dead-letter policy"
  value       = local.subscriptions
}

output "tables" {
  description = "Table id => schema, partitioning, clustering, whether raw"
  value       = local.tables
}

output "pipeline_subscriptions" {
  description = "Subscriptions with a dead-letter policy: the ones the streaming pipeline reads"
  value       = sort([for k, s in local.subscriptions : k if s.dead_letter_topic != null])
}

output "dead_letter_topics" {
  description = "Topics that receive undeliverable messages"
  value       = sort(distinct(compact([for s in local.subscriptions : s.dead_letter_topic == null ? "" : s.dead_letter_topic])))
}
