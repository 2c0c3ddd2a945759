output "database_name" { value = aws_glue_catalog_database.this.name }
output "database_arn" { value = aws_glue_catalog_database.this.arn }
output "workgroup_name" { value = aws_athena_workgroup.this.name }
output "workgroup_arn" { value = aws_athena_workgroup.this.arn }
