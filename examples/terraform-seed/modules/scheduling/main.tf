# scheduling: the EventBridge rule running the detection engine on a schedule, its target and
# the permission letting that rule (only) invoke the function; with enable_guardduty_routing, a
# rule sending GuardDuty findings to the alert router.

resource "aws_cloudwatch_event_rule" "detection_schedule" {
  name                = "${var.name_prefix}-detection-schedule"
  description         = "Runs the Mantissa Log detection engine"
  schedule_expression = var.detection_schedule
}

resource "aws_cloudwatch_event_target" "detection" {
  rule      = aws_cloudwatch_event_rule.detection_schedule.name
  target_id = "detection-engine"
  arn       = var.detection_engine_arn
}

resource "aws_lambda_permission" "detection" {
  statement_id  = "AllowEventBridgeDetectionSchedule"
  action        = "lambda:InvokeFunction"
  function_name = var.detection_engine_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.detection_schedule.arn
}

resource "aws_cloudwatch_event_rule" "guardduty_findings" {
  count = var.enable_guardduty_routing ? 1 : 0

  name        = "${var.name_prefix}-guardduty-findings"
  description = "Sends GuardDuty findings to the Mantissa Log alert router"
  event_pattern = jsonencode({
    source        = ["aws.guardduty"]
    "detail-type" = ["GuardDuty Finding"]
  })
}

resource "aws_cloudwatch_event_target" "guardduty" {
  count = var.enable_guardduty_routing ? 1 : 0

  rule      = aws_cloudwatch_event_rule.guardduty_findings[0].name
  target_id = "alert-router"
  arn       = var.alert_router_arn
}

resource "aws_lambda_permission" "guardduty" {
  count = var.enable_guardduty_routing ? 1 : 0

  statement_id  = "AllowEventBridgeGuardDutyFindings"
  action        = "lambda:InvokeFunction"
  function_name = var.alert_router_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.guardduty_findings[0].arn
}
