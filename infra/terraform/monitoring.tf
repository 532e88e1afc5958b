module "monitoring" {
  source                = "./modules/monitoring"
  streaming_job_name    = module.dataflow_jobs.streaming_job_name
  dead_letter_topics    = module.declarations.dead_letter_topics
  notification_channels = var.alert_notification_channels
}
