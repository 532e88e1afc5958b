output "collector_url" {
  description = "Collector base URL; give it to the aws/ root module (collector_url)"
  value       = module.collector.url
}

output "image_repository" {
  description = "Artifact Registry path the deploy pushes images to"
  value       = local.image_repository
}

output "buckets" {
  description = "Bucket names by role"
  value       = module.buckets.names
}

output "streaming_job_name" {
  description = "The streaming job `streamqoe deploy streaming` updates in place"
  value       = module.dataflow_jobs.streaming_job_name
}

output "deployer_service_account" {
  description = "Service account GitHub Actions impersonates (GCP_DEPLOY_SERVICE_ACCOUNT)"
  value       = google_service_account.sa["deployer"].email
}

output "workload_identity_provider" {
  description = "Full provider name for google-github-actions/auth (GCP_WORKLOAD_IDENTITY_PROVIDER)"
  value       = google_iam_workload_identity_pool_provider.github.name
}

output "storage_transfer_service_account" {
  description = "Google's transfer service account; the aws/ role trusts its subject id"
  value       = data.google_storage_transfer_project_service_account.sts.email
}
