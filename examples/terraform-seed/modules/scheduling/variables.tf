variable "name_prefix" { type = string }
variable "detection_schedule" { type = string }
variable "enable_guardduty_routing" { type = bool }
variable "detection_engine_arn" { type = string }
variable "detection_engine_name" { type = string }
variable "alert_router_arn" { type = string }
variable "alert_router_name" { type = string }
