environment                = "dev"
region                     = "us-east-1"
collector_url              = "https://streamqoe-dev-collector.example.run.app"
realtime_log_sampling_rate = 10
gcp_transfer_subject       = "100000000000000000001"
