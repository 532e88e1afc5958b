# MediaConvert and MediaLive state changes -> EventBridge rules -> API destination -> the
# collector's /v1/hooks/eventbridge, authenticated by the x-streamqoe-hook-secret header. Events the
# destination refused after retries go to an encrypted SQS dead-letter queue.
locals {
  media_event_patterns = {
    mediaconvert = {
      source        = ["aws.mediaconvert"]
      "detail-type" = ["MediaConvert Job State Change"]
    }
    medialive = {
      source        = ["aws.medialive"]
      "detail-type" = ["MediaLive Channel State Change", "MediaLive Channel Alert"]
    }
  }
}

resource "aws_cloudwatch_event_connection" "collector" {
  name               = "${local.name}-collector"
  description        = "StreamQoE collector write key"
  authorization_type = "API_KEY"
  auth_parameters {
    api_key {
      key   = "x-streamqoe-hook-secret" # the collector's default STREAMQOE_EVENTBRIDGE_HEADER
      value = var.eventbridge_api_key
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "collector" {
  name                             = "${local.name}-collector"
  description                      = "StreamQoE collector EventBridge hook"
  invocation_endpoint              = "${var.collector_url}/v1/hooks/eventbridge"
  http_method                      = "POST"
  invocation_rate_limit_per_second = 50
  connection_arn                   = aws_cloudwatch_event_connection.collector.arn
}

resource "aws_cloudwatch_event_rule" "media" {
  for_each      = local.media_event_patterns
  name          = "${local.name}-${each.key}"
  description   = "${each.key} events to the StreamQoE collector"
  event_pattern = jsonencode(each.value)
}

resource "aws_sqs_queue" "events_dlq" {
  name                      = "${local.name}-eventbridge-dlq"
  message_retention_seconds = 1209600
  kms_master_key_id         = aws_kms_key.streamqoe.arn
}

data "aws_iam_policy_document" "events_dlq" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.events_dlq.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for r in aws_cloudwatch_event_rule.media : r.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "events_dlq" {
  queue_url = aws_sqs_queue.events_dlq.id
  policy    = data.aws_iam_policy_document.events_dlq.json
}

data "aws_iam_policy_document" "events_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "events" {
  name               = "${local.name}-eventbridge-collector"
  assume_role_policy = data.aws_iam_policy_document.events_assume.json
}

data "aws_iam_policy_document" "events_invoke" {
  statement {
    actions   = ["events:InvokeApiDestination"]
    resources = [aws_cloudwatch_event_api_destination.collector.arn]
  }
}

resource "aws_iam_role_policy" "events_invoke" {
  name   = "invoke-collector"
  role   = aws_iam_role.events.id
  policy = data.aws_iam_policy_document.events_invoke.json
}

resource "aws_cloudwatch_event_target" "collector" {
  for_each = aws_cloudwatch_event_rule.media
  rule     = each.value.name
  arn      = aws_cloudwatch_event_api_destination.collector.arn
  role_arn = aws_iam_role.events.arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 10
  }
  dead_letter_config {
    arn = aws_sqs_queue.events_dlq.arn
  }
}
