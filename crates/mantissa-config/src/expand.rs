//! Resources and outputs for one environment: `for_each` expanded into instances, `when`
//! applied, properties turned into templates with every reference checked, `depends_on`
//! resolved, and the resources of switched-off modules set aside.
//!
//! Two passes: first every resource's instances are worked out (that needs only variables),
//! then templates are built, because a reference must know which instances exist anywhere in
//! the stack.

use crate::address::{Address, MODULES};
use crate::diagnostic::Diagnostic;
use crate::eval::{Ctx, Each};
use crate::model::{Environment, OutputDecl, ResourceDecl, Spanned};
use crate::node::{Node, NodeKind};
use crate::refs::{Instance, ResourceIndex, ResourceInfo, Target};
use crate::resolve::{condition, known, to_template};
use crate::stack::{ResourceSrc, StackFile};
use crate::template::{Ref, Template};
use indexmap::IndexMap;
use std::cell::Cell;

pub struct Expanded {
    pub resources: Vec<ResourceDecl>,
    pub disabled: Vec<Address>,
    pub outputs: IndexMap<String, OutputDecl>,
}

/// One instance to build, with its `each` (for `for_each` resources).
struct Planned<'a> {
    src: &'a ResourceSrc,
    key: Option<String>,
    each: Option<Each>,
}

pub fn expand(
    env: &Environment,
    stack: &StackFile,
    sources: &[ResourceSrc],
    vars: &IndexMap<String, Node>,
) -> Result<Expanded, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let stack_file = stack.file.path.display().to_string();
    let mut index = ResourceIndex::new(&env.modules);
    let mut planned = Vec::new();
    let mut disabled = Vec::new();

    for src in sources {
        let address = Address::new(&src.module, &src.name);
        let referrer = format!("`{address}`");
        let ctx = Ctx {
            vars,
            each: None,
            resources: None,
            secrets: &stack.secrets,
            referrer: &referrer,
            stack_file: &stack_file,
            absent: None,
        };
        let enabled = env.module_enabled(&src.module);
        // A switched-off module's expressions are not checked: the user has opted out of it,
        // and its addresses are only needed so a plan can remove what it once created.
        let instances = match instances_of(src, &ctx) {
            Ok(i) => Some(i),
            Err(d) => {
                if enabled {
                    diags.push(d);
                }
                None
            }
        };
        if !enabled {
            match &instances {
                Some(list) if src.for_each.is_some() => {
                    disabled.extend(list.iter().map(|(k, _)| Address { key: k.clone(), ..address.clone() }));
                }
                _ => disabled.push(address.clone()),
            }
            index.insert(&src.module, &src.name, ResourceInfo { for_each: src.for_each.is_some(), instances: None });
            continue;
        }
        let mut infos = Vec::new();
        for (key, each) in instances.into_iter().flatten() {
            let present = match &src.when {
                None => true,
                Some(w) => {
                    let ctx = Ctx { each: each.as_ref(), ..ctx };
                    match condition(w, &ctx) {
                        Ok(b) => b,
                        Err(d) => {
                            diags.push(d);
                            false
                        }
                    }
                }
            };
            infos.push(Instance { key: key.clone(), present, when_loc: src.when.as_ref().map(|w| w.loc.clone()) });
            if present {
                planned.push(Planned { src, key, each });
            }
        }
        index.insert(&src.module, &src.name, ResourceInfo { for_each: src.for_each.is_some(), instances: Some(infos) });
    }
    if !diags.is_empty() {
        // Instances are unreliable now; references checked against them would mislead.
        return Err(dedup(diags));
    }

    let mut resources = Vec::new();
    for p in &planned {
        let mut address = Address::new(&p.src.module, &p.src.name);
        address.key = p.key.clone();
        let referrer = format!("`{address}`");
        let ctx = Ctx {
            vars,
            each: p.each.as_ref(),
            resources: Some(&index),
            secrets: &stack.secrets,
            referrer: &referrer,
            stack_file: &stack_file,
            absent: None,
        };
        let properties = match &p.src.properties {
            Some(node) => to_template(node, &ctx, &mut diags),
            None => Template::Map(Vec::new(), p.src.loc.clone()),
        };
        let depends_on = depends_on(p.src, &ctx, &index, &mut diags);
        resources.push(ResourceDecl {
            address,
            type_name: p.src.type_name.clone(),
            properties,
            depends_on,
            protected: p.src.protected,
            waivers: p.src.waivers.clone(),
            loc: p.src.loc.clone(),
        });
    }

    let mut outputs = IndexMap::new();
    for o in &stack.outputs {
        let referrer = format!("output `{}`", o.name);
        let absent = Cell::new(false);
        let ctx = Ctx {
            vars,
            each: None,
            resources: Some(&index),
            secrets: &stack.secrets,
            referrer: &referrer,
            stack_file: &stack_file,
            absent: Some(&absent),
        };
        let before = diags.len();
        let value = to_template(&o.value, &ctx, &mut diags);
        for (r, loc) in value.references() {
            if let Ref::Secret(name) = r {
                diags.push(crate::secret_use::secret_not_allowed(
                    &loc,
                    &name,
                    &format!("output `{}` (outputs are stored in state and printed)", o.name),
                ));
            }
        }
        // An output about a resource this environment does not create (module off, `when`
        // false) does not exist here, rather than failing the whole configuration.
        if absent.get() || diags.len() > before {
            continue;
        }
        outputs.insert(
            o.name.clone(),
            OutputDecl { name: o.name.clone(), doc: o.doc.clone(), value, sensitive: o.sensitive, loc: o.loc.clone() },
        );
    }

    if diags.is_empty() { Ok(Expanded { resources, disabled, outputs }) } else { Err(dedup(diags)) }
}

/// Drops repeats: a mistake in a `for_each` resource is found once per instance, but it is
/// one mistake at one place.
fn dedup(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen = std::collections::HashSet::new();
    diags.into_iter().filter(|d| seen.insert((d.loc.file.path.clone(), d.loc.offset, d.message.clone()))).collect()
}

/// Instance keys with the `each` each one sees.
type Instances = Vec<(Option<String>, Option<Each>)>;

/// The instance keys of a resource (`[None]` without `for_each`), each with its `each`.
fn instances_of(src: &ResourceSrc, ctx: &Ctx) -> Result<Instances, Diagnostic> {
    let Some(fe) = &src.for_each else {
        return Ok(vec![(None, None)]);
    };
    let value = known(fe, ctx, "`for_each`")?;
    let mut out: Vec<(Option<String>, Option<Each>)> = Vec::new();
    let mut add = |key: String, key_node: Node, value: Node| -> Result<(), Diagnostic> {
        if !valid_key(&key) {
            return Err(Diagnostic::at(
                &key_node.loc,
                format!(
                    "invalid for_each key `{key}`: use lowercase letters, digits, `_` and `-` (keys become part of names)"
                ),
            ));
        }
        if out.iter().any(|(k, _)| k.as_deref() == Some(key.as_str())) {
            return Err(Diagnostic::at(&key_node.loc, format!("duplicate for_each key `{key}`")));
        }
        out.push((Some(key), Some(Each { key: key_node, value })));
        Ok(())
    };
    match &value.kind {
        NodeKind::Seq(items) => {
            for item in items {
                let Some(s) = item.as_str() else {
                    return Err(Diagnostic::at(
                        &item.loc,
                        format!(
                            "`for_each` over a list needs strings (each one is a key), found a {}; use a map for structured values",
                            item.kind_name()
                        ),
                    ));
                };
                add(s.to_string(), item.clone(), item.clone())?;
            }
        }
        NodeKind::Map(entries) => {
            for e in entries {
                let key_node = Node::new(NodeKind::String(e.key.clone()), e.key_loc.clone());
                add(e.key.clone(), key_node, e.value.clone())?;
            }
        }
        _ => {
            return Err(Diagnostic::at(
                &value.loc,
                format!("`for_each` needs a list of strings or a map, found a {}", value.kind_name()),
            ));
        }
    }
    Ok(out)
}

fn valid_key(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn depends_on(
    src: &ResourceSrc,
    ctx: &Ctx,
    index: &ResourceIndex,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Spanned<Address>> {
    let mut out = Vec::new();
    for item in &src.depends_on {
        let text = match known(item, ctx, "`depends_on`") {
            Ok(n) => match n.kind {
                NodeKind::String(s) => s,
                _ => {
                    diags.push(Diagnostic::at(&item.loc, format!("expected an address, found a {}", n.kind_name())));
                    continue;
                }
            },
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let Some(target) = Address::parse(text.trim()).filter(|a| MODULES.contains(&a.module.as_str())) else {
            diags.push(Diagnostic::at(
                &item.loc,
                format!("invalid address `{text}` in depends_on: expected `module.name` or `module.name[key]`"),
            ));
            continue;
        };
        let Some(info) = index.get(&target.module, &target.name) else {
            diags.push(index.unknown(&target.module, &target.name, &item.loc));
            continue;
        };
        // Waiting for something that is not created here is no constraint at all.
        if index.module_off(&target.module).is_some() {
            continue;
        }
        let spanned = |address: Address| Spanned { value: address, loc: item.loc.clone() };
        if target.key.is_none() && info.for_each {
            // All instances: "after the whole group".
            for i in info.instances.iter().flatten().filter(|i| i.present) {
                if let Some(k) = &i.key {
                    out.push(spanned(target.clone().with_key(k.clone())));
                }
            }
            continue;
        }
        match index.check(&target.module, &target.name, target.key.as_deref(), &item.loc, ctx.referrer, true) {
            Ok(Target::Present) => out.push(spanned(target)),
            Ok(Target::Absent) => {}
            Err(d) => diags.push(d),
        }
    }
    out
}
