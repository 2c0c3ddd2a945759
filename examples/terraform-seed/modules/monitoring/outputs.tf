output "alerts_topic_arn" { value = aws_sns_topic.alerts.arn }
output "api_access_log_group_arn" { value = aws_cloudwatch_log_group.api_access.arn }
output "firehose_log_group_name" { value = aws_cloudwatch_log_group.firehose.name }
