//! YAML written by the user → [`Template`]: `${...}` in strings evaluated, list items with a
//! false `when` dropped, and only resource and secret references left for the engine.

use crate::diagnostic::Diagnostic;
use crate::eval::{Ctx, Val, eval};
use crate::expr::{self, Piece};
use crate::node::{Entry, Node, NodeKind};
use crate::source::Loc;
use crate::template::{Part, Ref, Template};
use serde_json::Value;

/// A string value after evaluation.
#[derive(Debug)]
pub enum Evaluated {
    /// No interpolation (escapes already applied).
    Plain(String),
    /// The string is exactly one `${...}`: its value keeps its own type.
    Whole(Val),
    /// Text with interpolations: known values are already folded into the literal parts.
    Parts(Vec<Part>),
}

pub fn eval_string(node: &Node, s: &str, ctx: &Ctx) -> Result<Evaluated, Diagnostic> {
    let pieces = expr::split(s)
        .map_err(|e| Diagnostic::at(&node.sub_loc(e.start, e.len), format!("invalid expression: {}", e.message)))?;
    match pieces.as_slice() {
        [Piece::Text(t)] => return Ok(Evaluated::Plain(t.clone())),
        [Piece::Interp(e, _, _)] => return Ok(Evaluated::Whole(eval(e, node, ctx)?)),
        _ => {}
    }
    let mut parts: Vec<Part> = Vec::new();
    let push_text = |parts: &mut Vec<Part>, t: &str| match parts.last_mut() {
        Some(Part::Literal(prev)) => prev.push_str(t),
        _ => parts.push(Part::Literal(t.to_string())),
    };
    for p in &pieces {
        match p {
            Piece::Text(t) => push_text(&mut parts, t),
            Piece::Interp(e, start, end) => match eval(e, node, ctx)? {
                Val::Ref(r, l) => parts.push(Part::Ref(r, l)),
                Val::Known(v) => match &v.kind {
                    NodeKind::Null => {}
                    NodeKind::Bool(b) => push_text(&mut parts, &b.to_string()),
                    NodeKind::Number(n) => push_text(&mut parts, &n.to_string()),
                    NodeKind::String(x) => push_text(&mut parts, x),
                    NodeKind::Seq(_) | NodeKind::Map(_) => {
                        return Err(Diagnostic::at(
                            &node.sub_loc(*start, end - start),
                            format!(
                                "`{}` is a {}, which cannot be placed inside a string",
                                s.get(e.start..e.end).unwrap_or(""),
                                v.kind_name()
                            ),
                        )
                        .with_help("write it alone as the whole value, e.g. `key: ${...}`"));
                    }
                },
            },
        }
    }
    Ok(Evaluated::Parts(parts))
}

/// A value that must be known at load time (`for_each`, `when`, `depends_on`): a string is
/// evaluated, anything else is taken as written.
pub fn known(node: &Node, ctx: &Ctx, what: &str) -> Result<Node, Diagnostic> {
    let NodeKind::String(s) = &node.kind else {
        return Ok(node.clone());
    };
    let apply_time = |r: &Ref, l: &Loc| match r {
        Ref::Secret(name) => crate::secret_use::secret_not_allowed(l, name, what),
        _ => Diagnostic::at(l, format!("{what} must be known before apply, but `{r}` is known only at apply time")),
    };
    match eval_string(node, s, ctx)? {
        Evaluated::Plain(t) => Ok(Node::new(NodeKind::String(t), node.loc.clone())),
        Evaluated::Whole(Val::Known(n)) => Ok(n),
        Evaluated::Whole(Val::Ref(r, l)) => Err(apply_time(&r, &l)),
        Evaluated::Parts(parts) => {
            let mut out = String::new();
            for p in parts {
                match p {
                    Part::Literal(t) => out.push_str(&t),
                    Part::Ref(r, l) => return Err(apply_time(&r, &l)),
                }
            }
            Ok(Node::new(NodeKind::String(out), node.loc.clone()))
        }
    }
}

/// A `when:` condition: a YAML boolean or an expression giving one.
pub fn condition(node: &Node, ctx: &Ctx) -> Result<bool, Diagnostic> {
    let v = known(node, ctx, "`when`")?;
    match v.kind {
        NodeKind::Bool(b) => Ok(b),
        _ => Err(Diagnostic::at(&node.loc, format!("`when` must be true or false, found a {}", v.kind_name()))),
    }
}

/// Converts user YAML into a template. Errors are collected, and the offending node becomes
/// null so conversion goes on and every error is found.
pub fn to_template(node: &Node, ctx: &Ctx, diags: &mut Vec<Diagnostic>) -> Template {
    match &node.kind {
        NodeKind::String(s) => match eval_string(node, s, ctx) {
            Ok(Evaluated::Plain(t)) => Template::Value(Value::String(t), node.loc.clone()),
            Ok(Evaluated::Whole(Val::Known(n))) => literal(&n),
            Ok(Evaluated::Whole(Val::Ref(r, l))) => Template::Interpolated(vec![Part::Ref(r, l)], node.loc.clone()),
            Ok(Evaluated::Parts(parts)) => match parts.as_slice() {
                [] => Template::Value(Value::String(String::new()), node.loc.clone()),
                [Part::Literal(t)] => Template::Value(Value::String(t.clone()), node.loc.clone()),
                _ => Template::Interpolated(parts, node.loc.clone()),
            },
            Err(d) => {
                diags.push(d);
                Template::Value(Value::Null, node.loc.clone())
            }
        },
        NodeKind::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item_when(item, ctx) {
                    Ok(Some(false)) => {}
                    Ok(Some(true)) => out.push(map_template(item, ctx, diags, true)),
                    Ok(None) => out.push(to_template(item, ctx, diags)),
                    Err(d) => diags.push(d),
                }
            }
            Template::Seq(out, node.loc.clone())
        }
        NodeKind::Map(_) => map_template(node, ctx, diags, false),
        _ => literal(node),
    }
}

/// The `when` of a list item that is a map with a `when` key.
fn item_when(item: &Node, ctx: &Ctx) -> Result<Option<bool>, Diagnostic> {
    match item.get("when") {
        Some(e) => condition(&e.value, ctx).map(Some),
        None => Ok(None),
    }
}

fn map_template(node: &Node, ctx: &Ctx, diags: &mut Vec<Diagnostic>, skip_when: bool) -> Template {
    let entries: &[Entry] = node.as_map().unwrap_or(&[]);
    let out = entries
        .iter()
        .filter(|e| !(skip_when && e.key == "when"))
        .map(|e| (e.key.clone(), e.key_loc.clone(), to_template(&e.value, ctx, diags)))
        .collect();
    Template::Map(out, node.loc.clone())
}

/// A known value as a template, keeping the location of every element: a variable's list
/// stays a list whose items point at where each was written.
pub fn literal(n: &Node) -> Template {
    match &n.kind {
        NodeKind::Seq(items) => Template::Seq(items.iter().map(literal).collect(), n.loc.clone()),
        NodeKind::Map(entries) => Template::Map(
            entries.iter().map(|e| (e.key.clone(), e.key_loc.clone(), literal(&e.value))).collect(),
            n.loc.clone(),
        ),
        _ => Template::Value(n.to_value(), n.loc.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Each;
    use crate::node::parse;
    use crate::source::SourceFile;
    use indexmap::{IndexMap, IndexSet};
    use serde_json::json;

    /// Variables from a YAML map, as if set in an environment file.
    fn vars(yaml: &str) -> IndexMap<String, Node> {
        let root = parse(&SourceFile::new("vars.yaml", yaml)).expect("vars parse");
        root.as_map().unwrap_or(&[]).iter().map(|e| (e.key.clone(), e.value.clone())).collect()
    }

    /// Converts `value` (one YAML line, `v: <value>`) with the given variables.
    fn convert(vars: &IndexMap<String, Node>, each: Option<&Each>, value: &str) -> Result<Template, Vec<Diagnostic>> {
        let file = SourceFile::new("t.yaml", format!("v: {value}\n"));
        let root = parse(&file).expect("parse");
        let node = &root.get("v").expect("v").value;
        let secrets: IndexSet<String> = ["token".to_string()].into_iter().collect();
        let ctx = Ctx {
            vars,
            each,
            resources: None,
            secrets: &secrets,
            referrer: "`t.t`",
            stack_file: "stack.yaml",
            absent: None,
        };
        let mut diags = Vec::new();
        let t = to_template(node, &ctx, &mut diags);
        if diags.is_empty() { Ok(t) } else { Err(diags) }
    }

    fn known_value(t: &Template) -> Value {
        match t {
            Template::Value(v, _) => v.clone(),
            Template::Seq(items, _) => items.iter().map(known_value).collect(),
            Template::Map(e, _) => e.iter().map(|(k, _, v)| (k.clone(), known_value(v))).collect(),
            other => panic!("not known: {other:?}"),
        }
    }

    fn eval_ok(vars: &IndexMap<String, Node>, value: &str) -> Value {
        known_value(&convert(vars, None, value).expect("converts"))
    }

    fn eval_err(vars: &IndexMap<String, Node>, value: &str) -> Diagnostic {
        convert(vars, None, value).expect_err("fails").remove(0)
    }

    const VARS: &str = "n: 3\nf: 3.0\ns: bedrock\nb: true\nl: [a, b]\nm: { k: v, inner: { x: 1 } }\nz: null\n";

    #[test]
    fn operators_and_ternary() {
        let v = vars(VARS);
        assert_eq!(eval_ok(&v, "'${var.s == \"bedrock\" ? \"yes\" : \"no\"}'"), json!("yes"));
        assert_eq!(eval_ok(&v, "'${var.s != \"bedrock\" ? \"yes\" : \"no\"}'"), json!("no"));
        assert_eq!(eval_ok(&v, "${var.n == var.f}"), json!(true));
        assert_eq!(eval_ok(&v, "${!var.b || var.n == 4}"), json!(false));
        assert_eq!(eval_ok(&v, "${var.b && (var.s == 'x' || var.l[1] == 'b')}"), json!(true));
        // Short-circuit: the right side would fail on null.
        assert_eq!(eval_ok(&v, "${var.z != null && var.z.x == 1}"), json!(false));
        assert_eq!(eval_ok(&v, "'${var.b ? var.l : var.m}'"), json!(["a", "b"]));
    }

    #[test]
    fn paths_into_lists_and_maps() {
        let v = vars(VARS);
        assert_eq!(eval_ok(&v, "${var.l[0]}"), json!("a"));
        assert_eq!(eval_ok(&v, "${var.m.inner.x}"), json!(1));
        assert_eq!(eval_ok(&v, "${var.m[\"k\"]}"), json!("v"));
        let t = convert(&v, None, "${var.m.inner}").expect("converts");
        assert_eq!(known_value(&t), json!({"x": 1}));
        // The map keeps where it was written, element by element.
        assert_eq!(t.loc().to_string(), "vars.yaml:6:19");
        assert_eq!(t.loc_at("x").to_string(), "vars.yaml:6:24");
        assert_eq!(eval_err(&v, "${var.l[5]}").message, "index 5 is out of range: `var.l` has 2 items");
        let d = eval_err(&v, "${var.m.innr}");
        assert_eq!(d.message, "`var.m` has no key `innr`");
        assert_eq!(d.help.as_deref(), Some("did you mean `inner`?"));
    }

    #[test]
    fn interpolation_keeps_or_stringifies_types() {
        let v = vars(VARS);
        assert_eq!(eval_ok(&v, "${var.n}"), json!(3));
        assert_eq!(eval_ok(&v, "arn:${var.s}:y:${var.n}:${var.b}:${var.z}"), json!("arn:bedrock:y:3:true:"));
        assert_eq!(eval_ok(&v, "'$${var.s} costs $$5'"), json!("${var.s} costs $$5"));
        let d = eval_err(&v, "x-${var.l}");
        assert_eq!(d.message, "`var.l` is a list, which cannot be placed inside a string");
        assert_eq!((d.loc.line, d.loc.column), (1, 6));
    }

    #[test]
    fn references_are_left_for_the_engine() {
        let v = vars(VARS);
        let t = convert(&v, None, "arn:${storage.logs.arn}/*").expect("converts");
        let Template::Interpolated(parts, _) = &t else { panic!("{t:?}") };
        assert!(matches!(&parts[0], Part::Literal(s) if s == "arn:"));
        let Part::Ref(r, loc) = &parts[1] else { panic!("{parts:?}") };
        assert_eq!(r.to_string(), "storage.logs.arn");
        assert_eq!((loc.line, loc.column), (1, 10));
        assert!(matches!(&parts[2], Part::Literal(s) if s == "/*"));
        let t = convert(&v, None, "${secret.token}").expect("converts");
        assert_eq!(t.references()[0].0, crate::Ref::Secret("token".into()));
    }

    #[test]
    fn expression_errors() {
        let v = vars(VARS);
        let d = eval_err(&v, "${storage.logs.arn == 'x'}");
        assert_eq!(
            d.message,
            "only variables and literals can be compared; `storage.logs.arn` is known only at apply time"
        );
        let d = eval_err(&v, "${vr.s}");
        assert!(d.message.starts_with("unknown name `vr`"), "{}", d.message);
        assert_eq!(d.help.as_deref(), Some("did you mean `var`?"));
        let d = eval_err(&v, "${var.s && true}");
        assert_eq!(d.message, "`&&` needs true or false, but `var.s` is a string");
        let d = eval_err(&v, "${storage.logs}");
        assert_eq!(d.message, "a reference to a resource needs an attribute, e.g. `storage.logs.arn`");
        let d = eval_err(&v, "${var.s = 1}");
        assert_eq!(d.message, "invalid expression: unexpected character `=` in expression (comparison is `==`)");
        assert_eq!((d.loc.line, d.loc.column), (1, 12));
        let d = eval_err(&v, "${each.value}");
        assert_eq!(d.message, "`each.value` can only be used inside a resource with `for_each`");
    }

    #[test]
    fn each_and_list_item_when() {
        let v = vars(VARS);
        let each = Each {
            key: Node::new(NodeKind::String("k1".into()), crate::Loc::file_start(&SourceFile::new("x", ""))),
            value: vars("x: { mem: 128 }\n").swap_remove("x").expect("x"),
        };
        let t = convert(&v, Some(&each), "'${each.key}-${each.value.mem}'").expect("converts");
        assert_eq!(known_value(&t), json!("k1-128"));
        let t = convert(
            &v,
            None,
            "[{ when: '${var.s == \"bedrock\"}', a: 1 }, { when: false, a: 2 }, { a: 3 }, { when: '${var.b}', a: 4 }]",
        )
        .expect("converts");
        assert_eq!(known_value(&t), json!([{"a": 1}, {"a": 3}, {"a": 4}]));
        let d = convert(&v, None, "[{ when: '${var.s}', a: 1 }]").expect_err("fails");
        assert_eq!(d[0].message, "`when` must be true or false, found a string");
    }

    #[test]
    fn odd_input_is_an_error_not_a_panic() {
        let v = vars(VARS);
        let odd = [
            "'${'",
            "'${\"}'",
            "'${ü}'",
            "'é${var.s'",
            "'${var.}'",
            "'${var.l[}'",
            "'${var.l[-1]}'",
            "'${(var.b}'",
            "'${var.b ? 1}'",
            "'${1.2.3}'",
            "'${\"\\\\'",
            "'${..}'",
            "'${each}'",
            "'${secret}'",
            "'${storage.x[var.l].a}'",
            "'${var.m[var.l]}'",
            "\"\\u00e9${var.nope}\"",
        ];
        for o in odd {
            let r = convert(&v, None, o);
            assert!(r.is_err(), "{o} should be an error: {r:?}");
        }
    }
}
