output "kinesis_stream_arn" { value = aws_kinesis_stream.this.arn }
output "kinesis_stream_name" { value = aws_kinesis_stream.this.name }
output "firehose_stream_names" { value = { for k, s in aws_kinesis_firehose_delivery_stream.source : k => s.name } }
