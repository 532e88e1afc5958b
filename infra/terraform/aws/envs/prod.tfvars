environment                = "prod"
region                     = "us-east-1"
collector_url              = "https://streamqoe-prod-collector.example.run.app"
realtime_log_sampling_rate = 100
kinesis_shards             = 4
gcp_transfer_subject       = "100000000000000000002"
