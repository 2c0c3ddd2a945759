//! The AWS resource types, one module each, and the list the provider registers.

pub mod cloudwatch_dashboard;
pub mod cloudwatch_log_group;
pub mod cloudwatch_metric_alarm;
mod json_doc;
pub mod s3_bucket;
pub mod sns_topic;
pub mod sns_topic_subscription;
mod tag_delta;

use crate::AwsClients;
use crate::resource::{ErasedResource, erase};

/// Every resource type, ready to register.
pub fn all(clients: &AwsClients) -> Vec<Box<dyn ErasedResource>> {
    vec![
        erase(s3_bucket::S3Bucket::new(clients.clone())),
        erase(sns_topic::SnsTopic::new(clients.clone())),
        erase(sns_topic_subscription::SnsTopicSubscription::new(clients.clone())),
        erase(cloudwatch_log_group::CloudwatchLogGroup::new(clients.clone())),
        erase(cloudwatch_metric_alarm::CloudwatchMetricAlarm::new(clients.clone())),
        erase(cloudwatch_dashboard::CloudwatchDashboard::new(clients.clone())),
    ]
}
