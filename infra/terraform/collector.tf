# The collector's keys, one secret each, read as environment variables (collector/settings.py):
# players' write keys (property=key,...), the Firehose HTTP endpoint's access key and the
# EventBridge connection's header secret. The secrets are declared here; their versions are
# added out of band (docs/deployment.md), so no key is in Terraform state.
locals {
  collector_secret_env = {
    STREAMQOE_WRITE_KEYS          = "write-keys"
    STREAMQOE_FIREHOSE_ACCESS_KEY = "firehose-access-key"
    STREAMQOE_EVENTBRIDGE_SECRET  = "eventbridge-secret"
  }
  # The header the AWS connection sends (infra/terraform/aws/eventbridge.tf sends the same).
  eventbridge_header = "x-streamqoe-hook-secret"
}

resource "google_secret_manager_secret" "collector" {
  for_each  = local.collector_secret_env
  secret_id = "${local.name}-${each.value}"
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

module "collector" {
  source          = "./modules/collector"
  name            = "${local.name}-collector"
  project         = var.project
  region          = var.region
  image           = var.collector_image != "" ? var.collector_image : "${local.image_repository}/collector:${var.image_tag}"
  service_account = google_service_account.sa["collector"].email
  env             = { STREAMQOE_EVENTBRIDGE_HEADER = local.eventbridge_header }
  secret_env      = { for name, secret in google_secret_manager_secret.collector : name => secret.secret_id }
  min_instances   = var.collector_min_instances
  depends_on      = [google_secret_manager_secret_iam_member.collector_keys]
}
