# Alert policies: freshness (the streaming job's data watermark age), dead-letter rate (the
# pipelines' dead_letters_* counters and Pub/Sub's own dead-letter topics), per-PoP QoE regression
# (a log-based metric over the data quality run's regression entries) and Dataflow system lag.
terraform {
  required_version = ">= 1.5"
  required_providers {
    google = {
      source = "hashicorp/google"
    }
  }
}

variable "streaming_job_name" {
  description = "Name of the streaming Dataflow job"
  type        = string
}

variable "dead_letter_topics" {
  description = "Pub/Sub dead-letter topics (declarations module output)"
  type        = list(string)
}

variable "notification_channels" {
  description = "Notification channel ids"
  type        = list(string)
}

variable "freshness_seconds" {
  description = "Data watermark age that pages"
  type        = number
  default     = 600
}

variable "system_lag_seconds" {
  description = "Dataflow system lag that pages"
  type        = number
  default     = 300
}

variable "dead_letters_per_second" {
  description = "Pipeline dead letters per second (sum of dead_letters_* counters) that pages"
  type        = number
  default     = 1
}

locals {
  job_filter = "resource.type = \"dataflow_job\" AND resource.labels.job_name = \"${var.streaming_job_name}\""
}

resource "google_monitoring_alert_policy" "freshness" {
  display_name          = "StreamQoE freshness: ${var.streaming_job_name} watermark older than ${var.freshness_seconds}s"
  combiner              = "OR"
  notification_channels = var.notification_channels
  conditions {
    display_name = "data watermark age"
    condition_threshold {
      filter          = "${local.job_filter} AND metric.type = \"dataflow.googleapis.com/job/data_watermark_age\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.freshness_seconds
      duration        = "300s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }
}

resource "google_monitoring_alert_policy" "system_lag" {
  display_name          = "StreamQoE Dataflow system lag: ${var.streaming_job_name} over ${var.system_lag_seconds}s"
  combiner              = "OR"
  notification_channels = var.notification_channels
  conditions {
    display_name = "system lag"
    condition_threshold {
      filter          = "${local.job_filter} AND metric.type = \"dataflow.googleapis.com/job/system_lag\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.system_lag_seconds
      duration        = "300s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }
}

resource "google_monitoring_alert_policy" "dead_letter_rate" {
  display_name          = "StreamQoE dead-letter rate"
  combiner              = "OR"
  notification_channels = var.notification_channels
  conditions {
    display_name = "pipeline dead letters (dead_letters_* counters)"
    condition_threshold {
      filter          = "${local.job_filter} AND metric.type = \"dataflow.googleapis.com/job/user_counter\" AND metric.labels.metric_name = monitoring.regex.full_match(\"dead_letters_.*\")"
      comparison      = "COMPARISON_GT"
      threshold_value = var.dead_letters_per_second
      duration        = "600s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }
  conditions {
    display_name = "messages Pub/Sub dead-lettered"
    condition_threshold {
      filter          = "resource.type = \"pubsub_topic\" AND metric.type = \"pubsub.googleapis.com/topic/send_message_operation_count\" AND resource.labels.topic_id = one_of(${join(", ", [for t in var.dead_letter_topics : "\"${t}\""])})"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }
}

# One log entry per PoP whose QoE regressed (jsonPayload.check = "pop_qoe_regression", label pop),
# written by the data quality run.
resource "google_logging_metric" "pop_qoe_regression" {
  name   = "streamqoe/pop_qoe_regression"
  filter = "jsonPayload.check = \"pop_qoe_regression\""
  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    labels {
      key         = "pop"
      value_type  = "STRING"
      description = "CDN point of presence"
    }
  }
  label_extractors = {
    pop = "EXTRACT(jsonPayload.pop)"
  }
}

resource "google_monitoring_alert_policy" "pop_qoe_regression" {
  display_name          = "StreamQoE per-PoP QoE regression"
  combiner              = "OR"
  notification_channels = var.notification_channels
  conditions {
    display_name = "a PoP's QoE regressed against its baseline"
    condition_threshold {
      filter          = "metric.type = \"logging.googleapis.com/user/${google_logging_metric.pop_qoe_regression.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "3600s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.pop"]
      }
    }
  }
}

output "policy_names" {
  description = "Alert policy resource names"
  value = [
    google_monitoring_alert_policy.freshness.name,
    google_monitoring_alert_policy.system_lag.name,
    google_monitoring_alert_policy.dead_letter_rate.name,
    google_monitoring_alert_policy.pop_qoe_regression.name,
  ]
}
