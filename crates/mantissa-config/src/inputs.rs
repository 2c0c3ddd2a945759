//! The environment's inputs checked against the stack's declarations: every variable value
//! typed and constrained (errors point where the value was written), required variables
//! present, and secret names declared.

use crate::address::MODULES;
use crate::diagnostic::Diagnostic;
use crate::model::{Environment, Variable};
use crate::node::{Entry, Node, NodeKind};
use crate::source::Loc;
use crate::stack::{StackFile, VarDecl};
use crate::suggest::did_you_mean;
use indexmap::IndexMap;

/// Variables every stack has, from the environment file: the inputs of every physical name, for
/// names a resource must spell out before the resource they belong to exists (a function's log
/// group `/aws/lambda/${var.project_prefix}-${var.environment}-<name>`, which its role's policy
/// names while the function needs the role first). A stack cannot declare them.
pub const BUILTIN_VARIABLES: [&str; 3] = ["project_prefix", "environment", "region"];

/// The built-in map of module switches, `${var.modules.<module>}` (true when the module is on):
/// for resources of one module that only make sense with another, such as a function's alarms
/// in monitoring, which say `when: ${var.modules.compute}`.
pub const MODULES_VARIABLE: &str = "modules";

/// The variable values in force, as nodes (for expressions) and as the model's [`Variable`]s.
pub struct Inputs {
    pub values: IndexMap<String, Node>,
    pub variables: IndexMap<String, Variable>,
}

/// `env_vars`: the `variables:` entries of the environment file; `vars_at`: where to report a
/// missing required variable (the `variables:` key, else the file start).
pub fn resolve(
    env: &Environment,
    env_vars: &[Entry],
    vars_at: &Loc,
    stack: &StackFile,
) -> Result<Inputs, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let stack_path = stack.file.path.display().to_string();
    let env_path = env.environment.loc.file.path.display().to_string();

    for e in env_vars {
        if !stack.variables.contains_key(&e.key) {
            let mut d =
                Diagnostic::at(&e.key_loc, format!("unknown variable `{}`: it is not declared in {stack_path}", e.key));
            if let Some(h) = did_you_mean(&e.key, stack.variables.keys().map(String::as_str)) {
                d = d.with_help(h);
            }
            diags.push(d);
        }
    }
    for (name, source) in &env.secrets {
        if !stack.secrets.contains(name) {
            let mut d = Diagnostic::at(
                &source.loc,
                format!("unknown secret `{name}`: it is not declared under `secrets:` in {stack_path}"),
            );
            if let Some(h) = did_you_mean(name, stack.secrets.iter().map(String::as_str)) {
                d = d.with_help(h);
            }
            diags.push(d);
        }
    }

    let mut values = IndexMap::new();
    let mut variables = IndexMap::new();
    for (name, spanned) in BUILTIN_VARIABLES.into_iter().zip([&env.project_prefix, &env.environment, &env.region]) {
        if let Some(decl) = stack.variables.get(name) {
            diags.push(Diagnostic::at(
                &decl.loc,
                format!("`{name}` is a built-in variable (the environment file's `{name}`); choose another name"),
            ));
        }
        values
            .insert(name.to_string(), Node { kind: NodeKind::String(spanned.value.clone()), loc: spanned.loc.clone() });
    }
    if let Some(decl) = stack.variables.get(MODULES_VARIABLE) {
        diags.push(Diagnostic::at(
            &decl.loc,
            format!("`{MODULES_VARIABLE}` is a built-in variable (the environment file's module switches); choose another name"),
        ));
    }
    let at = Loc::file_start(&env.environment.loc.file);
    let switches = MODULES
        .iter()
        .map(|m| Entry {
            key: (*m).to_string(),
            key_loc: at.clone(),
            value: Node { kind: NodeKind::Bool(env.module_enabled(m)), loc: at.clone() },
        })
        .collect();
    values.insert(MODULES_VARIABLE.to_string(), Node { kind: NodeKind::Map(switches), loc: at });
    for (name, decl) in &stack.variables {
        if let Some(default) = &decl.default {
            // A bad default is the stack author's error, reported in stack.yaml.
            check(decl, default, &mut diags);
        }
        let value = match env_vars.iter().find(|e| &e.key == name) {
            Some(e) => {
                check(decl, &e.value, &mut diags);
                e.value.clone()
            }
            None => match &decl.default {
                Some(d) => d.clone(),
                None => {
                    diags.push(
                        Diagnostic::at(
                            vars_at,
                            format!("required variable `{name}` has no value; set it under `variables:` in {env_path}"),
                        )
                        .with_help(format!(
                            "`{name}` is declared at {} ({})",
                            decl.loc,
                            decl.ty.describe()
                        )),
                    );
                    continue;
                }
            },
        };
        variables.insert(
            name.clone(),
            Variable {
                name: name.clone(),
                doc: decl.doc.clone(),
                value: value.to_value(),
                loc: value.loc.clone(),
                sensitive: decl.sensitive,
            },
        );
        values.insert(name.clone(), value);
    }
    if diags.is_empty() { Ok(Inputs { values, variables }) } else { Err(diags) }
}

/// Type and constraints of one value; null passes (it means "not set").
fn check(decl: &VarDecl, value: &Node, diags: &mut Vec<Diagnostic>) {
    let name = &decl.name;
    if value.is_null() {
        return;
    }
    if !decl.ty.accepts(value) {
        diags.push(Diagnostic::at(
            &value.loc,
            format!("variable `{name}` expects {}, found a {}", decl.ty.describe(), value.kind_name()),
        ));
        return;
    }
    if let NodeKind::Number(n) = &value.kind {
        let x = n.as_f64().unwrap_or(f64::NAN);
        if let Some(min) = decl.min.as_ref().filter(|m| x < m.value) {
            diags.push(
                Diagnostic::at(&value.loc, format!("variable `{name}` must be at least {}, found {n}", min.value))
                    .with_help(format!("the minimum is set at {}", min.loc)),
            );
        }
        if let Some(max) = decl.max.as_ref().filter(|m| x > m.value) {
            diags.push(
                Diagnostic::at(&value.loc, format!("variable `{name}` must be at most {}, found {n}", max.value))
                    .with_help(format!("the maximum is set at {}", max.loc)),
            );
        }
    }
    if let Some(allowed) = &decl.allowed {
        let v = value.to_value();
        if !allowed.iter().any(|a| a.to_value() == v) {
            let list: Vec<String> = allowed.iter().map(|a| display(&a.to_value())).collect();
            diags.push(Diagnostic::at(
                &value.loc,
                format!("variable `{name}` must be one of: {}; found {}", list.join(", "), display(&v)),
            ));
        }
    }
    if let (Some((re, pattern)), NodeKind::String(s)) = (&decl.pattern, &value.kind)
        && !re.is_match(s)
    {
        diags.push(Diagnostic::at(
            &value.loc,
            format!("variable `{name}` must match the pattern `{}`, found `{s}`", pattern.value),
        ));
    }
}

fn display(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
