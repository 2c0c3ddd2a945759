# auth: the Cognito user pool of the web interface (administrators create users, who sign in with
# their e-mail address) and its browser app client (no secret: SRP and refresh tokens only).

resource "aws_cognito_user_pool" "users" {
  name                     = "${var.name_prefix}-users"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = var.mfa

  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  password_policy {
    minimum_length                   = var.password_minimum_length
    require_uppercase                = true
    require_lowercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = 7
  }

  # OPTIONAL and ON: TOTP (an authenticator app).
  dynamic "software_token_mfa_configuration" {
    for_each = var.mfa != "OFF" ? [1] : []
    content {
      enabled = true
    }
  }
}

resource "aws_cognito_user_pool_client" "web" {
  name                          = "${var.name_prefix}-web-client"
  user_pool_id                  = aws_cognito_user_pool.users.id
  generate_secret               = false
  explicit_auth_flows           = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  access_token_validity         = var.access_token_validity_minutes
  id_token_validity             = var.id_token_validity_minutes
  refresh_token_validity        = var.refresh_token_validity_days
  prevent_user_existence_errors = "ENABLED"

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }
}
