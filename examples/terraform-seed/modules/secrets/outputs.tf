output "slack_webhook_url_arn" { value = aws_secretsmanager_secret.this["slack_webhook_url"].arn }
output "pagerduty_api_key_arn" { value = aws_secretsmanager_secret.this["pagerduty_api_key"].arn }
output "llm_api_key_arn" { value = try(aws_secretsmanager_secret.this["llm_api_key"].arn, null) }
output "llm_api_key_name" { value = "${var.name_prefix}/llm-api-key" }
output "smtp_credentials_arn" { value = try(aws_secretsmanager_secret.this["smtp_credentials"].arn, null) }
