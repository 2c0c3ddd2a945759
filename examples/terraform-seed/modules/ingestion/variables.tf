variable "name_prefix" { type = string }
variable "logs_bucket_arn" { type = string }
variable "kms_key_arn" { type = string }
variable "log_sources" { type = list(string) }
variable "kinesis_shard_count" { type = number }
variable "kinesis_retention_hours" { type = number }
variable "firehose_buffer_size_mb" { type = number }
variable "firehose_buffer_interval_seconds" { type = number }
