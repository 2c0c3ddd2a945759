# api: the REST API the web app and CLI call. /query (POST), /rules (GET, POST) and /alerts (GET)
# are Lambda proxy integrations behind the Cognito user-pool authorizer; every path answers CORS
# preflights (OPTIONS, no authorizer) from a mock integration. The stage is named after the
# environment, with throttling and JSON access logs; the account-wide CloudWatch role that API
# Gateway writes those logs with is set here too.

locals {
  paths = {
    query  = { cors_methods = "POST,OPTIONS" }
    rules  = { cors_methods = "GET,POST,OPTIONS" }
    alerts = { cors_methods = "GET,OPTIONS" }
  }
  # Lambda proxies behind the authorizer: method key => path, HTTP method and function.
  methods = {
    query_post = { path = "query", http_method = "POST", function = "api_query" }
    rules_get  = { path = "rules", http_method = "GET", function = "api_rules" }
    rules_post = { path = "rules", http_method = "POST", function = "api_rules" }
    alerts_get = { path = "alerts", http_method = "GET", function = "api_alerts" }
  }
  cors_headers = ["Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers"]
}

resource "aws_api_gateway_rest_api" "this" {
  name        = "${var.name_prefix}-rest-api"
  description = "Mantissa Log query, rules and alerts API"

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_authorizer" "cognito" {
  name                             = "${var.name_prefix}-authorizer"
  rest_api_id                      = aws_api_gateway_rest_api.this.id
  type                             = "COGNITO_USER_POOLS"
  provider_arns                    = [var.user_pool_arn]
  identity_source                  = "method.request.header.Authorization"
  authorizer_result_ttl_in_seconds = 300
}

resource "aws_api_gateway_resource" "this" {
  for_each = local.paths

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = each.key
}

# ---- Lambda proxies ----
resource "aws_api_gateway_method" "proxy" {
  for_each = local.methods

  rest_api_id   = aws_api_gateway_rest_api.this.id
  resource_id   = aws_api_gateway_resource.this[each.value.path].id
  http_method   = each.value.http_method
  authorization = "COGNITO_USER_POOLS"
  authorizer_id = aws_api_gateway_authorizer.cognito.id
}

resource "aws_api_gateway_integration" "proxy" {
  for_each = local.methods

  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_resource.this[each.value.path].id
  http_method             = aws_api_gateway_method.proxy[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = var.function_invoke_arns[each.value.function]
}

# API Gateway may invoke each function from this API's method and path only.
resource "aws_lambda_permission" "proxy" {
  for_each = local.methods

  statement_id  = "apigateway-${replace(each.key, "_", "-")}"
  action        = "lambda:InvokeFunction"
  function_name = var.function_names[each.value.function]
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.this.execution_arn}/*/${each.value.http_method}/${each.value.path}"
}

# ---- CORS preflights: no authorizer (browsers send no token), answered by API Gateway ----
resource "aws_api_gateway_method" "options" {
  for_each = local.paths

  rest_api_id   = aws_api_gateway_rest_api.this.id
  resource_id   = aws_api_gateway_resource.this[each.key].id
  http_method   = "OPTIONS"
  authorization = "NONE"
}

resource "aws_api_gateway_method_response" "options" {
  for_each = local.paths

  rest_api_id         = aws_api_gateway_rest_api.this.id
  resource_id         = aws_api_gateway_resource.this[each.key].id
  http_method         = aws_api_gateway_method.options[each.key].http_method
  status_code         = "200"
  response_parameters = { for h in local.cors_headers : "method.response.header.${h}" => false }
}

resource "aws_api_gateway_integration" "options" {
  for_each = local.paths

  rest_api_id       = aws_api_gateway_rest_api.this.id
  resource_id       = aws_api_gateway_resource.this[each.key].id
  http_method       = aws_api_gateway_method.options[each.key].http_method
  type              = "MOCK"
  request_templates = { "application/json" = jsonencode({ statusCode = 200 }) }
}

resource "aws_api_gateway_integration_response" "options" {
  for_each = local.paths

  rest_api_id = aws_api_gateway_rest_api.this.id
  resource_id = aws_api_gateway_resource.this[each.key].id
  http_method = aws_api_gateway_method.options[each.key].http_method
  status_code = aws_api_gateway_method_response.options[each.key].status_code
  response_parameters = {
    "method.response.header.Access-Control-Allow-Origin"  = "'${var.cors_allowed_origin}'"
    "method.response.header.Access-Control-Allow-Methods" = "'${each.value.cors_methods}'"
    "method.response.header.Access-Control-Allow-Headers" = "'${var.cors_allowed_headers}'"
  }

  depends_on = [aws_api_gateway_integration.options]
}

# ---- deployment and stage ----
resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  # Any change to a path, method, integration or response makes a new deployment: the hash of
  # their settings and ids (not of the whole resources, whose computed attributes the provider
  # may read back differently and so redeploy on every plan).
  triggers = {
    redeployment = sha1(jsonencode({
      paths        = local.paths
      methods      = local.methods
      invoke_arns  = var.function_invoke_arns
      cors         = [var.cors_allowed_origin, var.cors_allowed_headers]
      resources    = [for r in aws_api_gateway_resource.this : r.id]
      proxies      = [for m in aws_api_gateway_method.proxy : m.id]
      integrations = [for i in aws_api_gateway_integration.proxy : i.id]
      options      = [for i in aws_api_gateway_integration_response.options : i.id]
    }))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [
    aws_api_gateway_integration.proxy,
    aws_api_gateway_integration_response.options,
  ]
}

resource "aws_api_gateway_stage" "this" {
  rest_api_id   = aws_api_gateway_rest_api.this.id
  deployment_id = aws_api_gateway_deployment.this.id
  stage_name    = var.stage_name

  access_log_settings {
    destination_arn = var.access_log_group_arn
    # One JSON line per request, keys in this order (jsonencode would sort them).
    format = "{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\",\"user\":\"$context.authorizer.claims.sub\",\"requestTime\":\"$context.requestTime\",\"httpMethod\":\"$context.httpMethod\",\"resourcePath\":\"$context.resourcePath\",\"status\":\"$context.status\",\"responseLength\":\"$context.responseLength\",\"latency\":\"$context.responseLatency\",\"integrationError\":\"$context.integration.error\"}"
  }

  # Access logs need the account's CloudWatch role in place first.
  depends_on = [aws_api_gateway_account.this]
}

# The stage's throttling, for every method together.
resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
  }
}

# ---- the account-wide role API Gateway writes stage logs with ----
data "aws_iam_policy_document" "apigateway_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cloudwatch" {
  name               = "${var.name_prefix}-cloudwatch-role"
  description        = "Lets API Gateway write access and execution logs to CloudWatch Logs."
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume.json
}

resource "aws_iam_role_policy_attachment" "cloudwatch" {
  role       = aws_iam_role.cloudwatch.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

# Destroy leaves the account setting as it is (other stacks' stages may rely on it).
resource "aws_api_gateway_account" "this" {
  cloudwatch_role_arn = aws_iam_role.cloudwatch.arn

  depends_on = [aws_iam_role_policy_attachment.cloudwatch]
}
