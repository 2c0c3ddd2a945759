# compute: the six Lambda functions, each with its own execution role (an inline policy granting
# only what that function needs) and its log group /aws/lambda/<function>, created first so that
# its retention applies from the start. Code: <package_dir>/<function>.zip, which
# scripts/terraform-seed.sh builds deterministically from stacks/mantissa-log/functions/<function>/.

locals {
  # Names are spelled out (not taken from the functions): the roles, which the functions need
  # first, name the log groups and the functions that invoke each other.
  names = {
    detection_engine = "${var.name_prefix}-detection-engine"
    llm_query        = "${var.name_prefix}-llm-query"
    alert_router     = "${var.name_prefix}-alert-router"
    api_rules        = "${var.name_prefix}-api-rules"
    api_alerts       = "${var.name_prefix}-api-alerts"
    api_query        = "${var.name_prefix}-api-query"
  }
  # Athena reads the table definitions as the caller. The catalog and table ARNs hold the account
  # id, which is not known here.
  athena_statements = [
    {
      Sid      = "AthenaWorkgroup"
      Effect   = "Allow"
      Action   = ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution", "athena:GetWorkGroup"]
      Resource = var.athena_workgroup_arn
    },
    {
      Sid    = "GlueCatalog"
      Effect = "Allow"
      Action = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"]
      Resource = [
        "arn:aws:glue:${var.region}:*:catalog",
        var.glue_database_arn,
        "arn:aws:glue:${var.region}:*:table/${var.glue_database_name}/*",
      ]
    },
    {
      Sid      = "AthenaResults"
      Effect   = "Allow"
      Action   = ["s3:GetBucketLocation", "s3:ListBucket"]
      Resource = var.athena_results_bucket_arn
    },
    {
      Sid      = "AthenaResultObjects"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
      Resource = "${var.athena_results_bucket_arn}/*"
    },
  ]

  # What every role gets when the stack uses a KMS key or a VPC.
  common_statements = concat(
    var.kms_key_arn != null ? [{
      Sid      = "DataKey"
      Effect   = "Allow"
      Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource = var.kms_key_arn
    }] : [],
    var.lambda_kms_key != null ? [{
      Sid      = "EnvironmentKey"
      Effect   = "Allow"
      Action   = ["kms:Decrypt"]
      Resource = var.lambda_kms_key
    }] : [],
    # In a VPC, Lambda manages the function's network interfaces with its role; none of these
    # actions can be scoped to a resource.
    var.subnet_ids != null ? [{
      Sid      = "VpcNetworkInterfaces"
      Effect   = "Allow"
      Action   = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"]
      Resource = "*"
    }] : [],
  )

  # Each function's settings. No reference to the functions here: the policies below name them.
  functions = {
    detection_engine = {
      description = "Runs the detection rules on a schedule: Athena queries over the logs, state and alerts in DynamoDB."
      environment = {
        ENVIRONMENT           = var.environment
        LOGS_BUCKET           = var.logs_bucket_name
        ATHENA_WORKGROUP      = var.athena_workgroup_name
        GLUE_DATABASE         = var.glue_database_name
        DETECTION_STATE_TABLE = var.detection_state_table_name
        ALERT_HISTORY_TABLE   = var.alert_history_table_name
        ALERT_ROUTER_FUNCTION = local.names.alert_router
      }
    }
    llm_query = {
      description = "Turns natural-language questions into Athena queries with the configured LLM."
      environment = {
        ENVIRONMENT          = var.environment
        LLM_PROVIDER         = var.llm_provider
        ATHENA_WORKGROUP     = var.athena_workgroup_name
        GLUE_DATABASE        = var.glue_database_name
        QUERY_SESSIONS_TABLE = var.query_sessions_table_name
        # The name, not the ARN: the secret exists only for anthropic and openai.
        LLM_API_KEY_SECRET = var.llm_api_key_secret_name
      }
    }
    alert_router = {
      description = "Sends alerts to Slack, PagerDuty and the alerts topic."
      environment = {
        ENVIRONMENT                  = var.environment
        ALERTS_TOPIC_ARN             = var.alerts_topic_arn
        ALERT_HISTORY_TABLE          = var.alert_history_table_name
        SLACK_WEBHOOK_SECRET_ARN     = var.slack_webhook_secret_arn
        PAGERDUTY_API_KEY_SECRET_ARN = var.pagerduty_secret_arn
      }
    }
    api_rules = {
      description = "API handler: detection rules (stored in the config bucket)."
      environment = {
        ENVIRONMENT           = var.environment
        CONFIG_BUCKET         = var.config_bucket_name
        DETECTION_STATE_TABLE = var.detection_state_table_name
      }
    }
    api_alerts = {
      description = "API handler: alert history."
      environment = {
        ENVIRONMENT         = var.environment
        ALERT_HISTORY_TABLE = var.alert_history_table_name
      }
    }
    api_query = {
      description = "API handler: query sessions (runs questions through llm-query)."
      environment = {
        ENVIRONMENT          = var.environment
        QUERY_SESSIONS_TABLE = var.query_sessions_table_name
        LLM_QUERY_FUNCTION   = local.names.llm_query
      }
    }
  }

  # Each role's own statements, after writing its own log group (prepended below).
  statements = {
    detection_engine = concat(local.athena_statements, [
      { Sid = "LogsBucket", Effect = "Allow", Action = ["s3:GetBucketLocation", "s3:ListBucket"], Resource = var.logs_bucket_arn },
      { Sid = "LogsObjects", Effect = "Allow", Action = ["s3:GetObject"], Resource = "${var.logs_bucket_arn}/*" },
      {
        Sid      = "StateTables"
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:BatchWriteItem"]
        Resource = [var.detection_state_table_arn, var.alert_history_table_arn]
      },
      { Sid = "InvokeAlertRouter", Effect = "Allow", Action = ["lambda:InvokeFunction"], Resource = aws_lambda_function.this["alert_router"].arn },
    ])
    llm_query = concat(local.athena_statements, [
      { Sid = "QuerySessions", Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"], Resource = var.query_sessions_table_arn },
      ], var.llm_provider == "bedrock" ? [
      # Bedrock models are the provider's, not the account's: no account in their ARNs.
      { Sid = "BedrockModels", Effect = "Allow", Action = ["bedrock:InvokeModel"], Resource = "arn:aws:bedrock:${var.region}::foundation-model/*" },
      ] : [
      { Sid = "LlmApiKey", Effect = "Allow", Action = ["secretsmanager:GetSecretValue"], Resource = var.llm_api_key_secret_arn },
    ])
    alert_router = concat([
      { Sid = "AlertSecrets", Effect = "Allow", Action = ["secretsmanager:GetSecretValue"], Resource = [var.slack_webhook_secret_arn, var.pagerduty_secret_arn] },
      ], var.smtp_alerts ? [
      { Sid = "SmtpSecret", Effect = "Allow", Action = ["secretsmanager:GetSecretValue"], Resource = var.smtp_secret_arn },
      ] : [], [
      { Sid = "AlertsTopic", Effect = "Allow", Action = ["sns:Publish"], Resource = var.alerts_topic_arn },
      { Sid = "AlertHistory", Effect = "Allow", Action = ["dynamodb:PutItem", "dynamodb:UpdateItem"], Resource = var.alert_history_table_arn },
    ])
    api_rules = [
      { Sid = "RulesList", Effect = "Allow", Action = ["s3:ListBucket"], Resource = var.config_bucket_arn },
      { Sid = "RulesObjects", Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource = "${var.config_bucket_arn}/rules/*" },
      { Sid = "DetectionState", Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:Query"], Resource = var.detection_state_table_arn },
    ]
    api_alerts = [
      { Sid = "AlertHistory", Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem"], Resource = var.alert_history_table_arn },
    ]
    api_query = [
      { Sid = "QuerySessions", Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"], Resource = var.query_sessions_table_arn },
      { Sid = "InvokeLlmQuery", Effect = "Allow", Action = ["lambda:InvokeFunction"], Resource = aws_lambda_function.this["llm_query"].arn },
    ]
  }
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = local.names

  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.log_retention
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = local.names

  name               = "${each.value}-role"
  description        = "Execution role of the ${replace(each.key, "_", "-")} function."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

resource "aws_iam_role_policy" "this" {
  for_each = local.names

  name = replace(each.key, "_", "-")
  role = aws_iam_role.this[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid      = "OwnLogGroup"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.this[each.key].arn}:*"
      }],
      local.statements[each.key],
      local.common_statements,
    )
  })
}

resource "aws_lambda_function" "this" {
  for_each = local.functions

  function_name    = local.names[each.key]
  description      = each.value.description
  role             = aws_iam_role.this[each.key].arn
  handler          = "handler.handler"
  runtime          = "python3.12"
  filename         = "${var.package_dir}/${replace(each.key, "_", "-")}.zip"
  source_code_hash = filebase64sha256("${var.package_dir}/${replace(each.key, "_", "-")}.zip")
  memory_size      = var.memory_mb[each.key]
  timeout          = var.timeout_seconds[each.key]
  kms_key_arn      = var.lambda_kms_key

  reserved_concurrent_executions = var.reserved[each.key] != null ? var.reserved[each.key] : -1

  environment {
    variables = each.value.environment
  }

  dynamic "vpc_config" {
    for_each = var.subnet_ids != null ? [1] : []
    content {
      subnet_ids         = var.subnet_ids
      security_group_ids = var.security_groups
    }
  }

  # The log group first, so that its retention applies to the first invocation's logs.
  depends_on = [aws_cloudwatch_log_group.this]
}
