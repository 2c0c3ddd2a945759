//! Planning: desired (resolved configuration) vs recorded state vs live (refresh) for each
//! resource, giving one action per resource, the reason for each replace, and the drift between
//! state and the live account. Nothing here writes anything.

use crate::diff::changed_keys;
use crate::graph::{DesiredResource, ResourceGraph};
use crate::provider::{
    LINEAGE_TAG, LiveResource, Naming, Ownership, PropertyError, Provider, ProviderError, ResourceContext,
    standard_tags,
};
use crate::sensitive::redact;
use crate::state::StateDocument;
use futures::StreamExt;
use mantissa_config::{
    Address, Diagnostic, Diagnostics, Loc, Project, Ref, Scope, Template, contains_unknown, unknown,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum PlanAction {
    NoOp,
    Create,
    Update,
    /// Delete then create (physical names are deterministic, so the old one must go first).
    Replace,
    Delete,
}

impl PlanAction {
    pub fn symbol(self) -> &'static str {
        match self {
            PlanAction::NoOp => " ",
            PlanAction::Create => "+",
            PlanAction::Update => "~",
            PlanAction::Replace => "-/+",
            PlanAction::Delete => "-",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanMode {
    #[default]
    Normal,
    Destroy,
    /// Accept live values into state; change nothing in the cloud.
    RefreshOnly,
}

#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    pub mode: PlanMode,
    pub refresh: bool,
    /// `--target`: addresses or module names; their dependencies come along.
    pub targets: Vec<String>,
    /// `--replace`: force a replace of these addresses.
    pub replace: Vec<Address>,
    /// `--allow-destroy`: protected resources (addresses or module names) that may go.
    pub allow_destroy: Vec<String>,
    /// `destroy --include-data`: every protected resource may go.
    pub include_data: bool,
    pub parallelism: usize,
}

/// What will happen to one resource.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResourceChange {
    pub address: Address,
    pub type_name: String,
    pub action: PlanAction,
    /// The existing physical id (none for a create).
    pub id: Option<String>,
    pub physical_name: String,
    /// Properties now (live after a refresh, else as recorded).
    pub before: Option<Value>,
    /// Properties after apply; unknown placeholders where a dependency decides.
    pub after: Option<Value>,
    /// Top-level properties that differ.
    pub changed: Vec<String>,
    /// Why a replace: the properties that force it, or the flag that asked for it.
    pub replace_because: Vec<String>,
    /// Found by name with this state's lineage but missing from state (an interrupted run).
    pub adopt: bool,
    /// Attributes as refresh read them (or as recorded); empty for creates and replaces.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
    pub protected: bool,
    pub sensitive: Vec<String>,
    pub dependencies: Vec<Address>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftKind {
    /// Live properties differ from what was last applied.
    Changed,
    /// Recorded in state, gone from the account.
    Deleted,
}

/// A difference between the state and the live account, found by refresh.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Drift {
    pub address: Address,
    pub type_name: String,
    pub kind: DriftKind,
    pub changed: Vec<String>,
    pub before: Value,
    pub after: Option<Value>,
    pub sensitive: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlannedOutput {
    pub value: Value,
    pub sensitive: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    pub environment: String,
    pub lineage: String,
    /// The state serial the plan was made against.
    pub serial: u64,
    pub mode: PlanMode,
    /// In apply order for creates and updates (dependencies first); deletes are ordered by apply.
    pub changes: Vec<ResourceChange>,
    pub drift: Vec<Drift>,
    /// Live reads to record in state as they are (refresh-only, and resources gone outside).
    pub refreshed: BTreeMap<Address, Option<LiveResource>>,
    pub outputs: BTreeMap<String, PlannedOutput>,
}

impl Plan {
    /// True when applying would change the cloud or the state's resources.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != PlanAction::NoOp || c.adopt)
            || (self.mode == PlanMode::RefreshOnly && !self.drift.is_empty())
    }

    pub fn count(&self, action: PlanAction) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Config(#[from] Diagnostics),
    #[error("refreshing {address}: {source}")]
    Refresh { address: Address, source: ProviderError },
    #[error("{}", .0.join("\n"))]
    Protected(Vec<String>),
    #[error("{}", .0.join("\n"))]
    NotOwned(Vec<String>),
    #[error("the state records {address} as {type_name}, which this provider does not know")]
    UnknownStateType { address: Address, type_name: String },
}

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

    fn matches_any(address: &Address, patterns: &[String]) -> bool {
        patterns.iter().any(|p| {
            p == &address.module || *p == address.to_string() || *p == format!("{}.{}", address.module, address.name)
        })
    }
}

/// Makes the plan.
pub async fn plan(cx: &Context<'_>, state: &StateDocument, opts: &PlanOptions) -> Result<Plan, PlanError> {
    // Which addresses are in play (targets bring their dependencies).
    let in_scope = |a: &Address| -> bool { opts.targets.is_empty() || Context::matches_any(a, &opts.targets) };
    let targeted: BTreeSet<Address> = if opts.targets.is_empty() {
        cx.graph.resources.iter().map(|r| r.address().clone()).collect()
    } else {
        let roots: Vec<Address> =
            cx.graph.resources.iter().map(|r| r.address().clone()).filter(|a| in_scope(a)).collect();
        cx.graph.with_dependencies(&roots)
    };
    let state_addrs: BTreeMap<Address, &crate::state::ResourceState> =
        state.resources.iter().filter_map(|(k, v)| Address::parse(k).map(|a| (a, v))).collect();

    // Refresh: one concurrent round of reads over everything in play.
    let mut to_read: Vec<(Address, String, Option<String>)> = Vec::new();
    for a in &targeted {
        let r = cx.graph.get(a).expect("targeted addresses come from the graph");
        let recorded = state_addrs.get(a);
        // Refresh-only compares the state with the account: what the state does not record is
        // not its business (and reading it could only find something to adopt or refuse).
        let read = match recorded {
            None => opts.mode != PlanMode::RefreshOnly,
            Some(_) => opts.refresh,
        };
        if read {
            let id = recorded.filter(|s| s.type_name == r.schema.type_name).map(|s| s.id.clone());
            to_read.push((a.clone(), r.schema.type_name.to_string(), id));
        }
    }
    for (a, s) in &state_addrs {
        let desired = cx.graph.get(a).is_some_and(|r| targeted.contains(a) && r.schema.type_name == s.type_name);
        if !desired && (opts.targets.is_empty() || in_scope(a)) && opts.refresh {
            to_read.push((a.clone(), s.type_name.clone(), Some(s.id.clone())));
        }
    }
    let mut live = refresh(cx, to_read, opts.parallelism.max(1)).await?;
    for (a, l) in live.iter_mut() {
        if let (Some(l), Some(s)) = (l.as_mut(), state_addrs.get(a)) {
            fill_unreadable(cx.provider.unreadable(&s.type_name), &mut l.properties, &s.properties);
        }
    }

    let mut changes = Vec::new();
    let mut drift = Vec::new();
    let mut refreshed = BTreeMap::new();
    let mut protected_errors = Vec::new();
    let mut not_owned = Vec::new();
    let mut diagnostics = Vec::new();
    let mut known: HashMap<Address, Known> = HashMap::new();

    // Drift: state vs live, for everything refreshed that the state records.
    for (a, s) in &state_addrs {
        let Some(l) = live.get(a) else { continue };
        let sensitive = cx
            .provider
            .schema(&s.type_name)
            .map(|t| t.sensitive.iter().map(|x| x.to_string()).collect())
            .unwrap_or_default();
        match l {
            None => {
                drift.push(Drift {
                    address: a.clone(),
                    type_name: s.type_name.clone(),
                    kind: DriftKind::Deleted,
                    changed: vec![],
                    before: s.properties.clone(),
                    after: None,
                    sensitive,
                });
                refreshed.insert(a.clone(), None);
            }
            Some(l) => {
                // The state holds no sensitive value to compare: those are compared with the
                // desired value instead, in the plan below.
                let changed: Vec<String> =
                    changed_keys(&s.properties, &l.properties).into_iter().filter(|k| !sensitive.contains(k)).collect();
                if !changed.is_empty() {
                    let live = LiveResource { properties: redact(&l.properties, &sensitive), ..l.clone() };
                    drift.push(Drift {
                        address: a.clone(),
                        type_name: s.type_name.clone(),
                        kind: DriftKind::Changed,
                        changed,
                        before: s.properties.clone(),
                        after: Some(live.properties.clone()),
                        sensitive,
                    });
                    refreshed.insert(a.clone(), Some(live));
                }
            }
        }
    }

    if opts.mode == PlanMode::RefreshOnly {
        return Ok(Plan {
            environment: cx.naming.environment.clone(),
            lineage: state.lineage.clone(),
            serial: state.serial,
            mode: opts.mode,
            changes,
            drift,
            refreshed,
            outputs: BTreeMap::new(),
        });
    }

    // Seed what is known with the recorded (or refreshed) resources.
    for (a, s) in &state_addrs {
        let (props, attrs) = match live.get(a) {
            Some(Some(l)) => (l.properties.clone(), merged(&s.attributes, &l.attributes)),
            _ => (s.properties.clone(), s.attributes.clone()),
        };
        known.insert(a.clone(), Known { id: Value::String(s.id.clone()), properties: props, attributes: attrs });
    }

    let allowed = |a: &Address| opts.include_data || Context::matches_any(a, &opts.allow_destroy);

    if opts.mode == PlanMode::Normal {
        for r in &cx.graph.resources {
            let a = r.address();
            if !targeted.contains(a) {
                continue;
            }
            let ctx = cx.resource_context(a, r.schema.type_name).expect("graph types are known");
            let scope = KnownScope { known: &known, secrets: cx.secrets };
            let desired = match cx.desired_properties(r, &ctx, &scope) {
                Ok(v) => v,
                Err(d) => {
                    diagnostics.push(d);
                    continue;
                }
            };
            let recorded = state_addrs.get(a).filter(|s| s.type_name == r.schema.type_name);
            let live_now: Option<&LiveResource> = live.get(a).and_then(|l| l.as_ref());
            let mut adopt = false;
            let (base, id, base_attrs) = match (recorded, live_now) {
                (Some(s), Some(l)) => {
                    (Some(l.properties.clone()), Some(l.id.clone()), merged(&s.attributes, &l.attributes))
                }
                (Some(s), None) if !opts.refresh => {
                    (Some(s.properties.clone()), Some(s.id.clone()), s.attributes.clone())
                }
                (Some(_), None) => (None, None, Map::new()),
                (None, Some(l)) => {
                    // This state recorded the intent to create exactly this name: a run killed
                    // between the create and tagging or recording it.
                    let intended = state.intents.get(&a.to_string()) == Some(&ctx.physical_name);
                    let ours = match r.schema.ownership {
                        Ownership::Tags => {
                            owned_by(&l.properties, &cx.lineage) || (lineage_tag(&l.properties).is_none() && intended)
                        }
                        // Found under a parent that this state owns: the parent's read proved it.
                        Ownership::Parent => true,
                        Ownership::Journal => intended,
                    };
                    if !ours {
                        let found = match r.schema.ownership {
                            Ownership::Journal => {
                                "none: the type cannot be tagged and no intent of this state names it"
                            }
                            _ => l
                                .properties
                                .pointer(&format!("/tags/{}", LINEAGE_TAG.replace('/', "~1")))
                                .and_then(Value::as_str)
                                .unwrap_or("none"),
                        };
                        not_owned.push(
                            ProviderError::NotOwned {
                                address: Box::new(a.clone()),
                                physical_name: ctx.physical_name.clone(),
                                found: found.to_string(),
                                environment: ctx.naming.environment.clone(),
                            }
                            .to_string(),
                        );
                        continue;
                    }
                    adopt = true;
                    (Some(l.properties.clone()), Some(l.id.clone()), l.attributes.clone())
                }
                (None, None) => (None, None, Map::new()),
            };
            let base = base.map(|mut b| {
                fill_unreadable(cx.provider.unreadable(r.schema.type_name), &mut b, &desired);
                b
            });
            let mut replace_because = Vec::new();
            let (action, changed) = match &base {
                None => (PlanAction::Create, vec![]),
                Some(before) => {
                    let changed = changed_keys(before, &desired);
                    let renamed =
                        base_attrs.get("name").and_then(Value::as_str).is_some_and(|n| n != ctx.physical_name);
                    if renamed {
                        replace_because.push(format!(
                            "name: {} → {}",
                            base_attrs.get("name").and_then(Value::as_str).unwrap_or_default(),
                            ctx.physical_name
                        ));
                    }
                    for k in &changed {
                        if r.schema.force_new.contains(&k.as_str()) {
                            replace_because.push(k.clone());
                        }
                    }
                    if opts.replace.contains(a) {
                        replace_because.push("requested with --replace".into());
                    }
                    if !replace_because.is_empty() {
                        (PlanAction::Replace, changed)
                    } else if !changed.is_empty() {
                        (PlanAction::Update, changed)
                    } else {
                        (PlanAction::NoOp, changed)
                    }
                }
            };
            let protected = is_protected(&r.schema, Some(r), state_addrs.get(a).copied());
            if action == PlanAction::Replace && protected && !allowed(a) {
                protected_errors.push(protected_message(a, r.schema.type_name, "replace", &replace_because.join(", ")));
            }
            let planned = cx.provider.planned_attributes(&ctx, &desired);
            // Other resources never see a sensitive value (references to one are refused when
            // the graph is built; this keeps it out of everything derived from `known`).
            let desired_known = redact(&desired, r.schema.sensitive);
            // What refresh read: an adopted resource has no recorded attributes, and apply must
            // not lose the ones only the cloud knows (a topic's ARN) when it records it.
            let refreshed_attributes = if action == PlanAction::Replace { Map::new() } else { base_attrs.clone() };
            let k = match action {
                PlanAction::NoOp => Known {
                    id: id.clone().map(Value::String).unwrap_or_else(unknown),
                    properties: desired_known,
                    attributes: base_attrs,
                },
                PlanAction::Update => Known {
                    id: id.clone().map(Value::String).unwrap_or_else(unknown),
                    properties: desired_known,
                    attributes: merged(&base_attrs, &planned),
                },
                _ => Known {
                    id: planned.get("id").cloned().unwrap_or_else(unknown),
                    properties: desired_known,
                    attributes: planned,
                },
            };
            known.insert(a.clone(), k);
            changes.push(ResourceChange {
                address: a.clone(),
                type_name: r.schema.type_name.to_string(),
                action,
                id,
                physical_name: ctx.physical_name.clone(),
                before: base.map(|b| redact(&b, r.schema.sensitive)),
                after: Some(redact(&desired, r.schema.sensitive)),
                changed,
                replace_because,
                adopt,
                attributes: refreshed_attributes,
                protected,
                sensitive: r.schema.sensitive.iter().map(|s| s.to_string()).collect(),
                dependencies: r.dependencies.iter().cloned().collect(),
            });
        }
    }

    // Deletes: everything recorded that is no longer desired (all of it, for destroy).
    for (a, s) in state_addrs.iter().rev() {
        let still_desired =
            opts.mode == PlanMode::Normal && cx.graph.get(a).is_some_and(|r| r.schema.type_name == s.type_name);
        if still_desired || !(opts.targets.is_empty() || in_scope(a)) {
            continue;
        }
        if matches!(live.get(a), Some(None)) {
            continue; // Already gone: recorded as drift, forgotten at apply.
        }
        let schema = cx
            .provider
            .schema(&s.type_name)
            .ok_or_else(|| PlanError::UnknownStateType { address: a.clone(), type_name: s.type_name.clone() })?;
        let protected = is_protected(schema, cx.graph.get(a), Some(s));
        if protected && !allowed(a) {
            protected_errors.push(protected_message(
                a,
                &s.type_name,
                "destroy",
                if opts.mode == PlanMode::Destroy { "destroy" } else { "removed from the stack" },
            ));
        }
        let before = match live.get(a) {
            Some(Some(l)) => l.properties.clone(),
            _ => s.properties.clone(),
        };
        changes.push(ResourceChange {
            address: a.clone(),
            type_name: s.type_name.clone(),
            action: PlanAction::Delete,
            id: Some(s.id.clone()),
            physical_name: s.attributes.get("name").and_then(Value::as_str).unwrap_or(&s.id).to_string(),
            before: Some(redact(&before, schema.sensitive)),
            after: None,
            changed: vec![],
            replace_because: vec![],
            adopt: false,
            attributes: Map::new(),
            protected,
            sensitive: schema.sensitive.iter().map(|x| x.to_string()).collect(),
            dependencies: s.dependencies.iter().filter_map(|d| Address::parse(d)).collect(),
        });
        known.remove(a);
    }

    if !diagnostics.is_empty() {
        return Err(PlanError::Config(Diagnostics(diagnostics)));
    }
    if !not_owned.is_empty() {
        return Err(PlanError::NotOwned(not_owned));
    }
    if !protected_errors.is_empty() {
        return Err(PlanError::Protected(protected_errors));
    }

    let mut outputs = BTreeMap::new();
    if opts.mode == PlanMode::Normal {
        let scope = KnownScope { known: &known, secrets: None };
        for (name, o) in &cx.project.stack.outputs {
            let value = o.value.eval(&scope).map_err(|d| PlanError::Config(d.into()))?;
            let value =
                if o.sensitive && !value.is_null() { Value::String(crate::sensitive::MARKER.into()) } else { value };
            outputs.insert(name.clone(), PlannedOutput { value, sensitive: o.sensitive });
        }
    }

    Ok(Plan {
        environment: cx.naming.environment.clone(),
        lineage: state.lineage.clone(),
        serial: state.serial,
        mode: opts.mode,
        changes,
        drift,
        refreshed,
        outputs,
    })
}

fn protected_message(a: &Address, type_name: &str, verb: &str, why: &str) -> String {
    format!(
        "{a} ({type_name}) is protected and would be {}d ({why}). Nothing was changed. To allow it, name it: --allow-destroy {a}{}",
        if verb == "replace" { "replace" } else { "destroye" },
        if verb == "destroy" {
            " (or `mantissa destroy --include-data` to destroy every protected resource)"
        } else {
            ""
        }
    )
}

/// The one protection rule, for deletes and replaces alike: a resource holds data, and is never
/// destroyed or replaced unless the user names it (`--allow-destroy`, `destroy --include-data`),
/// when its type holds data, when the stack marks it `protected: true`, or when the state
/// recorded it as protected (so removing the flag from the YAML, or the resource from the stack,
/// in the same change as a rename does not lift it). `protected: false` cannot lift a type's
/// own protection.
pub fn is_protected(
    schema: &crate::provider::TypeSchema,
    desired: Option<&DesiredResource>,
    recorded: Option<&crate::state::ResourceState>,
) -> bool {
    schema.protected || desired.is_some_and(|r| r.protected) || recorded.is_some_and(|s| s.protected)
}

pub(crate) fn owned_by(properties: &Value, lineage: &str) -> bool {
    lineage_tag(properties) == Some(lineage)
}

fn lineage_tag(properties: &Value) -> Option<&str> {
    properties.get("tags").and_then(|t| t.get(LINEAGE_TAG)).and_then(Value::as_str)
}

/// Gives `live` the values of the `keys` it cannot carry (see [`Provider::unreadable`]) from
/// `from`, where `live` lacks them.
fn fill_unreadable(keys: &[&str], live: &mut Value, from: &Value) {
    let (Some(live), Some(from)) = (live.as_object_mut(), from.as_object()) else { return };
    for k in keys {
        if live.get(*k).is_none_or(Value::is_null)
            && let Some(v) = from.get(*k)
        {
            live.insert(k.to_string(), v.clone());
        }
    }
}

fn merged(a: &Map<String, Value>, b: &Map<String, Value>) -> Map<String, Value> {
    let mut out = a.clone();
    for (k, v) in b {
        out.insert(k.clone(), v.clone());
    }
    out
}

async fn refresh(
    cx: &Context<'_>,
    to_read: Vec<(Address, String, Option<String>)>,
    parallelism: usize,
) -> Result<HashMap<Address, Option<LiveResource>>, PlanError> {
    let reads = futures::stream::iter(to_read.into_iter().map(|(a, type_name, id)| async move {
        let ctx = cx
            .resource_context(&a, &type_name)
            .ok_or_else(|| PlanError::UnknownStateType { address: a.clone(), type_name: type_name.clone() })?;
        tracing::debug!(address = %a, id = ?id, "refresh");
        let live = cx
            .provider
            .read(&ctx, id.as_deref())
            .await
            .map_err(|source| PlanError::Refresh { address: a.clone(), source })?;
        Ok::<_, PlanError>((a, live))
    }))
    .buffer_unordered(parallelism);
    let results: Vec<_> = reads.collect().await;
    results.into_iter().collect()
}
