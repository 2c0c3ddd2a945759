//! The AWS resource types, one module each, and the list the provider registers.

pub mod account;
pub mod athena_workgroup;
pub mod dynamodb_table;
pub mod glue_database;
pub mod glue_table;
pub mod s3_bucket;

use crate::AwsClients;
use crate::resource::{ErasedResource, erase};

/// Every resource type, ready to register.
pub fn all(clients: &AwsClients) -> Vec<Box<dyn ErasedResource>> {
    vec![
        erase(s3_bucket::S3Bucket::new(clients.clone())),
        erase(glue_database::GlueDatabase::new(clients.clone())),
        erase(glue_table::GlueTable::new(clients.clone())),
        erase(athena_workgroup::AthenaWorkgroup::new(clients.clone())),
        erase(dynamodb_table::DynamodbTable::new(clients.clone())),
    ]
}
