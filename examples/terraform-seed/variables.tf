# The seed's variables (aws_region, environment, project_prefix, log_retention_days,
# slack_webhook_url, pagerduty_api_key, llm_provider) and every variable of
# stacks/mantissa-log/stack.yaml, with the same defaults and checks.

# --- where and what ---
variable "aws_region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"
}

variable "environment" {
  description = "Environment name (dev, staging, prod): tags every resource and names the API stage."
  type        = string
}

variable "project_prefix" {
  description = "Prefix of every resource name (mantissa-log-logs, mantissa-log-detection-engine, ...)."
  type        = string
  default     = "mantissa-log"
}

variable "allowed_account_ids" {
  description = "Refuse to run unless the credentials belong to one of these accounts (mantissa's account_id); null: any."
  type        = list(string)
  default     = null
}

variable "aws_endpoint" {
  description = "One endpoint URL for every AWS service (an emulator such as moto, e.g. http://127.0.0.1:4566), with fixed test credentials. null: real AWS."
  type        = string
  default     = null
}

variable "lambda_package_dir" {
  description = "Directory holding <function>.zip for each function (scripts/terraform-seed.sh builds them); null: build/lambda beside this file."
  type        = string
  default     = null
}

variable "bucket_force_destroy" {
  description = "Let terraform destroy delete buckets that still hold objects (mantissa empties a bucket it is told to destroy). Leave false where the logs matter."
  type        = bool
  default     = false
}

# --- storage ---
variable "log_retention_days" {
  description = "Days log objects are kept in the logs bucket. Objects move to STANDARD_IA after 30 days, so this must be more than 30."
  type        = number
  default     = 365
  validation {
    condition     = var.log_retention_days >= 31
    error_message = "log_retention_days must be at least 31 (objects move to STANDARD_IA after 30 days)."
  }
}

variable "kms_key_arn" {
  description = "A KMS key ARN for SSE-KMS on the buckets and the DynamoDB tables. null: SSE-S3 on the buckets, the AWS managed key (aws/dynamodb) on the tables."
  type        = string
  default     = null
}

variable "dynamodb_point_in_time_recovery" {
  description = "Point-in-time recovery (35 days of continuous backups) on the DynamoDB state tables. Set it true in production."
  type        = bool
  default     = false
}

# --- LLM, schedules ---
variable "llm_provider" {
  description = "Which LLM answers natural-language queries: bedrock, anthropic or openai."
  type        = string
  default     = "bedrock"
  validation {
    condition     = contains(["bedrock", "anthropic", "openai"], var.llm_provider)
    error_message = "llm_provider must be bedrock, anthropic or openai."
  }
}

variable "detection_schedule" {
  description = "When the detection engine runs: an EventBridge schedule, rate(...) or cron(...), in UTC."
  type        = string
  default     = "rate(5 minutes)"
  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.detection_schedule))
    error_message = "detection_schedule must be rate(...) or cron(...)."
  }
}

variable "enable_guardduty_routing" {
  description = "Route GuardDuty findings (EventBridge source aws.guardduty) to the alert router as they arrive."
  type        = bool
  default     = false
}

# --- auth ---
variable "cognito_mfa" {
  description = "Multi-factor sign-in to the web interface: OFF, OPTIONAL (TOTP for who enrols) or ON."
  type        = string
  default     = "OPTIONAL"
  validation {
    condition     = contains(["OFF", "OPTIONAL", "ON"], var.cognito_mfa)
    error_message = "cognito_mfa must be OFF, OPTIONAL or ON."
  }
}

variable "cognito_password_minimum_length" {
  description = "Minimum length of user passwords (12 to 99)."
  type        = number
  default     = 12
  validation {
    condition     = var.cognito_password_minimum_length >= 12 && var.cognito_password_minimum_length <= 99
    error_message = "cognito_password_minimum_length must be from 12 to 99."
  }
}

variable "cognito_access_token_validity_minutes" {
  description = "Minutes an access token of the web interface stays valid (5 to 1440)."
  type        = number
  default     = 60
}

variable "cognito_id_token_validity_minutes" {
  description = "Minutes an ID token of the web interface stays valid (5 to 1440)."
  type        = number
  default     = 60
}

variable "cognito_refresh_token_validity_days" {
  description = "Days a user stays signed in without entering the password again (1 to 3650)."
  type        = number
  default     = 30
}

# --- secrets: values written as the secrets' current versions; null leaves a secret empty ---
variable "slack_webhook_url" {
  description = "Slack incoming webhook for alerts (stored in Secrets Manager; null: the secret is created empty)."
  type        = string
  default     = null
  sensitive   = true
}

variable "pagerduty_api_key" {
  description = "PagerDuty Events API key for alerts (null: the secret is created empty)."
  type        = string
  default     = null
  sensitive   = true
}

variable "llm_api_key" {
  description = "API key of the LLM provider when it is anthropic or openai (null: the secret is created empty)."
  type        = string
  default     = null
  sensitive   = true
}

variable "smtp_credentials" {
  description = "SMTP credentials (JSON with host, port, username, password) when smtp_alerts is on."
  type        = string
  default     = null
  sensitive   = true
}

variable "smtp_alerts" {
  description = "Send alerts by e-mail through SMTP (creates the smtp-credentials secret)."
  type        = bool
  default     = false
}

# --- ingestion ---
variable "log_sources" {
  description = "Log sources: one Firehose delivery stream, one prefix <source>/year=/month=/day=/ in the logs bucket and one Glue table each."
  type        = list(string)
  default     = ["cloudtrail", "vpc_flow", "guardduty"]
}

variable "kinesis_shard_count" {
  description = "Shards of the ingestion Kinesis stream (1 MB/s in each)."
  type        = number
  default     = 1
}

variable "kinesis_retention_hours" {
  description = "Hours records stay in the ingestion stream (24 to 8760)."
  type        = number
  default     = 24
}

variable "firehose_buffer_size_mb" {
  description = "Firehose flushes a batch to S3 at this size (MB, 1 to 128)."
  type        = number
  default     = 64
}

variable "firehose_buffer_interval_seconds" {
  description = "Firehose flushes at least this often (seconds, 0 to 900)."
  type        = number
  default     = 300
}

# --- catalog ---
variable "athena_bytes_scanned_cutoff" {
  description = "Athena cancels any query in the workgroup that would scan more bytes than this (at least 10 MB)."
  type        = number
  default     = 10737418240
}

variable "enable_crawlers" {
  description = "One Glue crawler per log source (and a role each) adding each day's partitions. Athena needs none."
  type        = bool
  default     = false
}

variable "crawler_schedule" {
  description = "When the crawlers run (Glue cron, UTC), with enable_crawlers."
  type        = string
  default     = "cron(30 0 * * ? *)"
}

# --- api ---
variable "api_throttling_rate_limit" {
  description = "Requests per second the API's stage serves in steady state, every method together."
  type        = number
  default     = 50
}

variable "api_throttling_burst_limit" {
  description = "Requests the stage accepts in a burst above the rate limit."
  type        = number
  default     = 100
}

variable "api_cors_allowed_origin" {
  description = "The origin browsers may call the API from (Access-Control-Allow-Origin of the CORS preflights); * allows any."
  type        = string
  default     = "*"
}

variable "api_cors_allowed_headers" {
  description = "Request headers browsers may send to the API (Access-Control-Allow-Headers)."
  type        = string
  default     = "Authorization,Content-Type"
}

variable "api_5xx_alarm_threshold" {
  description = "Alarm when the API answers more than this many 5XX errors in 5 minutes."
  type        = number
  default     = 5
}

variable "api_latency_alarm_ms" {
  description = "Alarm when the API's p99 latency stays above this many milliseconds (2 of 3 periods of 5 minutes)."
  type        = number
  default     = 5000
}

# --- monitoring ---
variable "alert_emails" {
  description = "Email addresses subscribed to the alerts topic, as label => address."
  type        = map(string)
  default     = {}
}

variable "cloudwatch_log_retention_days" {
  description = "Days the stack's CloudWatch log groups keep events."
  type        = number
  default     = 30
}

variable "alerts_kms_key_id" {
  description = "A KMS key for the alerts topic (its policy must let cloudwatch.amazonaws.com use it); null: none."
  type        = string
  default     = null
}

variable "firehose_freshness_alarm_seconds" {
  description = "Alarm when a log source's oldest record in Firehose is older than this (DeliveryToS3.DataFreshness)."
  type        = number
  default     = 900
}

variable "kinesis_iterator_age_alarm_ms" {
  description = "Alarm when the Kinesis stream's consumers fall this far behind (GetRecords.IteratorAgeMilliseconds)."
  type        = number
  default     = 600000
}

variable "athena_scanned_bytes_alarm" {
  description = "Alarm when the workgroup's queries scan more than this many bytes in an hour."
  type        = number
  default     = 1099511627776
}

# --- compute: one map entry per function ---
variable "lambda_memory_mb" {
  description = "Memory of each function in MB."
  type        = map(number)
  default     = { detection_engine = 512, llm_query = 512, alert_router = 256, api_rules = 256, api_alerts = 256, api_query = 512 }
}

variable "lambda_timeout_seconds" {
  description = "Timeout of each function in seconds (API Gateway waits at most 29 for the API handlers)."
  type        = map(number)
  default     = { detection_engine = 300, llm_query = 120, alert_router = 60, api_rules = 29, api_alerts = 29, api_query = 29 }
}

variable "lambda_reserved_concurrency" {
  description = "Concurrent executions reserved for each function; null: the account's shared pool."
  type        = map(number)
  default     = { detection_engine = null, llm_query = null, alert_router = null, api_rules = null, api_alerts = null, api_query = null }
}

variable "lambda_subnet_ids" {
  description = "VPC subnet ids the functions run in (with lambda_security_group_ids); null: no VPC."
  type        = list(string)
  default     = null
}

variable "lambda_security_group_ids" {
  description = "Security group ids of the functions' network interfaces when lambda_subnet_ids is set."
  type        = list(string)
  default     = null
}

variable "lambda_kms_key_arn" {
  description = "A KMS key ARN that encrypts the functions' environment variables; null: Lambda's own key."
  type        = string
  default     = null
}

# --- the Glue table of each log source ---
variable "log_source_tables" {
  description = "The Glue table of each log source: description, classification, serde (library, parameters) and columns (name, type, comment). Every entry of log_sources needs one."
  type = map(object({
    description    = string
    classification = string
    serde = object({
      library    = string
      parameters = map(string)
    })
    columns = list(object({
      name    = string
      type    = string
      comment = optional(string)
    }))
  }))
  default = {
    cloudtrail = {
      description    = "AWS CloudTrail management and data events, one JSON record per line."
      classification = "json"
      serde = {
        library = "org.openx.data.jsonserde.JsonSerDe"
        parameters = {
          "ignore.malformed.json" = "true"
        }
      }
      columns = [
        { name = "eventversion", type = "string" },
        { name = "useridentity", type = "struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,accesskeyid:string,username:string,sessioncontext:struct<attributes:struct<mfaauthenticated:string,creationdate:string>,sessionissuer:struct<type:string,principalid:string,arn:string,accountid:string,username:string>>>" },
        { name = "eventtime", type = "string" },
        { name = "eventsource", type = "string" },
        { name = "eventname", type = "string" },
        { name = "awsregion", type = "string" },
        { name = "sourceipaddress", type = "string" },
        { name = "useragent", type = "string" },
        { name = "errorcode", type = "string" },
        { name = "errormessage", type = "string" },
        { name = "requestparameters", type = "string", comment = "JSON" },
        { name = "responseelements", type = "string", comment = "JSON" },
        { name = "additionaleventdata", type = "string", comment = "JSON" },
        { name = "requestid", type = "string" },
        { name = "eventid", type = "string" },
        { name = "resources", type = "array<struct<arn:string,accountid:string,type:string>>" },
        { name = "eventtype", type = "string" },
        { name = "apiversion", type = "string" },
        { name = "readonly", type = "string" },
        { name = "recipientaccountid", type = "string" },
        { name = "serviceeventdetails", type = "string", comment = "JSON" },
        { name = "sharedeventid", type = "string" },
        { name = "vpcendpointid", type = "string" },
      ]
    }
    vpc_flow = {
      description    = "VPC flow logs (default version 2 format), space-delimited."
      classification = "csv"
      serde = {
        library = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
        parameters = {
          "field.delim"          = " "
          "serialization.format" = " "
        }
      }
      columns = [
        { name = "version", type = "int" },
        { name = "account_id", type = "string" },
        { name = "interface_id", type = "string" },
        { name = "srcaddr", type = "string" },
        { name = "dstaddr", type = "string" },
        { name = "srcport", type = "int" },
        { name = "dstport", type = "int" },
        { name = "protocol", type = "bigint" },
        { name = "packets", type = "bigint" },
        { name = "bytes", type = "bigint" },
        { name = "start", type = "bigint", comment = "epoch seconds" },
        { name = "end", type = "bigint", comment = "epoch seconds" },
        { name = "action", type = "string" },
        { name = "log_status", type = "string" },
      ]
    }
    guardduty = {
      description    = "Amazon GuardDuty findings, one JSON finding per line."
      classification = "json"
      serde = {
        library = "org.openx.data.jsonserde.JsonSerDe"
        parameters = {
          "ignore.malformed.json" = "true"
        }
      }
      columns = [
        { name = "schemaversion", type = "string" },
        { name = "accountid", type = "string" },
        { name = "region", type = "string" },
        { name = "id", type = "string" },
        { name = "arn", type = "string" },
        { name = "type", type = "string" },
        { name = "resource", type = "string", comment = "JSON" },
        { name = "service", type = "string", comment = "JSON" },
        { name = "severity", type = "double" },
        { name = "createdat", type = "string" },
        { name = "updatedat", type = "string" },
        { name = "title", type = "string" },
        { name = "description", type = "string" },
      ]
    }
  }
}
