//! Helpers shared by the monitoring types' tests: a provider whose calls go through the
//! recording proxy, so tests can assert which calls an operation made.

use crate::Harness;
use mantissa_aws::{AwsProvider, AwsSettings};
use mantissa_testkit::RecordingProxy;

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

/// The write operations the proxy saw, in order.
pub fn writes(proxy: &RecordingProxy) -> Vec<String> {
    proxy.writes().into_iter().map(|c| c.operation).collect()
}
