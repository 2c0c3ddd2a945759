# monitoring: the alerts topic and its e-mail subscriptions, the log groups for Firehose delivery
# errors and the API's access logs, alarms on the other modules' resources (each notifying the
# alerts topic) and the operations dashboard.

resource "aws_sns_topic" "alerts" {
  name         = "${var.name_prefix}-alerts"
  display_name = "Mantissa Log alerts"
  # CloudWatch alarms can publish to an encrypted topic only when the key's policy lets
  # cloudwatch.amazonaws.com use it: the AWS-managed alias/aws/sns key does not.
  kms_master_key_id = var.alerts_kms_key_id
}

# Each address gets a confirmation message and receives nothing until its owner confirms.
resource "aws_sns_topic_subscription" "email" {
  for_each = var.alert_emails

  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_log_group" "firehose" {
  name              = "/${var.name_prefix}/firehose-logs"
  retention_in_days = var.log_retention
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/${var.name_prefix}/api-access-logs"
  retention_in_days = var.log_retention
}

locals {
  # Every alarm but the per-source ones, by the mantissa resource name.
  alarms = {
    kinesis_iterator_age = {
      alarm_description = "The Kinesis stream's consumers are falling behind"
      namespace         = "AWS/Kinesis"
      metric_name       = "GetRecords.IteratorAgeMilliseconds"
      dimensions = {
        StreamName = var.kinesis_stream_name
      }
      statistic           = "Maximum"
      period              = 300
      evaluation_periods  = 3
      threshold           = var.kinesis_iterator_age_alarm_ms
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = true
    }
    detection_state_read_throttles = {
      alarm_description = "DynamoDB detection_state is throttling reads"
      namespace         = "AWS/DynamoDB"
      metric_name       = "ReadThrottleEvents"
      dimensions = {
        TableName = var.table_names["detection_state"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    detection_state_write_throttles = {
      alarm_description = "DynamoDB detection_state is throttling writes"
      namespace         = "AWS/DynamoDB"
      metric_name       = "WriteThrottleEvents"
      dimensions = {
        TableName = var.table_names["detection_state"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    alert_history_read_throttles = {
      alarm_description = "DynamoDB alert_history is throttling reads"
      namespace         = "AWS/DynamoDB"
      metric_name       = "ReadThrottleEvents"
      dimensions = {
        TableName = var.table_names["alert_history"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    alert_history_write_throttles = {
      alarm_description = "DynamoDB alert_history is throttling writes"
      namespace         = "AWS/DynamoDB"
      metric_name       = "WriteThrottleEvents"
      dimensions = {
        TableName = var.table_names["alert_history"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    query_sessions_read_throttles = {
      alarm_description = "DynamoDB query_sessions is throttling reads"
      namespace         = "AWS/DynamoDB"
      metric_name       = "ReadThrottleEvents"
      dimensions = {
        TableName = var.table_names["query_sessions"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    query_sessions_write_throttles = {
      alarm_description = "DynamoDB query_sessions is throttling writes"
      namespace         = "AWS/DynamoDB"
      metric_name       = "WriteThrottleEvents"
      dimensions = {
        TableName = var.table_names["query_sessions"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    athena_failed_queries = {
      alarm_description = "Athena queries in the Mantissa workgroup are failing"
      namespace         = "AWS/Athena"
      metric_name       = "TotalExecutionTime"
      dimensions = {
        WorkGroup  = var.athena_workgroup_name
        QueryState = "FAILED"
        QueryType  = "DML"
      }
      statistic           = "SampleCount"
      period              = 900
      evaluation_periods  = 1
      threshold           = 5
      comparison_operator = "GreaterThanOrEqualToThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    athena_scanned_bytes = {
      alarm_description = "Athena queries in the Mantissa workgroup scanned more than the hourly budget"
      namespace         = "AWS/Athena"
      metric_name       = "ProcessedBytes"
      dimensions = {
        WorkGroup  = var.athena_workgroup_name
        QueryState = "SUCCEEDED"
        QueryType  = "DML"
      }
      statistic           = "Sum"
      period              = 3600
      evaluation_periods  = 1
      threshold           = var.athena_scanned_bytes_alarm
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    detection_engine_errors = {
      alarm_description = "Lambda detection-engine: invocations are failing"
      namespace         = "AWS/Lambda"
      metric_name       = "Errors"
      dimensions = {
        FunctionName = var.function_names["detection_engine"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    detection_engine_throttles = {
      alarm_description = "Lambda detection-engine: invocations are throttled"
      namespace         = "AWS/Lambda"
      metric_name       = "Throttles"
      dimensions = {
        FunctionName = var.function_names["detection_engine"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    llm_query_errors = {
      alarm_description = "Lambda llm-query: invocations are failing"
      namespace         = "AWS/Lambda"
      metric_name       = "Errors"
      dimensions = {
        FunctionName = var.function_names["llm_query"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    llm_query_throttles = {
      alarm_description = "Lambda llm-query: invocations are throttled"
      namespace         = "AWS/Lambda"
      metric_name       = "Throttles"
      dimensions = {
        FunctionName = var.function_names["llm_query"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    alert_router_errors = {
      alarm_description = "Lambda alert-router: invocations are failing"
      namespace         = "AWS/Lambda"
      metric_name       = "Errors"
      dimensions = {
        FunctionName = var.function_names["alert_router"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    alert_router_throttles = {
      alarm_description = "Lambda alert-router: invocations are throttled"
      namespace         = "AWS/Lambda"
      metric_name       = "Throttles"
      dimensions = {
        FunctionName = var.function_names["alert_router"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    api_rules_errors = {
      alarm_description = "Lambda api-rules: invocations are failing"
      namespace         = "AWS/Lambda"
      metric_name       = "Errors"
      dimensions = {
        FunctionName = var.function_names["api_rules"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    api_rules_throttles = {
      alarm_description = "Lambda api-rules: invocations are throttled"
      namespace         = "AWS/Lambda"
      metric_name       = "Throttles"
      dimensions = {
        FunctionName = var.function_names["api_rules"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    api_alerts_errors = {
      alarm_description = "Lambda api-alerts: invocations are failing"
      namespace         = "AWS/Lambda"
      metric_name       = "Errors"
      dimensions = {
        FunctionName = var.function_names["api_alerts"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    api_alerts_throttles = {
      alarm_description = "Lambda api-alerts: invocations are throttled"
      namespace         = "AWS/Lambda"
      metric_name       = "Throttles"
      dimensions = {
        FunctionName = var.function_names["api_alerts"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    api_query_errors = {
      alarm_description = "Lambda api-query: invocations are failing"
      namespace         = "AWS/Lambda"
      metric_name       = "Errors"
      dimensions = {
        FunctionName = var.function_names["api_query"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    api_query_throttles = {
      alarm_description = "Lambda api-query: invocations are throttled"
      namespace         = "AWS/Lambda"
      metric_name       = "Throttles"
      dimensions = {
        FunctionName = var.function_names["api_query"]
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = 0
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = false
    }
    api_5xx = {
      alarm_description = "The Mantissa Log API answers with server errors (5XX)"
      namespace         = "AWS/ApiGateway"
      metric_name       = "5XXError"
      dimensions = {
        ApiName = var.api_name
        Stage   = var.api_stage_name
      }
      statistic           = "Sum"
      period              = 300
      evaluation_periods  = 1
      threshold           = var.api_5xx_alarm_threshold
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = true
    }
    api_latency = {
      alarm_description = "The Mantissa Log API is slow (p99 latency)"
      namespace         = "AWS/ApiGateway"
      metric_name       = "Latency"
      dimensions = {
        ApiName = var.api_name
        Stage   = var.api_stage_name
      }
      extended_statistic  = "p99"
      period              = 300
      evaluation_periods  = 3
      datapoints_to_alarm = 2
      threshold           = var.api_latency_alarm_ms
      comparison_operator = "GreaterThanThreshold"
      treat_missing_data  = "notBreaching"
      ok_actions          = true
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name_prefix}-${replace(each.key, "_", "-")}"
  alarm_description   = each.value.alarm_description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = lookup(each.value, "statistic", null)
  extended_statistic  = lookup(each.value, "extended_statistic", null)
  period              = each.value.period
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = lookup(each.value, "datapoints_to_alarm", null)
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison_operator
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = each.value.ok_actions ? [aws_sns_topic.alerts.arn] : []
}

# Per log source: records waiting too long for delivery to S3. No data means no records flowed,
# which is not staleness.
resource "aws_cloudwatch_metric_alarm" "firehose_freshness" {
  for_each = toset(var.log_sources)

  alarm_name          = "${var.name_prefix}-firehose-freshness-${replace(each.key, "_", "-")}"
  alarm_description   = "Firehose ${each.key}: records are waiting longer than ${var.firehose_freshness_alarm_seconds} s for delivery to S3"
  namespace           = "AWS/Firehose"
  metric_name         = "DeliveryToS3.DataFreshness"
  dimensions          = { DeliveryStreamName = var.firehose_stream_names[each.key] }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = var.firehose_freshness_alarm_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
}

# Per log source: deliveries to S3 failing (Success is the ratio of successful deliveries, 0..1).
resource "aws_cloudwatch_metric_alarm" "firehose_delivery" {
  for_each = toset(var.log_sources)

  alarm_name          = "${var.name_prefix}-firehose-delivery-${replace(each.key, "_", "-")}"
  alarm_description   = "Firehose ${each.key}: deliveries to S3 are failing"
  namespace           = "AWS/Firehose"
  metric_name         = "DeliveryToS3.Success"
  dimensions          = { DeliveryStreamName = var.firehose_stream_names[each.key] }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = "${var.name_prefix}-dashboard"
  dashboard_body = jsonencode({
    widgets = {
      widgets = [
        {
          type   = "text"
          x      = 0
          y      = 0
          width  = 24
          height = 2
          properties = {
            markdown = "# Mantissa Log\nAlerts go to the SNS topic `${aws_sns_topic.alerts.name}`; Firehose delivery errors to `${aws_cloudwatch_log_group.firehose.name}`."
          }
        },
        {
          type   = "metric"
          x      = 0
          y      = 2
          width  = 12
          height = 6
          properties = {
            title  = "Alert notifications"
            view   = "timeSeries"
            stat   = "Sum"
            period = 300
            metrics = [
              ["AWS/SNS", "NumberOfMessagesPublished", "TopicName", aws_sns_topic.alerts.name],
              ["AWS/SNS", "NumberOfNotificationsFailed", "TopicName", aws_sns_topic.alerts.name],
            ]
          }
        },
        {
          type   = "log"
          x      = 12
          y      = 2
          width  = 12
          height = 6
          properties = {
            title = "Firehose delivery errors"
            view  = "table"
            query = "SOURCE '${aws_cloudwatch_log_group.firehose.name}' | fields @timestamp, @message | sort @timestamp desc | limit 50"
          }
        },
        {
          type   = "alarm"
          x      = 0
          y      = 8
          width  = 24
          height = 3
          properties = {
            title  = "Alarms"
            alarms = [aws_cloudwatch_metric_alarm.this["kinesis_iterator_age"].arn, aws_cloudwatch_metric_alarm.this["athena_failed_queries"].arn, aws_cloudwatch_metric_alarm.this["athena_scanned_bytes"].arn, aws_cloudwatch_metric_alarm.this["detection_state_write_throttles"].arn, aws_cloudwatch_metric_alarm.this["alert_history_write_throttles"].arn, aws_cloudwatch_metric_alarm.this["query_sessions_write_throttles"].arn]
          }
        },
        {
          type   = "metric"
          x      = 0
          y      = 11
          width  = 12
          height = 6
          properties = {
            title = "Firehose data freshness (s)"
            view  = "timeSeries"
            metrics = [
              [
                {
                  expression = "SEARCH('{AWS/Firehose,DeliveryStreamName} MetricName=\"DeliveryToS3.DataFreshness\"', 'Maximum', 300)"
                  id         = "freshness"
                },
              ],
            ]
          }
        },
        {
          type   = "metric"
          x      = 12
          y      = 11
          width  = 12
          height = 6
          properties = {
            title  = "Kinesis iterator age (ms)"
            view   = "timeSeries"
            stat   = "Maximum"
            period = 300
            metrics = [
              ["AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "StreamName", var.kinesis_stream_name],
              [
                "AWS/Kinesis",
                "IncomingRecords",
                "StreamName",
                var.kinesis_stream_name,
                {
                  stat  = "Sum"
                  yAxis = "right"
                },
              ],
            ]
          }
        },
        {
          type   = "metric"
          x      = 0
          y      = 17
          width  = 12
          height = 6
          properties = {
            title  = "DynamoDB throttle events"
            view   = "timeSeries"
            stat   = "Sum"
            period = 300
            metrics = [
              ["AWS/DynamoDB", "ReadThrottleEvents", "TableName", var.table_names["detection_state"]],
              ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", var.table_names["detection_state"]],
              ["AWS/DynamoDB", "ReadThrottleEvents", "TableName", var.table_names["alert_history"]],
              ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", var.table_names["alert_history"]],
              ["AWS/DynamoDB", "ReadThrottleEvents", "TableName", var.table_names["query_sessions"]],
              ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", var.table_names["query_sessions"]],
            ]
          }
        },
        {
          type   = "metric"
          x      = 12
          y      = 17
          width  = 12
          height = 6
          properties = {
            title  = "Athena bytes scanned"
            view   = "timeSeries"
            stat   = "Sum"
            period = 3600
            metrics = [
              ["AWS/Athena", "ProcessedBytes", "QueryState", "SUCCEEDED", "QueryType", "DML", "WorkGroup", var.athena_workgroup_name],
            ]
          }
        },
        {
          type   = "metric"
          x      = 0
          y      = 23
          width  = 12
          height = 6
          properties = {
            title  = "Lambda invocations"
            view   = "timeSeries"
            stat   = "Sum"
            period = 300
            metrics = [
              ["AWS/Lambda", "Invocations", "FunctionName", var.function_names["detection_engine"]],
              ["AWS/Lambda", "Invocations", "FunctionName", var.function_names["llm_query"]],
              ["AWS/Lambda", "Invocations", "FunctionName", var.function_names["alert_router"]],
              ["AWS/Lambda", "Invocations", "FunctionName", var.function_names["api_rules"]],
              ["AWS/Lambda", "Invocations", "FunctionName", var.function_names["api_alerts"]],
              ["AWS/Lambda", "Invocations", "FunctionName", var.function_names["api_query"]],
            ]
          }
        },
        {
          type   = "metric"
          x      = 12
          y      = 23
          width  = 12
          height = 6
          properties = {
            title  = "Lambda errors"
            view   = "timeSeries"
            stat   = "Sum"
            period = 300
            metrics = [
              ["AWS/Lambda", "Errors", "FunctionName", var.function_names["detection_engine"]],
              ["AWS/Lambda", "Errors", "FunctionName", var.function_names["llm_query"]],
              ["AWS/Lambda", "Errors", "FunctionName", var.function_names["alert_router"]],
              ["AWS/Lambda", "Errors", "FunctionName", var.function_names["api_rules"]],
              ["AWS/Lambda", "Errors", "FunctionName", var.function_names["api_alerts"]],
              ["AWS/Lambda", "Errors", "FunctionName", var.function_names["api_query"]],
            ]
          }
        },
        {
          type   = "metric"
          x      = 0
          y      = 29
          width  = 12
          height = 6
          properties = {
            title  = "Lambda duration (ms)"
            view   = "timeSeries"
            stat   = "Average"
            period = 300
            metrics = [
              ["AWS/Lambda", "Duration", "FunctionName", var.function_names["detection_engine"]],
              ["AWS/Lambda", "Duration", "FunctionName", var.function_names["llm_query"]],
              ["AWS/Lambda", "Duration", "FunctionName", var.function_names["alert_router"]],
              ["AWS/Lambda", "Duration", "FunctionName", var.function_names["api_rules"]],
              ["AWS/Lambda", "Duration", "FunctionName", var.function_names["api_alerts"]],
              ["AWS/Lambda", "Duration", "FunctionName", var.function_names["api_query"]],
            ]
          }
        },
        {
          type   = "alarm"
          x      = 12
          y      = 29
          width  = 12
          height = 6
          properties = {
            title  = "API alarms"
            alarms = [aws_cloudwatch_metric_alarm.this["api_5xx"].arn, aws_cloudwatch_metric_alarm.this["api_latency"].arn]
          }
        },
        {
          type   = "metric"
          x      = 0
          y      = 35
          width  = 8
          height = 6
          properties = {
            title  = "API requests"
            view   = "timeSeries"
            stat   = "Sum"
            period = 300
            metrics = [
              ["AWS/ApiGateway", "Count", "ApiName", var.api_name, "Stage", var.api_stage_name],
            ]
          }
        },
        {
          type   = "metric"
          x      = 8
          y      = 35
          width  = 8
          height = 6
          properties = {
            title  = "API errors"
            view   = "timeSeries"
            stat   = "Sum"
            period = 300
            metrics = [
              ["AWS/ApiGateway", "5XXError", "ApiName", var.api_name, "Stage", var.api_stage_name],
              ["AWS/ApiGateway", "4XXError", "ApiName", var.api_name, "Stage", var.api_stage_name],
            ]
          }
        },
        {
          type   = "metric"
          x      = 16
          y      = 35
          width  = 8
          height = 6
          properties = {
            title  = "API latency (ms)"
            view   = "timeSeries"
            period = 300
            metrics = [
              [
                "AWS/ApiGateway",
                "Latency",
                "ApiName",
                var.api_name,
                "Stage",
                var.api_stage_name,
                {
                  stat = "p99"
                },
              ],
              [
                "AWS/ApiGateway",
                "Latency",
                "ApiName",
                var.api_name,
                "Stage",
                var.api_stage_name,
                {
                  stat = "Average"
                },
              ],
              [
                "AWS/ApiGateway",
                "IntegrationLatency",
                "ApiName",
                var.api_name,
                "Stage",
                var.api_stage_name,
                {
                  stat = "p99"
                },
              ],
            ]
          }
        },
      ]
    }
  })
}
