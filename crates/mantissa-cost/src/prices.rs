//! The price table: one YAML file per region in `pricing/` (only us-east-1 ships), built into
//! the binary, with where each price comes from and the day it was checked. A region without a
//! table of its own is priced with us-east-1's, and the estimate says so.

use serde::Deserialize;
use std::collections::BTreeMap;

const US_EAST_1: &str = include_str!("../pricing/us-east-1.yaml");

/// Every price the pricing rules use, in US dollars.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    pub region: String,
    pub currency: String,
    /// The day the prices were checked against `sources`.
    pub as_of: String,
    /// The pricing page of each service.
    pub sources: BTreeMap<String, String>,
    pub s3: S3Prices,
    pub lambda: LambdaPrices,
    pub dynamodb: DynamoDbPrices,
    pub athena: AthenaPrices,
    pub glue: GluePrices,
    pub firehose: FirehosePrices,
    pub kinesis: KinesisPrices,
    pub secretsmanager: SecretsPrices,
    pub cloudwatch: CloudWatchPrices,
    pub sns: SnsPrices,
    pub apigateway: ApiGatewayPrices,
    pub cognito: CognitoPrices,
    pub eventbridge: EventBridgePrices,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Prices {
    pub standard_gb_month: f64,
    pub standard_ia_gb_month: f64,
    pub glacier_ir_gb_month: f64,
    pub put_per_1000: f64,
    pub get_per_1000: f64,
    pub lifecycle_transition_per_1000: f64,
    pub standard_ia_minimum_object_kb: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LambdaPrices {
    pub gb_second_x86: f64,
    pub gb_second_arm: f64,
    pub requests_per_million: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamoDbPrices {
    pub write_request_per_million: f64,
    pub read_request_per_million: f64,
    pub storage_gb_month: f64,
    pub pitr_gb_month: f64,
    pub wcu_hour: f64,
    pub rcu_hour: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AthenaPrices {
    pub per_tb_scanned: f64,
    pub minimum_mb_per_query: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GluePrices {
    pub crawler_dpu_hour: f64,
    pub crawler_minimum_minutes: f64,
    pub catalog_requests_per_million: f64,
    pub catalog_free_requests: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirehosePrices {
    pub direct_put_per_gb: f64,
    pub kinesis_source_per_gb: f64,
    pub record_rounding_kb: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KinesisPrices {
    pub shard_hour: f64,
    pub put_payload_units_per_million: f64,
    pub extended_retention_shard_hour: f64,
    pub long_term_retention_gb_month: f64,
    pub on_demand_stream_hour: f64,
    pub on_demand_gb_in: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsPrices {
    pub secret_month: f64,
    pub api_calls_per_10000: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudWatchPrices {
    pub alarm_metric_month: f64,
    pub alarm_high_resolution_metric_month: f64,
    pub dashboard_month: f64,
    pub logs_ingested_gb: f64,
    pub logs_stored_gb_month: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnsPrices {
    pub publishes_per_million: f64,
    pub email_per_100000: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiGatewayPrices {
    pub rest_requests_per_million: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CognitoPrices {
    pub free_mau: f64,
    pub mau: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventBridgePrices {
    pub custom_events_per_million: f64,
}

/// The prices for `region`, and a note when they are another region's.
pub fn for_region(region: &str) -> (PriceTable, Option<String>) {
    let table = shipped();
    if table.region == region {
        (table, None)
    } else {
        let note = format!(
            "prices of {} used for {region}: no price table for {region} ships (add pricing/{region}.yaml)",
            table.region
        );
        (table, Some(note))
    }
}

/// The shipped us-east-1 table. It is checked by this crate's tests, so it always parses.
pub fn shipped() -> PriceTable {
    parse(US_EAST_1).expect("pricing/us-east-1.yaml is checked by the tests")
}

fn parse(text: &str) -> Result<PriceTable, serde_saphyr::Error> {
    serde_saphyr::from_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses_names_its_sources_and_date() {
        let t = parse(US_EAST_1).unwrap();
        assert_eq!(t.region, "us-east-1");
        assert_eq!(t.currency, "USD");
        let date: Vec<&str> = t.as_of.split('-').collect();
        assert_eq!(date.len(), 3, "as_of is YYYY-MM-DD: {}", t.as_of);
        assert!(date.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())), "{}", t.as_of);
        for service in ["s3", "lambda", "dynamodb", "athena", "firehose", "kinesis", "cloudwatch"] {
            let url = t.sources.get(service).unwrap_or_else(|| panic!("no source for {service}"));
            assert!(url.starts_with("https://aws.amazon.com/"), "{service}: {url}");
        }
        assert!(t.s3.standard_ia_gb_month < t.s3.standard_gb_month);
        assert!(t.athena.per_tb_scanned > 0.0 && t.kinesis.shard_hour > 0.0);
    }

    #[test]
    fn a_misspelt_price_is_refused() {
        let text = US_EAST_1.replace("shard_hour: 0.015", "shard_hours: 0.015");
        let e = parse(&text).unwrap_err().to_string();
        assert!(e.contains("shard_hours"), "{e}");
    }

    #[test]
    fn another_region_gets_us_east_1_prices_and_a_note() {
        let (t, note) = for_region("eu-west-1");
        assert_eq!(t.region, "us-east-1");
        assert!(note.unwrap().contains("prices of us-east-1 used for eu-west-1"));
        assert!(for_region("us-east-1").1.is_none());
    }
}
