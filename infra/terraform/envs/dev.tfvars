project                       = "streamqoe-dev"
environment                   = "dev"
region                        = "europe-west1"
dataset_location              = "EU"
raw_partition_expiration_days = 30
image_tag                     = "latest"
streaming_max_workers         = 2
collector_min_instances       = 0
