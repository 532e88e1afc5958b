locals {
  pubsub        = yamldecode(file("${path.module}/../pubsub.yaml"))
  topics        = { for t in local.pubsub.topics : t.name => t }
  subscriptions = { for s in local.pubsub.subscriptions : s.name => s }
}

resource "google_pubsub_topic" "topic" {
  for_each                   = local.topics
  name                       = each.key
  message_retention_duration = try(each.value.message_retention, null)
  labels                     = { app = "streamqoe" }
}

resource "google_pubsub_subscription" "subscription" {
  for_each             = local.subscriptions
  name                 = each.key
  topic                = google_pubsub_topic.topic[each.value.topic].id
  ack_deadline_seconds = try(each.value.ack_deadline_seconds, 10)

  dynamic "dead_letter_policy" {
    for_each = try(each.value.dead_letter_topic, null) == null ? [] : [each.value]
    content {
      dead_letter_topic     = google_pubsub_topic.topic[dead_letter_policy.value.dead_letter_topic].id
      max_delivery_attempts = try(dead_letter_policy.value.max_delivery_attempts, 5)
    }
  }
  labels = { app = "streamqoe" }
}

# Pub/Sub's service agent must be allowed to publish to dead-letter topics and to ack the
# source subscriptions, or dead-lettering silently does nothing.
data "google_project" "this" {}

locals {
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = toset(compact([for s in local.pubsub.subscriptions : try(s.dead_letter_topic, "")]))
  topic    = google_pubsub_topic.topic[each.key].id
  role     = "roles/pubsub.publisher"
  member   = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each     = { for k, s in local.subscriptions : k => s if try(s.dead_letter_topic, null) != null }
  subscription = google_pubsub_subscription.subscription[each.key].id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}
