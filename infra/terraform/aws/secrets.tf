# The shared keys of the hooks: the same values as the collector's STREAMQOE_FIREHOSE_ACCESS_KEY
# and STREAMQOE_EVENTBRIDGE_SECRET secrets on the GCP side. Firehose reads its access key from this secret at delivery time; the value is put out of band
# (`aws secretsmanager put-secret-value`), so it never enters Terraform state. EventBridge keeps
# its key in the connection's own Secrets Manager secret (eventbridge.tf), set from the sensitive
# variable eventbridge_api_key (TF_VAR_eventbridge_api_key in Atlantis, never in tfvars).
resource "aws_secretsmanager_secret" "firehose_key" {
  #checkov:skip=CKV2_AWS_57:a write key is rotated by hand on both clouds together (docs/deployment.md), no rotation Lambda
  name       = "${local.name}/collector/firehose-access-key"
  kms_key_id = aws_kms_key.streamqoe.arn
}

variable "eventbridge_api_key" {
  description = "Secret EventBridge sends to /v1/hooks/eventbridge (header x-streamqoe-hook-secret); from TF_VAR_eventbridge_api_key"
  type        = string
  sensitive   = true
}
