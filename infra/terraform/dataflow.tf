locals {
  image_repository = "${var.region}-docker.pkg.dev/${var.project}/${google_artifact_registry_repository.images.repository_id}"
  warehouse        = "bigquery:${var.project}.${module.bigquery.dataset_id}"
}

module "dataflow_jobs" {
  source                    = "./modules/dataflow_jobs"
  project                   = var.project
  region                    = var.region
  name                      = local.name
  templates_bucket          = module.buckets.names["templates"]
  temp_bucket               = module.buckets.names["temp"]
  image_repository          = local.image_repository
  image_tag                 = var.image_tag
  warehouse                 = local.warehouse
  subscriptions             = module.declarations.pipeline_subscriptions
  worker_service_account    = google_service_account.sa["dataflow"].email
  scheduler_service_account = google_service_account.sa["scheduler"].email
  max_workers               = var.streaming_max_workers
  batch_schedule            = var.batch_schedule
  batch_input               = "cloudfront=gs://${module.buckets.names["raw-archive"]}/cloudfront/*.{date}-*.gz"
  depends_on = [
    google_project_iam_member.dataflow_worker,
    google_pubsub_subscription_iam_member.dataflow_read,
  ]
}
