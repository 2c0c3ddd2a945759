variable "name_prefix" { type = string }
variable "llm_provider" { type = string }
variable "smtp_alerts" { type = bool }
variable "slack_webhook_url" {
  type      = string
  sensitive = true
}
variable "pagerduty_api_key" {
  type      = string
  sensitive = true
}
variable "llm_api_key" {
  type      = string
  sensitive = true
}
variable "smtp_credentials" {
  type      = string
  sensitive = true
}
