//! What a reference to `module.name[key]` may point at in this environment: every declared
//! resource, whether its module is switched on, and which instances exist after `for_each`
//! and `when`. References and `depends_on` are checked against it.

use crate::diagnostic::Diagnostic;
use crate::model::Spanned;
use crate::source::Loc;
use crate::suggest::did_you_mean;
use indexmap::IndexMap;

#[derive(Debug, Default)]
pub struct ResourceIndex {
    resources: IndexMap<(String, String), ResourceInfo>,
    /// The environment's module switches that are off, with where they were switched off.
    switched_off: IndexMap<String, Loc>,
}

#[derive(Debug, Clone)]
pub struct ResourceInfo {
    pub for_each: bool,
    /// `None` when expansion failed (already reported) or was not attempted: references to
    /// it are then accepted rather than reported twice.
    pub instances: Option<Vec<Instance>>,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub key: Option<String>,
    /// False when `when` is false here.
    pub present: bool,
    pub when_loc: Option<Loc>,
}

/// What a checked reference resolved to.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// Exists in this environment (or could not be checked).
    Present,
    /// Declared, but not created in this environment (module off or `when` false).
    Absent,
}

impl ResourceIndex {
    pub fn new(modules: &IndexMap<String, Spanned<bool>>) -> Self {
        let switched_off =
            modules.iter().filter(|(_, on)| !on.value).map(|(m, on)| (m.clone(), on.loc.clone())).collect();
        Self { resources: IndexMap::new(), switched_off }
    }

    pub fn insert(&mut self, module: &str, name: &str, info: ResourceInfo) {
        self.resources.insert((module.to_string(), name.to_string()), info);
    }

    pub fn get(&self, module: &str, name: &str) -> Option<&ResourceInfo> {
        self.resources.get(&(module.to_string(), name.to_string()))
    }

    pub fn module_off(&self, module: &str) -> Option<&Loc> {
        self.switched_off.get(module)
    }

    /// An "unknown resource" error with the closest declared address as a suggestion.
    pub fn unknown(&self, module: &str, name: &str, loc: &Loc) -> Diagnostic {
        let all: Vec<String> = self.resources.keys().map(|(m, n)| format!("{m}.{n}")).collect();
        let wanted = format!("{module}.{name}");
        let mut d = Diagnostic::at(loc, format!("unknown resource `{wanted}`"));
        if let Some(h) = did_you_mean(&wanted, all.iter().map(String::as_str)) {
            d = d.with_help(h);
        }
        d
    }

    /// Checks a reference from `referrer` (e.g. "`compute.x`") to `module.name[key]`.
    /// `absent_ok`: a target that is declared but not created is [`Target::Absent`] instead
    /// of an error (outputs of a switched-off module disappear rather than fail).
    pub fn check(
        &self,
        module: &str,
        name: &str,
        key: Option<&str>,
        loc: &Loc,
        referrer: &str,
        absent_ok: bool,
    ) -> Result<Target, Diagnostic> {
        let Some(info) = self.get(module, name) else {
            return Err(self.unknown(module, name, loc));
        };
        if let Some(off) = self.module_off(module) {
            if absent_ok {
                return Ok(Target::Absent);
            }
            return Err(Diagnostic::at(
                loc,
                format!("module `{module}` is switched off in {off}, but {referrer} references `{module}.{name}`"),
            )
            .with_help(format!("switch `{module}` on, or remove the reference")));
        }
        let Some(instances) = &info.instances else {
            return Ok(Target::Present);
        };
        let instance = match (info.for_each, key) {
            (false, None) => instances.first(),
            (false, Some(k)) => {
                return Err(Diagnostic::at(
                    loc,
                    format!("`{module}.{name}` has no `for_each`, so it has no instance `[{k}]`"),
                ));
            }
            (true, None) => {
                let example = instances.first().and_then(|i| i.key.as_deref()).unwrap_or("key");
                return Err(Diagnostic::at(
                    loc,
                    format!("`{module}.{name}` has one instance per `for_each` key; name one of them"),
                )
                .with_help(format!("e.g. `{module}.{name}[{example}]`; its keys are: {}", keys(instances))));
            }
            (true, Some(k)) => {
                let found = instances.iter().find(|i| i.key.as_deref() == Some(k));
                if found.is_none() {
                    let mut d = Diagnostic::at(
                        loc,
                        format!("`{module}.{name}` has no instance `{k}`; its keys are: {}", keys(instances)),
                    );
                    if let Some(h) = did_you_mean(k, instances.iter().filter_map(|i| i.key.as_deref())) {
                        d = d.with_help(h);
                    }
                    return Err(d);
                }
                found
            }
        };
        match instance {
            Some(i) if !i.present => {
                if absent_ok {
                    return Ok(Target::Absent);
                }
                let at = i.when_loc.as_ref().map(|l| format!(" (its `when` at {l} is false)")).unwrap_or_default();
                let shown = match key {
                    Some(k) => format!("{module}.{name}[{k}]"),
                    None => format!("{module}.{name}"),
                };
                Err(Diagnostic::at(
                    loc,
                    format!("`{shown}` is not created in this environment{at}, but {referrer} references it"),
                ))
            }
            _ => Ok(Target::Present),
        }
    }
}

fn keys(instances: &[Instance]) -> String {
    let k: Vec<&str> = instances.iter().filter_map(|i| i.key.as_deref()).collect();
    if k.is_empty() { "(none)".to_string() } else { k.join(", ") }
}
