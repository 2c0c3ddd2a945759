//! `secret-literal`: a property a type marks as holding a secret (its schema's `sensitive` and
//! `accepts_secret` properties, such as a Secrets Manager secret's `value`) must come from
//! `${secret.NAME}`, whose value is read at apply time and never stored. A value written in the
//! stack or the environment file (directly or through a variable) sits in plain text in the
//! repository instead.

use super::rules::{Hit, Stack};
use super::subject::{Seg, Subject};
use mantissa_config::{Ref, Template};

pub fn literal(s: &Subject<'_>, _: &Stack<'_>) -> Vec<Hit> {
    let schema = &s.resource.schema;
    let mut hits = Vec::new();
    for key in
        schema.accepts_secret.iter().chain(schema.sensitive.iter().filter(|k| !schema.accepts_secret.contains(k)))
    {
        let at = [Seg::Key(key)];
        let Some(t) = s.template(&at) else { continue };
        let from_secret = t.references().iter().any(|(r, _)| matches!(r, Ref::Secret(_)));
        let literal = matches!(t, Template::Value(v, _) if v.as_str().is_some_and(|v| !v.is_empty()));
        if literal && !from_secret {
            hits.push(Hit::new(
                s.loc(&at),
                format!("`{key}` is written in the configuration instead of coming from `${{secret.NAME}}`"),
            ));
        }
    }
    hits
}
