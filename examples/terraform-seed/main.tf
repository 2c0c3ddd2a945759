# Mantissa Log on AWS, the Terraform layout of the seed README: nine modules wired together here.
# It deploys the same stack as `mantissa apply` does from stacks/mantissa-log/ (see README.md for
# the resource-by-resource correspondence), with the seed's names: no environment in them.
#
# No backend block: state is local unless `terraform init -backend-config=...` is given with
# backend-s3.tf.example copied to backend.tf (see README.md).

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

locals {
  # An emulator endpoint (moto) replaces every service endpoint the stack calls, with fixed test
  # credentials; null is real AWS with the usual credential chain.
  emulator = var.aws_endpoint != null
}

provider "aws" {
  region = var.aws_region
  # mantissa's account_id pin: every call fails unless the credentials are of one of these accounts.
  allowed_account_ids = var.allowed_account_ids

  access_key                  = local.emulator ? "testing" : null
  secret_key                  = local.emulator ? "testing" : null
  skip_credentials_validation = local.emulator
  # false even with the emulator: without the account id (moto answers sts:GetCallerIdentity)
  # the provider builds ARNs with an empty account field (Athena workgroups, the Glue database,
  # the API's execution ARN), which the emulator then cannot find.
  skip_requesting_account_id = false
  skip_metadata_api_check    = local.emulator
  s3_use_path_style          = local.emulator

  dynamic "endpoints" {
    for_each = local.emulator ? [var.aws_endpoint] : []
    content {
      apigateway     = endpoints.value
      athena         = endpoints.value
      cloudwatch     = endpoints.value
      cognitoidp     = endpoints.value
      dynamodb       = endpoints.value
      events         = endpoints.value
      firehose       = endpoints.value
      glue           = endpoints.value
      iam            = endpoints.value
      kinesis        = endpoints.value
      kms            = endpoints.value
      lambda         = endpoints.value
      logs           = endpoints.value
      s3             = endpoints.value
      secretsmanager = endpoints.value
      sns            = endpoints.value
      sts            = endpoints.value
    }
  }

  # What mantissa adds to every taggable resource (Project, Environment, ManagedBy).
  default_tags {
    tags = {
      Project     = var.project_prefix
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

module "storage" {
  source = "./modules/storage"

  name_prefix                     = var.project_prefix
  log_retention_days              = var.log_retention_days
  kms_key_arn                     = var.kms_key_arn
  dynamodb_point_in_time_recovery = var.dynamodb_point_in_time_recovery
  force_destroy                   = var.bucket_force_destroy
}

module "ingestion" {
  source = "./modules/ingestion"

  name_prefix                      = var.project_prefix
  logs_bucket_arn                  = module.storage.logs_bucket_arn
  kms_key_arn                      = var.kms_key_arn
  log_sources                      = var.log_sources
  kinesis_shard_count              = var.kinesis_shard_count
  kinesis_retention_hours          = var.kinesis_retention_hours
  firehose_buffer_size_mb          = var.firehose_buffer_size_mb
  firehose_buffer_interval_seconds = var.firehose_buffer_interval_seconds
}

module "catalog" {
  source = "./modules/catalog"

  name_prefix                 = var.project_prefix
  logs_bucket_name            = module.storage.logs_bucket_name
  logs_bucket_arn             = module.storage.logs_bucket_arn
  athena_results_bucket_name  = module.storage.athena_results_bucket_name
  kms_key_arn                 = var.kms_key_arn
  log_sources                 = var.log_sources
  log_source_tables           = var.log_source_tables
  athena_bytes_scanned_cutoff = var.athena_bytes_scanned_cutoff
  enable_crawlers             = var.enable_crawlers
  crawler_schedule            = var.crawler_schedule
}

module "secrets" {
  source = "./modules/secrets"

  name_prefix       = var.project_prefix
  llm_provider      = var.llm_provider
  smtp_alerts       = var.smtp_alerts
  slack_webhook_url = var.slack_webhook_url
  pagerduty_api_key = var.pagerduty_api_key
  llm_api_key       = var.llm_api_key
  smtp_credentials  = var.smtp_credentials
}

module "compute" {
  source = "./modules/compute"

  name_prefix     = var.project_prefix
  environment     = var.environment
  region          = var.aws_region
  package_dir     = var.lambda_package_dir != null ? var.lambda_package_dir : "${path.root}/build/lambda"
  kms_key_arn     = var.kms_key_arn
  llm_provider    = var.llm_provider
  smtp_alerts     = var.smtp_alerts
  log_retention   = var.cloudwatch_log_retention_days
  memory_mb       = var.lambda_memory_mb
  timeout_seconds = var.lambda_timeout_seconds
  reserved        = var.lambda_reserved_concurrency
  subnet_ids      = var.lambda_subnet_ids
  security_groups = var.lambda_security_group_ids
  lambda_kms_key  = var.lambda_kms_key_arn

  logs_bucket_name           = module.storage.logs_bucket_name
  logs_bucket_arn            = module.storage.logs_bucket_arn
  athena_results_bucket_arn  = module.storage.athena_results_bucket_arn
  config_bucket_name         = module.storage.config_bucket_name
  config_bucket_arn          = module.storage.config_bucket_arn
  detection_state_table_name = module.storage.detection_state_table_name
  detection_state_table_arn  = module.storage.detection_state_table_arn
  alert_history_table_name   = module.storage.alert_history_table_name
  alert_history_table_arn    = module.storage.alert_history_table_arn
  query_sessions_table_name  = module.storage.query_sessions_table_name
  query_sessions_table_arn   = module.storage.query_sessions_table_arn
  athena_workgroup_name      = module.catalog.workgroup_name
  athena_workgroup_arn       = module.catalog.workgroup_arn
  glue_database_name         = module.catalog.database_name
  glue_database_arn          = module.catalog.database_arn
  alerts_topic_arn           = module.monitoring.alerts_topic_arn
  slack_webhook_secret_arn   = module.secrets.slack_webhook_url_arn
  pagerduty_secret_arn       = module.secrets.pagerduty_api_key_arn
  llm_api_key_secret_arn     = module.secrets.llm_api_key_arn
  llm_api_key_secret_name    = module.secrets.llm_api_key_name
  smtp_secret_arn            = module.secrets.smtp_credentials_arn
}

module "scheduling" {
  source = "./modules/scheduling"

  name_prefix              = var.project_prefix
  detection_schedule       = var.detection_schedule
  enable_guardduty_routing = var.enable_guardduty_routing
  detection_engine_arn     = module.compute.function_arns["detection_engine"]
  detection_engine_name    = module.compute.function_names["detection_engine"]
  alert_router_arn         = module.compute.function_arns["alert_router"]
  alert_router_name        = module.compute.function_names["alert_router"]
}

module "auth" {
  source = "./modules/auth"

  name_prefix                   = var.project_prefix
  mfa                           = var.cognito_mfa
  password_minimum_length       = var.cognito_password_minimum_length
  access_token_validity_minutes = var.cognito_access_token_validity_minutes
  id_token_validity_minutes     = var.cognito_id_token_validity_minutes
  refresh_token_validity_days   = var.cognito_refresh_token_validity_days
}

module "api" {
  source = "./modules/api"

  name_prefix            = var.project_prefix
  stage_name             = var.environment
  user_pool_arn          = module.auth.user_pool_arn
  function_invoke_arns   = module.compute.function_invoke_arns
  function_names         = module.compute.function_names
  access_log_group_arn   = module.monitoring.api_access_log_group_arn
  throttling_rate_limit  = var.api_throttling_rate_limit
  throttling_burst_limit = var.api_throttling_burst_limit
  cors_allowed_origin    = var.api_cors_allowed_origin
  cors_allowed_headers   = var.api_cors_allowed_headers
}

module "monitoring" {
  source = "./modules/monitoring"

  name_prefix                      = var.project_prefix
  log_retention                    = var.cloudwatch_log_retention_days
  alert_emails                     = var.alert_emails
  alerts_kms_key_id                = var.alerts_kms_key_id
  log_sources                      = var.log_sources
  firehose_stream_names            = module.ingestion.firehose_stream_names
  kinesis_stream_name              = module.ingestion.kinesis_stream_name
  table_names                      = module.storage.table_names
  athena_workgroup_name            = module.catalog.workgroup_name
  function_names                   = module.compute.function_names
  api_name                         = module.api.rest_api_name
  api_stage_name                   = module.api.stage_name
  firehose_freshness_alarm_seconds = var.firehose_freshness_alarm_seconds
  kinesis_iterator_age_alarm_ms    = var.kinesis_iterator_age_alarm_ms
  athena_scanned_bytes_alarm       = var.athena_scanned_bytes_alarm
  api_5xx_alarm_threshold          = var.api_5xx_alarm_threshold
  api_latency_alarm_ms             = var.api_latency_alarm_ms
}
