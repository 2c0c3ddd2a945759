//! Helpers first written for the monitoring types' tests and used by every type's tests that
//! assert which calls an operation made: a provider whose calls go through the recording proxy.

use crate::Harness;
use mantissa_aws::{AwsProvider, AwsSettings};
use mantissa_engine::{Provider, ResourceContext};
use mantissa_testkit::RecordingProxy;
use serde_json::Value;

/// A proxy in front of the harness's emulator and a provider talking through it.
pub async fn via_proxy(h: &Harness) -> (RecordingProxy, AwsProvider) {
    let upstream = h.provider.clients().config().endpoint_url().expect("endpoint").to_string();
    let proxy = RecordingProxy::start(&upstream).expect("proxy starts");
    let provider = AwsProvider::connect(&AwsSettings {
        region: h.region.clone(),
        endpoint_url: Some(proxy.endpoint.clone()),
        profile: None,
    })
    .await;
    (proxy, provider)
}

/// Changes one property a step, from `props` (as created) on, and asserts each step's update
/// made the writes named and reads back as desired.
pub async fn assert_updates_one_property_a_step(
    h: &Harness,
    (proxy, provider): (&RecordingProxy, &AwsProvider),
    ctx: &ResourceContext,
    id: &str,
    mut props: Value,
    steps: Vec<(&str, Value, Vec<&str>)>,
) {
    let mut prior = h.desired(ctx, props.clone());
    for (property, value, expected) in steps {
        props[property] = value;
        let desired = h.desired(ctx, props.clone());
        proxy.clear();
        provider.update(ctx, id, &prior, &desired, &[property.to_string()]).await.expect(property);
        assert_eq!(writes(proxy), expected, "{property}");
        assert_eq!(provider.read(ctx, Some(id)).await.unwrap().unwrap().properties, desired, "after {property}");
        prior = desired;
    }
}

/// The write operations the proxy saw, in order.
pub fn writes(proxy: &RecordingProxy) -> Vec<String> {
    proxy.writes().into_iter().map(|c| c.operation).collect()
}
