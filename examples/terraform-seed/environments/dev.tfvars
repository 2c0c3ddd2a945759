# Development environment: the values of environments/dev.yaml (mantissa's dev environment).
# Secret values are not kept here: pass them as TF_VAR_slack_webhook_url and
# TF_VAR_pagerduty_api_key, or leave them unset and the secrets are created empty.

aws_region     = "us-east-1"
environment    = "dev"
project_prefix = "mantissa-log"

log_retention_days = 365
llm_provider       = "bedrock"
detection_schedule = "rate(5 minutes)"

# A dev account's buckets may be emptied by terraform destroy.
bucket_force_destroy = true
