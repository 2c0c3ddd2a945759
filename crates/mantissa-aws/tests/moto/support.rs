//! Steps that the tests of many resource types take alike: the changed-property list an update
//! gets, the tags a managed resource carries, reading back after a create or a rerun, and a delete
//! that a rerun may repeat. Kept here so that each type's tests say only what is particular to it.

use crate::Harness;
use mantissa_aws::AwsProvider;
use mantissa_engine::{ADDRESS_TAG, Applied, LINEAGE_TAG, LiveResource, Provider, ProviderError, ResourceContext};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The top-level properties whose values differ between `prior` and `desired`, in key order: what
/// the engine's diff hands to `update`.
pub fn changed_properties(prior: &Value, desired: &Value) -> Vec<String> {
    desired
        .as_object()
        .expect("properties are an object")
        .iter()
        .filter(|(k, v)| prior.get(k.as_str()) != Some(v))
        .map(|(k, _)| k.clone())
        .collect()
}

/// Asserts the live tags of a resource declared with `Team = team`: that tag, the lineage and
/// address the engine adds, and no more than the six that makes with the other standard tags.
pub fn assert_team_and_engine_tags(tags: &BTreeMap<String, String>, ctx: &ResourceContext, team: &str, address: &str) {
    assert_eq!(tags["Team"], team);
    assert_eq!(tags[LINEAGE_TAG], ctx.lineage);
    assert_eq!(tags[ADDRESS_TAG], address);
    assert_eq!(tags.len(), 6);
}

/// Asserts that what was just created reads back by its id as `desired` with the attributes the
/// create returned, and that a new process with no record of the id finds the same by name.
pub async fn assert_reads_back_and_by_name(h: &Harness, ctx: &ResourceContext, applied: &Applied, desired: &Value) {
    let live = h.provider.read(ctx, Some(&applied.id)).await.unwrap().expect("exists");
    assert_eq!(&live.properties, desired);
    assert_eq!(live.attributes, applied.attributes);
    let adopted = h.fresh_provider().await.read(ctx, None).await.unwrap().expect("found by name");
    assert_eq!(&adopted.properties, desired);
}

/// What a rerun after a crash finds: a new provider, with no record of the id, looks the resource
/// up by its physical name; it must carry this lineage, or the engine would not adopt it.
pub async fn found_after_rerun(h: &Harness, ctx: &ResourceContext) -> LiveResource {
    let rerun = h.fresh_provider().await;
    let live = rerun.read(ctx, None).await.unwrap().expect("found by name");
    assert_eq!(live.properties["tags"][LINEAGE_TAG], json!(ctx.lineage));
    live
}

/// Creates `desired` and asserts what a rerun after a crash then finds by name: our lineage and
/// the same properties. Returns it for the type's own checks.
pub async fn create_then_found_after_rerun(h: &Harness, ctx: &ResourceContext, desired: &Value) -> LiveResource {
    h.provider.create(ctx, desired).await.expect("create");
    let live = found_after_rerun(h, ctx).await;
    assert_eq!(&live.properties, desired);
    live
}

/// Creates the resource declared with `props` and asserts that reading by name alone finds the
/// id the create gave, however many others of the type stand before it (the listing is paged).
pub async fn assert_created_and_found_by_name(h: &Harness, ctx: &ResourceContext, props: Value) {
    let id = h.provider.create(ctx, &h.desired(ctx, props)).await.unwrap().id;
    assert_eq!(h.provider.read(ctx, None).await.unwrap().expect("found on page two").id, id);
}

/// Reads by the physical name through `provider` and asserts the properties are `desired`.
pub async fn assert_provider_reads_as(provider: &AwsProvider, ctx: &ResourceContext, desired: &Value) {
    let live = provider.read(ctx, Some(&ctx.physical_name)).await.expect("read").expect("exists");
    assert_eq!(&live.properties, desired);
}

/// Asserts that the resource reads back by its physical name, which is its id, as `desired`:
/// what the provider reads must equal what normalize gave, or the engine's next plan is not empty.
pub async fn assert_reads_as(h: &Harness, ctx: &ResourceContext, desired: &Value) {
    let live = h.provider.read(ctx, Some(&ctx.physical_name)).await.expect("read").expect("exists");
    assert_eq!(live.id, ctx.physical_name);
    assert_eq!(&live.properties, desired);
}

/// Asserts that the resource reads back as [`assert_reads_as`] says, and that reading by name
/// alone finds it with the attributes the create returned.
pub async fn assert_reads_as_and_by_name(h: &Harness, ctx: &ResourceContext, applied: &Applied, desired: &Value) {
    assert_reads_as(h, ctx, desired).await;
    let live = h.provider.read(ctx, None).await.unwrap().expect("found by name");
    assert_eq!(live.attributes, applied.attributes);
}

/// Changes one property a step, from `props` (what `id` was created with) on, passing only its
/// name as the engine does for a one-key diff. Asserts that each step changes that property
/// alone, that `check` holds of the update's result, and that the resource then reads back as
/// desired. Returns the last step's properties, as declared and as normalized.
pub async fn assert_each_property_updates_in_place(
    h: &Harness,
    ctx: &ResourceContext,
    id: &str,
    mut props: Value,
    steps: Vec<(&str, Value)>,
    check: impl Fn(&Applied),
) -> (Value, Value) {
    let mut prior = h.desired(ctx, props.clone());
    for (property, value) in steps {
        props[property] = value;
        let desired = h.desired(ctx, props.clone());
        let changed = changed_properties(&prior, &desired);
        assert_eq!(changed, vec![property.to_string()], "one property per step");
        let applied = h
            .provider
            .update(ctx, id, &prior, &desired, &changed)
            .await
            .unwrap_or_else(|e| panic!("update {property}: {e}"));
        check(&applied);
        assert_reads_as(h, ctx, &desired).await;
        prior = desired;
    }
    (props, prior)
}

/// Deletes `id`, asserts it no longer reads by id, then deletes it again: a rerun after a crash
/// repeats the delete, and that must succeed.
pub async fn assert_delete_repeats(h: &Harness, ctx: &ResourceContext, id: &str, prior: &Value) {
    h.provider.delete(ctx, id, prior).await.expect("delete");
    assert!(h.provider.read(ctx, Some(id)).await.unwrap().is_none());
    h.provider.delete(ctx, id, prior).await.expect("deleting twice");
}

/// Deletes `id`, asserts it is gone both by id and by name, then deletes it again: a rerun after
/// a crash repeats the delete, and that must succeed.
pub async fn assert_delete_repeats_and_gone_by_name(h: &Harness, ctx: &ResourceContext, id: &str, prior: &Value) {
    h.provider.delete(ctx, id, prior).await.expect("delete");
    assert!(h.provider.read(ctx, Some(id)).await.unwrap().is_none());
    assert!(h.provider.read(ctx, None).await.unwrap().is_none());
    h.provider.delete(ctx, id, prior).await.expect("deleting twice");
}

/// Creates the resource declared with `props`, then deletes it as
/// [`assert_delete_repeats_and_gone_by_name`] does.
pub async fn create_then_delete_twice(h: &Harness, ctx: &ResourceContext, props: Value) {
    let desired = h.desired(ctx, props);
    let id = h.provider.create(ctx, &desired).await.unwrap().id;
    assert_delete_repeats_and_gone_by_name(h, ctx, &id, &desired).await;
}

/// Asserts that `result` is AWS's refusal of `operation`, its message starting with AWS's error
/// code, passed through rather than reworded.
pub fn assert_aws_error<T: std::fmt::Debug>(result: Result<T, ProviderError>, operation: &str, code: &str) {
    match result {
        Err(ProviderError::Api(mantissa_engine::ApiError { operation: failed, message, .. })) => {
            assert_eq!(failed, operation);
            assert!(message.starts_with(code), "{message}");
        }
        other => panic!("expected the AWS error, got {other:?}"),
    }
}
