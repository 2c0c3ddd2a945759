# secrets: the Secrets Manager secrets the functions read (names from the seed README:
# mantissa-log/slack-webhook, mantissa-log/pagerduty-api-key). A value given becomes the secret's
# current version; null creates the secret empty, to be filled in later outside Terraform.
#
# Terraform keeps a value given here in its state in plain text: keep the state encrypted
# (the S3 backend with encrypt = true) or leave the values null and set them with the AWS CLI.

locals {
  secrets = merge(
    {
      slack_webhook_url = { name = "slack-webhook", description = "Slack incoming webhook the alert router posts to" }
      pagerduty_api_key = { name = "pagerduty-api-key", description = "PagerDuty Events API key the alert router pages with" }
    },
    # Bedrock needs no key: the llm-query role grants bedrock:InvokeModel instead.
    var.llm_provider != "bedrock" ? {
      llm_api_key = { name = "llm-api-key", description = "API key of the LLM provider that answers natural-language queries" }
    } : {},
    var.smtp_alerts ? {
      smtp_credentials = { name = "smtp-credentials", description = "SMTP credentials for e-mail alerts" }
    } : {},
  )
  # Which secrets have a value: a set of keys, never the values (for_each cannot take them).
  given = toset(compact([
    var.slack_webhook_url != null ? "slack_webhook_url" : "",
    var.pagerduty_api_key != null ? "pagerduty_api_key" : "",
    var.llm_api_key != null && contains(keys(local.secrets), "llm_api_key") ? "llm_api_key" : "",
    var.smtp_credentials != null && contains(keys(local.secrets), "smtp_credentials") ? "smtp_credentials" : "",
  ]))
  values = {
    slack_webhook_url = var.slack_webhook_url
    pagerduty_api_key = var.pagerduty_api_key
    llm_api_key       = var.llm_api_key
    smtp_credentials  = var.smtp_credentials
  }
}

resource "aws_secretsmanager_secret" "this" {
  for_each = local.secrets

  name        = "${var.name_prefix}/${each.value.name}"
  description = each.value.description
}

resource "aws_secretsmanager_secret_version" "this" {
  for_each = nonsensitive(local.given)

  secret_id     = aws_secretsmanager_secret.this[each.key].id
  secret_string = local.values[each.key]
}
