variable "name_prefix" { type = string }
variable "log_retention_days" { type = number }
variable "kms_key_arn" { type = string }
variable "dynamodb_point_in_time_recovery" { type = bool }
variable "force_destroy" { type = bool }
