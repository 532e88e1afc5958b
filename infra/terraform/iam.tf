# One service account per component, each granted only what it uses, on the resource where
# possible (topic, subscription, bucket, dataset, secret) rather than the project.
locals {
  service_accounts = {
    collector = "StreamQoE collector (Cloud Run): publishes to the contract topics"
    dataflow  = "StreamQoE Dataflow workers (streaming and batch)"
    scheduler = "StreamQoE Cloud Scheduler and Workflows: launches the batch template"
    deployer  = "StreamQoE GitHub Actions deploys (workload identity federation, no keys)"
  }
  contract_topics = [for k, t in module.declarations.topics : k if t.contract != null]
}

resource "google_service_account" "sa" {
  for_each     = local.service_accounts
  account_id   = "${local.name}-${each.key}"
  display_name = each.value
}

# collector
resource "google_pubsub_topic_iam_member" "collector_publish" {
  for_each = toset(local.contract_topics)
  topic    = module.pubsub.topic_ids[each.key]
  role     = "roles/pubsub.publisher"
  member   = google_service_account.sa["collector"].member
}

resource "google_secret_manager_secret_iam_member" "collector_keys" {
  for_each  = google_secret_manager_secret.collector
  secret_id = each.value.id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.sa["collector"].member
}

# dataflow workers
resource "google_project_iam_member" "dataflow_worker" {
  for_each = toset(["roles/dataflow.worker", "roles/bigquery.jobUser", "roles/monitoring.metricWriter", "roles/logging.logWriter"])
  project  = var.project
  role     = each.key
  member   = google_service_account.sa["dataflow"].member
}

resource "google_pubsub_subscription_iam_member" "dataflow_read" {
  for_each     = toset(module.declarations.pipeline_subscriptions)
  subscription = module.pubsub.subscription_ids[each.key]
  role         = "roles/pubsub.subscriber"
  member       = google_service_account.sa["dataflow"].member
}

resource "google_bigquery_dataset_iam_member" "dataflow_land" {
  dataset_id = module.bigquery.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.sa["dataflow"].member
}

resource "google_storage_bucket_iam_member" "dataflow_buckets" {
  for_each = {
    temp        = "roles/storage.objectAdmin"
    templates   = "roles/storage.objectViewer"
    landing     = "roles/storage.objectViewer"
    raw-archive = "roles/storage.objectViewer"
  }
  bucket = module.buckets.names[each.key]
  role   = each.value
  member = google_service_account.sa["dataflow"].member
}

resource "google_artifact_registry_repository_iam_member" "dataflow_pull" {
  repository = google_artifact_registry_repository.images.name
  location   = var.region
  role       = "roles/artifactregistry.reader"
  member     = google_service_account.sa["dataflow"].member
}

# scheduler: start the workflow, launch the template as the worker account
resource "google_project_iam_member" "scheduler" {
  #checkov:skip=CKV_GCP_49:launching a flex template needs dataflow.developer, which Dataflow grants only per project (no job-level IAM); acting as the worker account is granted on that account alone (act_as_dataflow)
  for_each = toset(["roles/workflows.invoker", "roles/dataflow.developer"])
  project  = var.project
  role     = each.key
  member   = google_service_account.sa["scheduler"].member
}

resource "google_service_account_iam_member" "act_as_dataflow" {
  for_each           = toset(["scheduler", "deployer"])
  service_account_id = google_service_account.sa["dataflow"].name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.sa[each.key].member
}

# deployer: push images, write templates, update the streaming job, run dbt
resource "google_artifact_registry_repository_iam_member" "deployer_push" {
  repository = google_artifact_registry_repository.images.name
  location   = var.region
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.sa["deployer"].member
}

resource "google_storage_bucket_iam_member" "deployer_templates" {
  bucket = module.buckets.names["templates"]
  role   = "roles/storage.objectAdmin"
  member = google_service_account.sa["deployer"].member
}

resource "google_project_iam_member" "deployer" {
  #checkov:skip=CKV_GCP_49:updating the streaming job needs dataflow.developer, which Dataflow grants only per project (no job-level IAM); acting as the worker account is granted on that account alone (act_as_dataflow)
  for_each = toset(["roles/dataflow.developer", "roles/bigquery.jobUser"])
  project  = var.project
  role     = each.key
  member   = google_service_account.sa["deployer"].member
}

resource "google_bigquery_dataset_iam_member" "deployer_dbt" {
  dataset_id = module.bigquery.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.sa["deployer"].member
}

# GitHub Actions -> deployer, only for jobs of this repository that run in the GitHub environment
# of the same name (deploy.yml and reconcile.yml: `environment: prod`); the environment's
# protection rules limit it to the main branch. OIDC subject: repo:OWNER/NAME:environment:ENV.
resource "google_iam_workload_identity_pool" "github" {
  workload_identity_pool_id = "${local.name}-github"
  display_name              = "GitHub Actions"
}

resource "google_iam_workload_identity_pool_provider" "github" {
  #checkov:skip=CKV_GCP_125:the condition pins the full subject repo:OWNER/NAME:environment:ENV; checkov cannot read the repository through var.github_repository (tests/infra/test_terraform_gcp.py checks the condition)
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  attribute_mapping = {
    "google.subject"        = "assertion.sub"
    "attribute.repository"  = "assertion.repository"
    "attribute.environment" = "assertion.environment"
  }
  attribute_condition = "assertion.sub == 'repo:${var.github_repository}:environment:${var.environment}'"
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

resource "google_service_account_iam_member" "github_deployer" {
  service_account_id = google_service_account.sa["deployer"].name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.repository/${var.github_repository}"
}

# Looker API credentials for the LookML deploy (.github/workflows/deploy.yml); versions are
# added out of band.
resource "google_secret_manager_secret" "looker" {
  for_each  = toset(["client-id", "client-secret"])
  secret_id = "${local.name}-looker-${each.key}"
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_iam_member" "deployer_looker" {
  for_each  = google_secret_manager_secret.looker
  secret_id = each.value.id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.sa["deployer"].member
}
