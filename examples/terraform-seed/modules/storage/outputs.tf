output "logs_bucket_name" { value = aws_s3_bucket.this["logs"].id }
output "logs_bucket_arn" { value = aws_s3_bucket.this["logs"].arn }
output "athena_results_bucket_name" { value = aws_s3_bucket.this["athena_results"].id }
output "athena_results_bucket_arn" { value = aws_s3_bucket.this["athena_results"].arn }
output "config_bucket_name" { value = aws_s3_bucket.this["config"].id }
output "config_bucket_arn" { value = aws_s3_bucket.this["config"].arn }
output "detection_state_table_name" { value = aws_dynamodb_table.this["detection_state"].name }
output "detection_state_table_arn" { value = aws_dynamodb_table.this["detection_state"].arn }
output "alert_history_table_name" { value = aws_dynamodb_table.this["alert_history"].name }
output "alert_history_table_arn" { value = aws_dynamodb_table.this["alert_history"].arn }
output "query_sessions_table_name" { value = aws_dynamodb_table.this["query_sessions"].name }
output "query_sessions_table_arn" { value = aws_dynamodb_table.this["query_sessions"].arn }
output "table_names" { value = { for k, t in aws_dynamodb_table.this : k => t.name } }
