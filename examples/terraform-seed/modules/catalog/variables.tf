variable "name_prefix" { type = string }
variable "logs_bucket_name" { type = string }
variable "logs_bucket_arn" { type = string }
variable "athena_results_bucket_name" { type = string }
variable "kms_key_arn" { type = string }
variable "log_sources" { type = list(string) }
variable "log_source_tables" {
  type = map(object({
    description    = string
    classification = string
    serde          = object({ library = string, parameters = map(string) })
    columns        = list(object({ name = string, type = string, comment = optional(string) }))
  }))
}
variable "athena_bytes_scanned_cutoff" { type = number }
variable "enable_crawlers" { type = bool }
variable "crawler_schedule" { type = string }
