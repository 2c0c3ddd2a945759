# catalog: the Glue database, one table per log source (partition projection: no crawler needed)
# and the Athena workgroup; with enable_crawlers, one Glue crawler and role per log source.

locals {
  crawled_sources = var.enable_crawlers ? toset(var.log_sources) : toset([])
}

resource "aws_glue_catalog_database" "this" {
  # An SQL identifier: no dashes.
  name        = replace(var.name_prefix, "-", "_")
  description = "Mantissa Log security logs, one table per log source."
}

resource "aws_glue_catalog_table" "source" {
  for_each = toset(var.log_sources)

  name          = replace(each.key, "-", "_")
  database_name = aws_glue_catalog_database.this.name
  description   = var.log_source_tables[each.key].description
  table_type    = "EXTERNAL_TABLE"

  # Partition projection: Athena computes the partitions from these ranges.
  parameters = {
    "classification"            = var.log_source_tables[each.key].classification
    "projection.enabled"        = "true"
    "projection.year.type"      = "integer"
    "projection.year.range"     = "2020,2100"
    "projection.month.type"     = "integer"
    "projection.month.range"    = "1,12"
    "projection.month.digits"   = "2"
    "projection.day.type"       = "integer"
    "projection.day.range"      = "1,31"
    "projection.day.digits"     = "2"
    "storage.location.template" = "s3://${var.logs_bucket_name}/${each.key}/year=$${year}/month=$${month}/day=$${day}/"
  }

  dynamic "partition_keys" {
    for_each = ["year", "month", "day"]
    content {
      name = partition_keys.value
      type = "string"
    }
  }

  storage_descriptor {
    location      = "s3://${var.logs_bucket_name}/${each.key}/"
    input_format  = "org.apache.hadoop.mapred.TextInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
    compressed    = false

    ser_de_info {
      serialization_library = var.log_source_tables[each.key].serde.library
      parameters            = var.log_source_tables[each.key].serde.parameters
    }

    dynamic "columns" {
      for_each = var.log_source_tables[each.key].columns
      content {
        name    = columns.value.name
        type    = columns.value.type
        comment = columns.value.comment
      }
    }
  }
}

resource "aws_athena_workgroup" "this" {
  name        = var.name_prefix
  description = "Mantissa Log queries (detection rules and the query API)."
  state       = "ENABLED"

  configuration {
    # Queries cannot send results elsewhere, unencrypted, or past the cutoff.
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.athena_bytes_scanned_cutoff

    result_configuration {
      output_location = "s3://${var.athena_results_bucket_name}/results/"
      encryption_configuration {
        encryption_option = "SSE_S3"
      }
    }
  }
}

data "aws_iam_policy_document" "crawler_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }
  }
}

# One role per source: each may read only its own prefix.
resource "aws_iam_role" "crawler" {
  for_each = local.crawled_sources

  name               = "${var.name_prefix}-crawler-role-${replace(each.key, "_", "-")}"
  description        = "Lets the ${each.key} Glue crawler read its prefix of the logs bucket."
  assume_role_policy = data.aws_iam_policy_document.crawler_assume.json
}

resource "aws_iam_role_policy_attachment" "crawler_glue_service" {
  for_each = local.crawled_sources

  role       = aws_iam_role.crawler[each.key].name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole"
}

data "aws_iam_policy_document" "crawler_read_source" {
  for_each = local.crawled_sources

  statement {
    sid       = "ListSourcePrefix"
    actions   = ["s3:ListBucket"]
    resources = [var.logs_bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${each.key}/*"]
    }
  }
  statement {
    sid       = "ReadSourceObjects"
    actions   = ["s3:GetObject"]
    resources = ["${var.logs_bucket_arn}/${each.key}/*"]
  }
  dynamic "statement" {
    for_each = var.kms_key_arn != null ? [var.kms_key_arn] : []
    content {
      sid       = "LogsBucketKey"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "crawler_read_source" {
  for_each = local.crawled_sources

  name   = "read-source-prefix"
  role   = aws_iam_role.crawler[each.key].id
  policy = data.aws_iam_policy_document.crawler_read_source[each.key].json
}

resource "aws_glue_crawler" "source" {
  for_each = local.crawled_sources

  name          = "${var.name_prefix}-crawler-${replace(each.key, "_", "-")}"
  description   = "Adds the new daily partitions of ${each.key} to the catalog."
  role          = aws_iam_role.crawler[each.key].arn
  database_name = aws_glue_catalog_database.this.name
  schedule      = var.crawler_schedule

  s3_target {
    path = "s3://${var.logs_bucket_name}/${each.key}/"
  }

  recrawl_policy {
    recrawl_behavior = "CRAWL_NEW_FOLDERS_ONLY"
  }

  # New folders only requires LOG for both: the crawler never changes the declared tables.
  schema_change_policy {
    update_behavior = "LOG"
    delete_behavior = "LOG"
  }

  configuration = jsonencode({
    Version       = 1.0
    CrawlerOutput = { Partitions = { AddOrUpdateBehavior = "InheritFromTable" } }
  })

  depends_on = [aws_iam_role_policy_attachment.crawler_glue_service, aws_iam_role_policy.crawler_read_source]
}
