variable "name_prefix" { type = string }
variable "mfa" { type = string }
variable "password_minimum_length" { type = number }
variable "access_token_validity_minutes" { type = number }
variable "id_token_validity_minutes" { type = number }
variable "refresh_token_validity_days" { type = number }
