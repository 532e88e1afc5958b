# infra/pubsub.yaml is the one declaration; the declarations module normalises it (defaults for
# ack deadline and delivery attempts) and the pubsub module creates one resource per entry.
locals {
  pubsub = yamldecode(file("${path.module}/../pubsub.yaml"))
}

module "declarations" {
  source     = "./modules/declarations"
  pubsub     = local.pubsub
  schema_dir = "${path.module}/../../schemas/bigquery"
  raw_tables = var.raw_tables
}

module "pubsub" {
  source        = "./modules/pubsub"
  topics        = module.declarations.topics
  subscriptions = module.declarations.subscriptions
  pubsub_agent  = local.pubsub_agent
  depends_on    = [google_project_service.apis]
}
