//! What the provider's unit tests share: the context the engine gives a resource of theirs, in
//! the `dev` environment in us-east-1, with one fixed lineage so that tags and requests can be
//! written out in full.

use crate::AwsProvider;
use mantissa_config::Address;
use mantissa_engine::{Naming, Provider, ResourceContext};

/// The lineage every test resource carries.
pub const LINEAGE: &str = "11111111-2222-3333-4444-555555555555";

/// The context of the `type_name` resource at `address` in `project_prefix`'s `dev`
/// environment, its physical name derived in the type's name style, as the engine derives it.
pub fn resource_context(project_prefix: &str, address: Address, type_name: &str) -> ResourceContext {
    let style = AwsProvider::offline().schema(type_name).expect("a registered type").name_style;
    let naming =
        Naming { project_prefix: project_prefix.into(), environment: "dev".into(), region: "us-east-1".into() };
    ResourceContext {
        physical_name: naming.physical_name(style, &address),
        address,
        type_name: type_name.into(),
        naming,
        lineage: LINEAGE.into(),
    }
}
