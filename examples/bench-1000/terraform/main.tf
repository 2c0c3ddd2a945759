# The benchmark's N-resource stack in Terraform: the same topics, log groups and alarms as
# ../stacks/bench-1000/ (same keys, same properties, the same three tags mantissa puts on every
# resource), pointed at an AWS-compatible emulator. generate.py writes bench.auto.tfvars.json.
#
#   TF_CLI_CONFIG_FILE=cli.tfrc terraform init     (cli.tfrc: provider_installation {
#                                                     filesystem_mirror { path = "/opt/tf-plugins" } })
#   terraform apply -auto-approve -parallelism=10
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

variable "endpoint" {
  type        = string
  description = "The emulator's endpoint, e.g. http://127.0.0.1:4566"
}
variable "environment" {
  type    = string
  default = "bench"
}
variable "topics" {
  type = list(string)
}
variable "log_groups" {
  type = list(string)
}
variable "alarms" {
  type        = list(string)
  description = "Items of topics: one alarm per item, notifying that topic"
}

locals {
  prefix = "bench-${var.environment}"
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    cloudwatch = var.endpoint
    logs       = var.endpoint
    sns        = var.endpoint
    sts        = var.endpoint
    iam        = var.endpoint
  }
  default_tags {
    tags = {
      Project     = "bench"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

resource "aws_sns_topic" "topic" {
  for_each     = toset(var.topics)
  name         = "${local.prefix}-topic-${each.key}"
  display_name = "Benchmark topic ${each.key}"
}

resource "aws_cloudwatch_log_group" "log" {
  for_each          = toset(var.log_groups)
  name              = "/bench/${var.environment}/log-${each.key}"
  retention_in_days = 7
}

resource "aws_cloudwatch_metric_alarm" "alarm" {
  for_each            = toset(var.alarms)
  alarm_name          = "${local.prefix}-alarm-${each.key}"
  alarm_description   = "Notifications to topic ${each.key} are failing"
  namespace           = "AWS/SNS"
  metric_name         = "NumberOfNotificationsFailed"
  dimensions          = { TopicName = aws_sns_topic.topic[each.key].name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.topic[each.key].arn]
}
