# Topics, subscriptions and dead-letter policies, one resource per entry of infra/pubsub.yaml
# (through the declarations module), plus the IAM Pub/Sub's service agent needs to dead-letter.
terraform {
  required_version = ">= 1.5"
  required_providers {
    google = {
      source = "hashicorp/google"
    }
  }
}

variable "topics" {
  description = "declarations module output `topics`"
  type        = map(any)
}

variable "subscriptions" {
  description = "declarations module output `subscriptions`"
  type        = map(any)
}

variable "pubsub_agent" {
  description = "IAM member of the project's Pub/Sub service agent"
  type        = string
}

variable "kms_key" {
  description = "Cloud KMS key for topic encryption; null uses Google-managed keys"
  type        = string
  default     = null
}

resource "google_pubsub_topic" "topic" {
  for_each                   = var.topics
  name                       = each.key
  message_retention_duration = each.value.message_retention
  kms_key_name               = var.kms_key
}

resource "google_pubsub_subscription" "subscription" {
  for_each             = var.subscriptions
  name                 = each.key
  topic                = google_pubsub_topic.topic[each.value.topic].id
  ack_deadline_seconds = each.value.ack_deadline_seconds

  dynamic "dead_letter_policy" {
    for_each = each.value.dead_letter_topic == null ? [] : [each.value]
    content {
      dead_letter_topic     = google_pubsub_topic.topic[dead_letter_policy.value.dead_letter_topic].id
      max_delivery_attempts = dead_letter_policy.value.max_delivery_attempts
    }
  }
}

# Without these, dead-lettering silently does nothing.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = toset(compact([for s in var.subscriptions : s.dead_letter_topic == null ? "" : s.dead_letter_topic]))
  topic    = google_pubsub_topic.topic[each.key].id
  role     = "roles/pubsub.publisher"
  member   = var.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each     = { for k, s in var.subscriptions : k => s if s.dead_letter_topic != null }
  subscription = google_pubsub_subscription.subscription[each.key].id
  role         = "roles/pubsub.subscriber"
  member       = var.pubsub_agent
}

output "topic_ids" {
  description = "Topic name => id"
  value       = { for k, t in google_pubsub_topic.topic : k => t.id }
}

output "subscription_ids" {
  description = "Subscription name => id"
  value       = { for k, s in google_pubsub_subscription.subscription : k => s.id }
}
