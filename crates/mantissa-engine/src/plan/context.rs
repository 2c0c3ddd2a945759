//! What every phase of the plan (and the apply walker after it) shares about one environment:
//! the project, its graph, the provider and the naming, and what is known of each resource so
//! far, for resolving `${module.name.attr}` references.

use crate::graph::{DesiredResource, ResourceGraph};
use crate::provider::{Naming, PropertyError, Provider, ResourceContext, standard_tags};
use mantissa_config::{Address, Diagnostic, Loc, Project, Ref, Scope, Template, contains_unknown, unknown};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Expected values of a resource after apply, for resolving references.
#[derive(Clone, Debug)]
pub struct Known {
    pub id: Value,
    pub properties: Value,
    pub attributes: Map<String, Value>,
}

/// Resolves `${module.name.attr}` from what is known of each resource.
pub struct KnownScope<'a> {
    pub known: &'a HashMap<Address, Known>,
    /// Secret values, at apply time only; at plan time secrets are unknown.
    pub secrets: Option<&'a SecretFn<'a>>,
}

impl Scope for KnownScope<'_> {
    fn lookup(&self, r: &Ref, loc: &Loc) -> Result<Value, Diagnostic> {
        match r {
            Ref::Resource { address, attr } => {
                let Some(k) = self.known.get(address) else {
                    return Ok(unknown());
                };
                if attr == "id" {
                    return Ok(k.id.clone());
                }
                if let Some(v) = k.attributes.get(attr) {
                    return Ok(v.clone());
                }
                Ok(k.properties.get(attr).cloned().unwrap_or_else(unknown))
            }
            // No value given: null, and the secret is created empty (the plan says so).
            Ref::Secret(name) => match self.secrets {
                Some(get) => Ok(get(name).map(Value::String).unwrap_or(Value::Null)),
                None => {
                    let _ = loc;
                    Ok(unknown())
                }
            },
        }
    }
}

/// Everything the planner and the walker share about one environment.
pub struct Context<'a> {
    pub project: &'a Project,
    pub graph: &'a ResourceGraph,
    pub provider: &'a dyn Provider,
    pub naming: Naming,
    pub lineage: String,
    /// Secret values by name, resolved in memory for comparison with the live ones. Without
    /// it (validate), secrets are unknown.
    pub secrets: Option<&'a SecretFn<'a>>,
}

/// Reads a secret's value from where the environment file says (`None`: no value given).
pub type SecretFn<'a> = dyn Fn(&str) -> Option<String> + Send + Sync + 'a;

impl<'a> Context<'a> {
    pub fn new(project: &'a Project, graph: &'a ResourceGraph, provider: &'a dyn Provider, lineage: &str) -> Self {
        let naming = Naming {
            project_prefix: project.env.project_prefix.value.clone(),
            environment: project.env.environment.value.clone(),
            region: project.env.region.value.clone(),
        };
        Self { project, graph, provider, naming, lineage: lineage.to_string(), secrets: None }
    }

    pub fn with_secrets(mut self, secrets: &'a SecretFn<'a>) -> Self {
        self.secrets = Some(secrets);
        self
    }

    pub fn resource_context(&self, address: &Address, type_name: &str) -> Option<ResourceContext> {
        let schema = self.provider.schema(type_name)?;
        Some(ResourceContext {
            address: address.clone(),
            type_name: type_name.to_string(),
            physical_name: self.naming.physical_name(schema.name_style, address),
            naming: self.naming.clone(),
            lineage: self.lineage.clone(),
        })
    }

    /// Evaluates a resource's properties, adds the standard tags and normalises them.
    pub fn desired_properties(
        &self,
        r: &DesiredResource,
        ctx: &ResourceContext,
        scope: &dyn Scope,
    ) -> Result<Value, Diagnostic> {
        let mut props = r.decl.properties.eval(scope)?;
        if !props.is_object() {
            return Err(Diagnostic::at(r.decl.properties.loc(), "`properties` must be a map"));
        }
        if r.schema.taggable {
            let obj = props.as_object_mut().expect("checked above");
            let mut tags = match obj.remove("tags") {
                Some(Value::Object(m)) => m,
                Some(Value::Null) | None => Map::new(),
                Some(other) if contains_unknown(&other) => Map::new(),
                Some(_) => {
                    return Err(Diagnostic::at(r.decl.properties.loc_at("tags"), "`tags` must be a map of strings"));
                }
            };
            for (k, v) in standard_tags(ctx) {
                tags.insert(k, Value::String(v));
            }
            obj.insert("tags".into(), Value::Object(tags));
        }
        self.provider.normalize(ctx, &props).map_err(|e| self.property_diagnostic(&r.decl.properties, e))
    }

    /// Points a provider's complaint at the place the user wrote the value.
    pub fn property_diagnostic(&self, props: &Template, e: PropertyError) -> Diagnostic {
        if let Some(rest) = e.path.strip_prefix("@name") {
            let _ = rest;
            let env = &self.project.env;
            return Diagnostic::at(&env.project_prefix.loc, e.message).with_help(format!(
                "physical names are built from project_prefix `{}` and environment `{}`",
                env.project_prefix.value, env.environment.value
            ));
        }
        Diagnostic::at(props.loc_at(&e.path), e.message)
    }

    pub(crate) fn matches_any(address: &Address, patterns: &[String]) -> bool {
        patterns.iter().any(|p| {
            p == &address.module || *p == address.to_string() || *p == format!("{}.{}", address.module, address.name)
        })
    }
}
