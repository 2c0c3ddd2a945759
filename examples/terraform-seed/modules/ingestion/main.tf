# ingestion: one Firehose delivery stream per log source (direct PUT), the Kinesis stream for
# streaming shippers with its own delivery stream, and the role Firehose writes with. Objects land
# under <source>/year=YYYY/month=MM/day=DD/ in the logs bucket; failures under errors/<source>/.

locals {
  day_partition = "year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
}

data "aws_iam_policy_document" "firehose_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["firehose.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "firehose" {
  name               = "${var.name_prefix}-firehose-role"
  description        = "Lets Firehose write into the logs bucket and read the ingestion stream."
  assume_role_policy = data.aws_iam_policy_document.firehose_assume.json
}

data "aws_iam_policy_document" "deliver_to_logs_bucket" {
  statement {
    sid       = "LogsBucket"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]
    resources = [var.logs_bucket_arn]
  }
  statement {
    sid       = "LogsObjects"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${var.logs_bucket_arn}/*"]
  }
  dynamic "statement" {
    for_each = var.kms_key_arn != null ? [var.kms_key_arn] : []
    content {
      sid       = "LogsBucketKey"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "deliver_to_logs_bucket" {
  name   = "deliver-to-logs-bucket"
  role   = aws_iam_role.firehose.id
  policy = data.aws_iam_policy_document.deliver_to_logs_bucket.json
}

resource "aws_iam_role_policy" "read_ingestion_stream" {
  name = "read-ingestion-stream"
  role = aws_iam_role.firehose.id
  # jsonencode rather than a policy document data source: the stream's ARN is known at plan
  # time, so a pending change to the stream does not defer the policy to apply time.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid    = "IngestionStream"
      Effect = "Allow"
      Action = [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetShardIterator",
        "kinesis:GetRecords",
        "kinesis:ListShards",
      ]
      Resource = aws_kinesis_stream.this.arn
    }]
  })
}

resource "aws_kinesis_stream" "this" {
  name             = "${var.name_prefix}-stream"
  shard_count      = var.kinesis_shard_count
  retention_period = var.kinesis_retention_hours
  encryption_type  = "KMS"
  kms_key_id       = "alias/aws/kinesis"

  stream_mode_details {
    stream_mode = "PROVISIONED"
  }
}

resource "aws_kinesis_firehose_delivery_stream" "stream_delivery" {
  name        = "${var.name_prefix}-stream-delivery"
  destination = "extended_s3"

  kinesis_source_configuration {
    kinesis_stream_arn = aws_kinesis_stream.this.arn
    role_arn           = aws_iam_role.firehose.arn
  }

  extended_s3_configuration {
    bucket_arn          = var.logs_bucket_arn
    role_arn            = aws_iam_role.firehose.arn
    prefix              = "streaming/${local.day_partition}"
    error_output_prefix = "errors/streaming/!{firehose:error-output-type}/${local.day_partition}"
    compression_format  = "GZIP"
    buffering_size      = var.firehose_buffer_size_mb
    buffering_interval  = var.firehose_buffer_interval_seconds
  }

  # Firehose checks the role's permissions when the stream is created.
  depends_on = [aws_iam_role_policy.deliver_to_logs_bucket, aws_iam_role_policy.read_ingestion_stream]
}

resource "aws_kinesis_firehose_delivery_stream" "source" {
  for_each = toset(var.log_sources)

  name        = "${var.name_prefix}-firehose-${replace(each.key, "_", "-")}"
  destination = "extended_s3"

  extended_s3_configuration {
    bucket_arn          = var.logs_bucket_arn
    role_arn            = aws_iam_role.firehose.arn
    prefix              = "${each.key}/${local.day_partition}"
    error_output_prefix = "errors/${each.key}/!{firehose:error-output-type}/${local.day_partition}"
    compression_format  = "GZIP"
    buffering_size      = var.firehose_buffer_size_mb
    buffering_interval  = var.firehose_buffer_interval_seconds
  }

  depends_on = [aws_iam_role_policy.deliver_to_logs_bucket]
}
