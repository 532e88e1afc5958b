# One table per schemas/bigquery/*.json (generated from the contracts).
module "bigquery" {
  source                        = "./modules/bigquery"
  dataset                       = var.dataset
  location                      = var.dataset_location
  tables                        = module.declarations.tables
  raw_partition_expiration_days = var.raw_partition_expiration_days
  depends_on                    = [google_project_service.apis]
}
