//! `aws_cloudwatch_dashboard`: a CloudWatch dashboard whose body (the dashboard JSON) is written
//! as a YAML map. The id is the dashboard name. Dashboards cannot be tagged by CloudWatch's
//! tagging API (it takes alarms and Contributor Insights rules only), so a dashboard carries no
//! ownership tags: its name, derived from the stack's prefix and environment, is what marks it.

mod props;

pub use props::{DashboardProps, fill_regions};

use crate::AwsClients;
use crate::reference::TypeDoc;
use crate::resource::name_and_arn;
use crate::resource::{Delete, Live, ReadResult, ResourceType, Update};
use crate::resources::json_doc::sorted_keys;
use mantissa_aws_core::{call, call_or_none};
use mantissa_engine::{Applied, NameStyle, Ownership, ProviderError, ResourceContext, TypeSchema};
use serde_json::{Map, Value};

pub const TYPE_NAME: &str = "aws_cloudwatch_dashboard";

/// CloudWatch's codes for a dashboard that does not exist.
const NOT_FOUND: [&str; 2] = ["ResourceNotFound", "DashboardNotFoundError"];

pub struct CloudwatchDashboard {
    pub(crate) clients: AwsClients,
}

impl CloudwatchDashboard {
    /// The body and ARN, or `None` when there is no such dashboard.
    async fn get(&self, name: &str) -> Result<Option<(Map<String, Value>, Option<String>)>, ProviderError> {
        let out = match call(
            "cloudwatch:GetDashboard",
            self.clients.cloudwatch().get_dashboard().dashboard_name(name).send(),
        )
        .await
        {
            Ok(out) => out,
            Err(e) if e.code.as_deref().is_some_and(|c| NOT_FOUND.contains(&c)) => return Ok(None),
            Err(e) => return Err(ProviderError::from(e)),
        };
        let body = match serde_json::from_str::<Value>(out.dashboard_body().unwrap_or("{}")) {
            Ok(Value::Object(m)) => m,
            Ok(_) | Err(_) => {
                return Err(ProviderError::api(
                    "cloudwatch:GetDashboard",
                    format!("the body of dashboard {name} is not a JSON object"),
                ));
            }
        };
        Ok(Some((body, out.dashboard_arn().map(str::to_string))))
    }

    async fn put(&self, name: &str, p: &DashboardProps) -> Result<Option<String>, ProviderError> {
        let out = call(
            "cloudwatch:PutDashboard",
            self.clients
                .cloudwatch()
                .put_dashboard()
                .dashboard_name(name)
                .dashboard_body(Value::Object(p.body.clone()).to_string())
                .send(),
        )
        .await?;
        // Errors fail the call; what comes back are warnings (a metric that does not exist yet).
        for m in out.dashboard_validation_messages() {
            tracing::warn!(
                dashboard = name,
                path = m.data_path().unwrap_or_default(),
                "CloudWatch: {}",
                m.message().unwrap_or_default()
            );
        }
        Ok(self.get(name).await?.and_then(|(_, arn)| arn))
    }
}

impl ResourceType for CloudwatchDashboard {
    type Props = DashboardProps;

    const SCHEMA: &'static TypeSchema =
        &TypeSchema::new(TYPE_NAME, NameStyle::Dashed, Ownership::Journal).attributes(&["name", "arn"]);

    const DOC: &'static TypeDoc = &TypeDoc::new("the dashboard name").permissions(include_str!("cloudwatch_dashboard/permissions.txt")).emulator(&[
        "`aws-sdk-cloudwatch` 1.100 speaks Smithy RPC v2 CBOR, which moto does not: the crate is pinned to `~1.99` (the query protocol, which AWS still serves).",
    ]);

    fn complete(&self, ctx: &ResourceContext, props: &mut DashboardProps) {
        fill_regions(&mut props.body, &ctx.naming.region);
    }

    fn canonicalize(&self, props: &mut DashboardProps) {
        if let Value::Object(m) = sorted_keys(Value::Object(std::mem::take(&mut props.body))) {
            props.body = m;
        }
    }

    async fn read(&self, ctx: &ResourceContext, id: Option<&str>) -> ReadResult<Self::Props> {
        let name = id.unwrap_or(&ctx.physical_name);
        let Some((body, arn)) = self.get(name).await? else { return Ok(None) };
        Ok(Some(Live {
            id: name.to_string(),
            attributes: name_and_arn(name, arn.as_deref()),
            props: DashboardProps { body },
        }))
    }

    async fn create(&self, ctx: &ResourceContext, props: &Self::Props) -> Result<Applied, ProviderError> {
        let name = ctx.physical_name.as_str();
        let arn = self.put(name, props).await?;
        Ok(Applied { id: name.to_string(), attributes: name_and_arn(name, arn.as_deref()) })
    }

    async fn update(&self, _ctx: &ResourceContext, update: Update<'_, Self::Props>) -> Result<Applied, ProviderError> {
        let Update { id, props, .. } = update;
        let arn = self.put(id, props).await?;
        Ok(Applied { id: id.to_string(), attributes: name_and_arn(id, arn.as_deref()) })
    }

    async fn delete(&self, _ctx: &ResourceContext, delete: Delete<'_, Self::Props>) -> Result<(), ProviderError> {
        let Delete { id, .. } = delete;
        call_or_none(
            "cloudwatch:DeleteDashboards",
            &NOT_FOUND,
            self.clients.cloudwatch().delete_dashboards().dashboard_names(id).send(),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use crate::resource::Properties;
    use mantissa_engine::PropertyError;
    use serde_json::json;

    fn check(body: Value) -> Result<(), PropertyError> {
        decode::<DashboardProps>(&json!({ "body": body })).expect("decodes").validate("mantissa-log-dev-dashboard")
    }

    fn metric_widget() -> Value {
        json!({"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
               "properties": {"metrics": [["AWS/Kinesis", "IncomingRecords"]], "region": "us-east-1"}})
    }

    #[test]
    fn bodies_need_widgets_with_type_and_properties() {
        check(json!({"widgets": [metric_widget(), {"type": "text", "properties": {"markdown": "# Hi"}}]})).unwrap();
        check(json!({"widgets": []})).unwrap();
        assert_eq!(check(json!({})).unwrap_err().path, "body.widgets");
        assert_eq!(check(json!({"widgets": {}})).unwrap_err().path, "body.widgets");
        assert_eq!(check(json!({"widgets": ["x"]})).unwrap_err().path, "body.widgets[0]");
        let mut w = metric_widget();
        w["type"] = json!("graph");
        assert_eq!(check(json!({"widgets": [w]})).unwrap_err().path, "body.widgets[0].type");
        let err = check(json!({"widgets": [metric_widget(), {"type": "text"}]})).unwrap_err();
        assert_eq!(err.path, "body.widgets[1].properties");
        let mut w = metric_widget();
        w["width"] = json!(25);
        assert_eq!(check(json!({"widgets": [w]})).unwrap_err().path, "body.widgets[0].width");
        assert!(decode::<DashboardProps>(&json!({"body": "text"})).is_err());
    }

    #[test]
    fn regions_default_to_the_environment() {
        let mut body = json!({"widgets": [
            metric_widget(),
            {"type": "metric", "properties": {"metrics": []}},
            {"type": "text", "properties": {"markdown": "x"}},
            {"type": "log", "properties": {"query": "q", "region": "eu-west-1"}}
        ]});
        fill_regions(body.as_object_mut().unwrap(), "ap-south-1");
        assert_eq!(body["widgets"][0]["properties"]["region"], "us-east-1");
        assert_eq!(body["widgets"][1]["properties"]["region"], "ap-south-1");
        assert!(body["widgets"][2]["properties"].get("region").is_none());
        assert_eq!(body["widgets"][3]["properties"]["region"], "eu-west-1");
    }

    #[test]
    fn names() {
        let p: DashboardProps = decode(&json!({"body": {"widgets": []}})).unwrap();
        assert_eq!(p.validate("has space").unwrap_err().path, "@name");
        assert_eq!(p.validate(&"a".repeat(256)).unwrap_err().path, "@name");
    }
}
