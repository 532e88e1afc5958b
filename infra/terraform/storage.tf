module "buckets" {
  source      = "./modules/buckets"
  name_prefix = "${local.name}-${var.project}"
  location    = var.dataset_location
}

# CloudFront standard logs: S3 -> the raw archive bucket, hourly, through a federated AWS role
# (no AWS keys stored in GCP). The role comes from the aws/ root module.
data "google_storage_transfer_project_service_account" "sts" {}

resource "google_storage_bucket_iam_member" "sts_raw_archive" {
  bucket = module.buckets.names["raw-archive"]
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${data.google_storage_transfer_project_service_account.sts.email}"
}

resource "google_storage_transfer_job" "cloudfront_standard_logs" {
  count       = var.aws_standard_log_bucket == "" ? 0 : 1
  description = "${local.name}: CloudFront standard logs from S3 to the raw archive"

  transfer_spec {
    aws_s3_data_source {
      bucket_name = var.aws_standard_log_bucket
      role_arn    = var.aws_transfer_role_arn
    }
    gcs_data_sink {
      bucket_name = module.buckets.names["raw-archive"]
      path        = "cloudfront/"
    }
    transfer_options {
      overwrite_objects_already_existing_in_sink = false
      delete_objects_from_source_after_transfer  = false
    }
  }

  schedule {
    schedule_start_date {
      year  = 2026
      month = 1
      day   = 1
    }
    repeat_interval = "3600s"
  }

  depends_on = [google_storage_bucket_iam_member.sts_raw_archive]
}
