# What the seed README lists after a deployment (bucket names, the API endpoint, the user pool,
# the function ARNs, the Athena workgroup), and every other output of the mantissa stack.

output "logs_bucket" {
  description = "The log archive bucket."
  value       = module.storage.logs_bucket_name
}

output "athena_results_bucket" {
  description = "Where Athena writes query results."
  value       = module.storage.athena_results_bucket_name
}

output "config_bucket" {
  description = "Detection rules and configuration."
  value       = module.storage.config_bucket_name
}

output "kinesis_stream_arn" {
  description = "The ingestion Kinesis stream, for streaming log shippers."
  value       = module.ingestion.kinesis_stream_arn
}

output "athena_workgroup" {
  description = "The Athena workgroup queries run in."
  value       = module.catalog.workgroup_name
}

output "glue_database" {
  description = "The Glue database holding one table per log source."
  value       = module.catalog.database_name
}

output "lambda_function_arns" {
  description = "Every function's ARN by name."
  value       = module.compute.function_arns
}

output "user_pool_id" {
  description = "The Cognito user pool of the web interface (create users with aws cognito-idp admin-create-user)."
  value       = module.auth.user_pool_id
}

output "user_pool_client_id" {
  description = "The app client id the web interface signs in with."
  value       = module.auth.user_pool_client_id
}

output "api_endpoint" {
  description = "The REST API's base URL, https://{api id}.execute-api.{region}.amazonaws.com/{stage}."
  value       = module.api.invoke_url
}

output "alerts_topic_arn" {
  description = "The SNS topic alarms and detections publish alerts to."
  value       = module.monitoring.alerts_topic_arn
}
